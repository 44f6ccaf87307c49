import Autograd
import CLua
import CLuaShim

/// `torch.no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode` in both Lua forms:
/// `torch.no_grad(function() ... end)` runs the function in the mode, and
/// `local g <close> = torch.no_grad()` enters the mode until `g` goes out of scope.
enum GradModes {
    static let functions: [(String, lg_SwiftFunction)] = [
        ("no_grad", { L in luaEntry(L) { s in try enter(s, enabled: false, inference: nil, argument: 1) } }),
        ("enable_grad", { L in luaEntry(L) { s in try enter(s, enabled: true, inference: nil, argument: 1) } }),
        ("inference_mode", { L in
            luaEntry(L) { s in
                // inference_mode(false) is a no-op mode, as in PyTorch.
                if s.type(1) == LUA_TBOOLEAN && !s.boolean(1) {
                    return try enter(s, enabled: ThreadState.current.gradEnabled, inference: false, argument: 2)
                }
                return try enter(s, enabled: false, inference: true, argument: s.type(1) == LUA_TBOOLEAN ? 2 : 1)
            }
        }),
        ("set_grad_enabled", { L in
            luaEntry(L) { s in
                guard s.type(1) == LUA_TBOOLEAN else {
                    throw LuaError.badArgument(1, "set_grad_enabled", expected: "boolean", got: s.typeName(1))
                }
                return try enter(s, enabled: s.boolean(1), inference: nil, argument: 2)
            }
        }),
        ("is_grad_enabled", { L in luaEntry(L) { s in s.push(ThreadState.current.gradEnabled); return 1 } }),
        ("is_inference_mode_enabled", { L in luaEntry(L) { s in s.push(ThreadState.current.inferenceMode); return 1 } }),
    ]

    /// Sets the mode; runs the function at `argument` under it, or returns a guard to `<close>`.
    private static func enter(_ s: LuaStack, enabled: Bool, inference: Bool?, argument: Int32) throws -> Int32 {
        let state = ThreadState.current
        let saved = (state.gradEnabled, state.inferenceMode)
        if s.type(argument) == LUA_TFUNCTION {
            state.gradEnabled = enabled
            if let inference { state.inferenceMode = inference }
            let base = s.top
            lua_pushvalue(s.L, argument)
            let status = lg_pcall(s.L, 0, LUA_MULTRET, 0)
            state.gradEnabled = saved.0
            state.inferenceMode = saved.1
            if status != LUA_OK { throw RaisedLuaValue() }
            return s.top - base
        }
        // The guard remembers the previous mode in its own bytes; `__close` restores it.
        let raw = lua_newuserdatauv(s.L, 2, 0)!.assumingMemoryBound(to: Bool.self)
        raw[0] = saved.0
        raw[1] = saved.1
        lua_rawgeti(s.L, lg_registryindex(), lua_Integer(BridgeContext.get(s.L).guardMetatableRef))
        lua_setmetatable(s.L, -2)
        state.gradEnabled = enabled
        if let inference { state.inferenceMode = inference }
        return 1
    }

    /// `__close` of a mode guard: restores the mode it saved.
    static let close: lg_SwiftFunction = { L in
        guard let L, let raw = lua_touserdata(L, 1) else { return 0 }
        let saved = raw.assumingMemoryBound(to: Bool.self)
        ThreadState.current.gradEnabled = saved[0]
        ThreadState.current.inferenceMode = saved[1]
        return 0
    }
}
