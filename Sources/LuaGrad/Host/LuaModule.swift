import CLua
import CLuaShim

// MARK: - The torch module in a Lua state LuaGrad did not create

/// Opens the torch module in any Lua 5.4 state: what `require "luagrad"` runs in the Lua module
/// `luagrad.so` (its C entry points `luaopen_luagrad` and `luaopen_torch`, target
/// LuaGradModule, call this through the bridge's trampoline).
///
/// An `lg_SwiftFunction`: pushes the module and returns 1, or pushes a message and returns
/// `LG_ERROR`. Besides building the module (once per state, as `ScriptHost` does), it records the
/// module as `package.loaded.luagrad` and `package.loaded.torch`, so both names give the same
/// table, and makes `require "luagrad.test"` load the test runner (`TestModule`). The state
/// keeps the interpreter's own settings: its allocator, its collector mode (the stock
/// `lua5.4` runs the generational collector already), no limits and no sandbox.
@_cdecl("lg_luagrad_module_open")
public func luagradModuleOpen(_ L: OpaquePointer?) -> Int32 {
    guard let L else { return 0 }
    let status = TorchModule.open(L)
    guard status == 1 else { return status }
    return luaEntry(L) { s in
        let module = s.top
        guard lua_checkstack(L, 6) != 0 else { throw LuaError("stack overflow while opening luagrad") }
        lua_getfield_raw(L, lg_registryindex(), LUA_LOADED_TABLE)
        for name in ["luagrad", "torch"] {
            lua_pushvalue(L, module)
            s.setField(-2, name)
        }
        s.pop()
        TestModule.installPreload(s)
        lua_settop(L, module)
        return 1
    }
}
