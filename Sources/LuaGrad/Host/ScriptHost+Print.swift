import CLua
import CLuaShim

// MARK: - print capture

/// The sink of the captured `print`: the C side has already built the line (calling
/// `tostring`, hence `__tostring`, where raising is allowed); Swift only forwards the text.
private let printSink: lg_SwiftFunction = { L in
    guard let L, let context = lua_touserdata(L, lg_upvalueindex(2)) else { return 0 }
    let state = Unmanaged<HostState>.fromOpaque(context).takeUnretainedValue()
    if let output = state.output {
        output(state.string(at: -1, on: L))
    }
    return 0
}

extension ScriptHost {
    /// Replaces the global `print` by the capturing one when `options.output` is set.
    func installPrint() throws {
        guard let output = options.output else { return }
        state.output = output
        try withStack { L in
            lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            state.pushString("print", on: L)
            // Unretained: the state outlives its Lua state, whose finalizers may still print.
            lua_pushlightuserdata(L, Unmanaged.passUnretained(state).toOpaque())
            lg_pushprint(L, printSink, 1)
            try setTable(on: L)
        }
    }
}
