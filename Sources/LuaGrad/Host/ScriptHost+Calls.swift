import CLua
import CLuaShim

// MARK: - Globals, calls and Swift functions

extension ScriptHost {
    /// Sets the global `name` (through `_G`'s metamethods, if a script gave it any).
    public func setGlobal(_ name: String, _ value: LuaValue) throws {
        try withStack { L in
            lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            state.pushString(name, on: L)
            try state.push(value, on: L)
            try setTable(on: L)
        }
    }

    /// The global `name`; a dotted path such as `"math.max"` walks into tables.
    public func getGlobal(_ name: String) throws -> LuaValue {
        try withStack { L in
            try pushGlobal(name, on: L)
            return state.read(-1, on: L)
        }
    }

    /// Calls the global function `name` (a dotted path such as `"torch.zeros"` is allowed)
    /// and returns its results.
    @discardableResult
    public func call(_ name: String, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        try withStack { L in
            try pushGlobal(name, on: L)
            return try callLoaded(arguments: arguments, on: L)
        }
    }

    /// Calls a function value (or anything callable) and returns its results.
    @discardableResult
    public func call(_ function: LuaValue, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        try withStack { L in
            try state.push(function, on: L)
            return try callLoaded(arguments: arguments, on: L)
        }
    }

    /// Defines the global function `name`, implemented in Swift.
    ///
    /// The closure receives the call's arguments and returns its results. An error it throws
    /// becomes a Lua error (catchable with `pcall`) whose message is the error's description
    /// prefixed with the calling line's `file:line:`; a `ScriptError` coming from a nested
    /// call into Lua keeps its own position. The closure may call back into this host.
    /// Capture the host weakly inside it, or the host and the closure keep each other alive.
    public func register(name: String, function body: @escaping LuaFunctionBody) throws {
        try setGlobal(name, makeFunction(body))
    }

    /// A Lua function implemented in Swift, to store in tables or pass to Lua code.
    public func makeFunction(_ body: @escaping LuaFunctionBody) throws -> LuaValue {
        try withStack { L in
            try state.pushFunction(body, on: L)
            return state.read(-1, on: L)
        }
    }

    /// Pushes the global at the dotted path `name`.
    private func pushGlobal(_ name: String, on L: OpaquePointer) throws {
        lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        for component in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard lua_type(L, -1) == LUA_TTABLE || lua_type(L, -1) == LUA_TUSERDATA else {
                throw ScriptError.host("cannot index '\(name)': a \(state.typeName(at: -1, on: L)) is in the way")
            }
            state.pushString(String(component), on: L)
            try getTable(on: L)
        }
    }
}
