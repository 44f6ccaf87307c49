import CLua
import CLuaShim

// MARK: - The busted-dialect test framework, in Lua

/// The Lua half of `luagrad test`: busted's `describe`/`it`/hooks and luassert-style
/// assertions, in three files of `Sources/LuaGrad/Lua/` (values and positions, assertions,
/// runner). `TestRunner` loads them into a fresh host per test file (`loadTestFramework`).
enum TestFramework {
    /// How failures show values, deep comparison, positions; returns the helpers the others use.
    static let values = LuaLibrary.Chunk(file: "luagrad/testing_values.lua", source: PackageResources.testing_values_lua)
    /// The global `assert`, luassert's chains.
    static let assertions = LuaLibrary.Chunk(file: "luagrad/testing_assertions.lua", source: PackageResources.testing_assertions_lua)
    /// `describe`/`it`/hooks; returns `run(chunk, path, load_error)`.
    static let runner = LuaLibrary.Chunk(file: "luagrad/testing_runner.lua", source: PackageResources.testing_runner_lua)
}

extension ScriptHost {
    /// Loads the test framework into this host: installs its globals (`describe`, `it`,
    /// `assert`, ...) and returns its `run(chunk, path, load_error)`, which runs one file's
    /// tests and returns `{passed=, failed=, skipped=, failures={{name=, location=, message=}, ...}}`.
    func loadTestFramework() throws -> LuaValue {
        try withStack { L in
            // The values chunk learns the framework's chunk names: their frames are never a
            // failure's position.
            let chunks = [TestFramework.values, TestFramework.assertions, TestFramework.runner]
            try LuaLibrary.load(TestFramework.values, on: L)
            for chunk in chunks { state.pushString(chunk.file, on: L) }
            _ = try state.protectedCall(L, arguments: Int32(chunks.count), results: 1)
            let helpers = lua_gettop(L)
            try LuaLibrary.load(TestFramework.assertions, on: L)
            lua_pushvalue(L, helpers)
            _ = try state.protectedCall(L, arguments: 1, results: 0)
            try LuaLibrary.load(TestFramework.runner, on: L)
            lua_pushvalue(L, helpers)
            _ = try state.protectedCall(L, arguments: 1, results: 1)
            return state.read(-1, on: L)
        }
    }
}
