import CLua
import CLuaShim

// MARK: - Loading and running chunks

extension ScriptHost {
    /// Runs Lua source code and returns the chunk's results. Errors read `name:line: message`.
    /// - Parameters:
    ///   - name: the chunk's name in messages (it is loaded as `=name`).
    ///   - arguments: passed to the chunk as `...`.
    @discardableResult
    public func run(string source: String, name: String = "chunk", arguments: [LuaValue] = []) throws -> [LuaValue] {
        try withStack { L in
            try loadString(source, chunkName: "=" + name, on: L)
            return try callLoaded(arguments: arguments, on: L)
        }
    }

    /// Runs a Lua file (a first line starting with `#` is skipped, as `lua` does) and returns
    /// its results. Errors read `path:line: message`.
    /// - Parameter arguments: passed to the chunk as `...`. (The global `arg` is left alone:
    ///   the `luagrad` program sets it the way the standalone `lua` does.)
    @discardableResult
    public func run(file path: String, arguments: [LuaValue] = []) throws -> [LuaValue] {
        try withStack { L in
            try loadFile(path, on: L)
            return try callLoaded(arguments: arguments, on: L)
        }
    }

    /// Runs standard input as a script named `stdin`, as `lua -` does.
    @discardableResult
    public func runStandardInput(arguments: [LuaValue] = []) throws -> [LuaValue] {
        try withStack { L in
            try loadFile(nil, on: L)
            return try callLoaded(arguments: arguments, on: L)
        }
    }

    /// Compiles Lua source code without running it; returns the chunk as a `.function`.
    public func load(string source: String, name: String = "chunk") throws -> LuaValue {
        try withStack { L in
            try loadString(source, chunkName: "=" + name, on: L)
            return state.read(-1, on: L)
        }
    }

    /// Compiles a Lua file without running it; returns the chunk as a `.function`.
    public func load(file path: String) throws -> LuaValue {
        try withStack { L in
            try loadFile(path, on: L)
            return state.read(-1, on: L)
        }
    }

    // MARK: - Internals

    /// Which chunks may be loaded: text only in the sandbox (a crafted binary chunk can crash
    /// the Lua VM), text and binary otherwise.
    var loadMode: String? { options.sandbox ? "t" : nil }

    /// Compiles `source` and pushes the chunk (`lua_load` is protected: it never raises).
    func loadString(_ source: String, chunkName: String, on L: OpaquePointer) throws {
        var source = source
        let status = source.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                luaL_loadbufferx(L, chars.baseAddress, chars.count, chunkName, loadMode)
            }
        }
        if status != LUA_OK { throw state.scriptError(status: status, on: L) }
    }

    /// Compiles the file at `path` (standard input when nil) and pushes the chunk.
    func loadFile(_ path: String?, on L: OpaquePointer) throws {
        let status = luaL_loadfilex(L, path, loadMode)
        if status != LUA_OK { throw state.scriptError(status: status, on: L) }
    }

    /// Calls the chunk on top of the stack with `arguments` and returns its results.
    func callLoaded(arguments: [LuaValue], on L: OpaquePointer) throws -> [LuaValue] {
        guard arguments.count < Int(Int32.max) - 8, lua_checkstack(L, Int32(arguments.count) + 4) != 0 else {
            throw ScriptError.host("too many arguments (\(arguments.count))")
        }
        for argument in arguments { try state.push(argument, on: L) }
        let count = try state.protectedCall(L, arguments: Int32(arguments.count))
        return results(count, on: L)
    }
}
