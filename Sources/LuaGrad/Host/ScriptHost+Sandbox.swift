import Autograd
import CLua
import CLuaShim

// MARK: - The sandbox

extension ScriptHost {
    /// Trims the standard library to the sandbox's allow-list (docs/security.md), in place, so
    /// that every path to a library (`_G`, `package.loaded`, the string metatable) sees the
    /// trimmed tables.
    func installSandbox() throws {
        try loadDeferredExtensions()
        try withStack { L in
            try LuaLibrary.load(Self.sandbox, on: L)
            lua_pushboolean(L, options.grantedDirectory == nil ? 0 : 1)
            _ = try state.protectedCall(L, arguments: 1, results: 0)
        }
    }

    /// Runs the torch extensions that wait for a script's first use (`LuaLibrary`'s deferred
    /// ones) now, so that the sandbox and a raw look at torch see every field.
    func loadDeferredExtensions() throws {
        try withStack { L in
            guard LuaLibrary.pushDeferredLoader(on: L) else { return }
            _ = try state.protectedCall(L, arguments: 0, results: 0)
        }
    }

    /// The allow-list (`Sources/LuaGrad/Lua/sandbox.lua`).
    static let sandbox = LuaLibrary.Chunk(file: "luagrad/sandbox.lua", source: PackageResources.sandbox_lua)

    /// Confines torch's file functions to `directory` (`Options.grantedDirectory`).
    func grantDirectory(_ directory: String) throws {
        let access: FileAccess
        do { access = try FileAccess.granting(directory) } catch let error as TorchError {
            throw ScriptError.host(error.message)
        }
        try withStack { L in
            guard BridgeContext.exists(L) else { return }
            BridgeContext.get(L).fileAccess = access
        }
    }

    // MARK: - Keeping the hook

    /// Closes the two ways Lua code could run where the count hook cannot stop it: a finalizer
    /// (`__gc` runs with hooks off) and `debug.sethook` (which would replace the host's hook).
    /// Installed in the sandbox, and whenever an instruction or time limit is set.
    func installHookGuards() throws {
        try withStack { L in
            try LuaLibrary.load(Self.hookGuards, on: L)
            _ = try state.protectedCall(L, arguments: 0, results: 0)
        }
    }

    /// The guards (`Sources/LuaGrad/Lua/limits.lua`).
    static let hookGuards = LuaLibrary.Chunk(file: "luagrad/limits.lua", source: PackageResources.limits_lua)

    // MARK: - Protected metatables

    /// Gives every metatable of the torch module that lacks one a `__metatable` field, so that
    /// scripts can neither read nor replace the metatables of bridged values (Tensor and
    /// grad_fn already have theirs): `getmetatable` returns the type name, `setmetatable` fails.
    func protectBridgedMetatables() throws {
        try withStack { L in
            guard BridgeContext.exists(L) else { return }
            let context = BridgeContext.get(L)
            var metatables: [(ref: Int32, isObject: Bool, name: String)] = [
                (context.sizeMetatableRef, false, "torch.Size"),
                (context.guardMetatableRef, false, "torch.grad_mode"),
            ]
            for ref in context.dtypeRefs { metatables.append((ref, true, "torch.dtype")) }
            for (ref, isObject, name) in metatables where ref != LUA_NOREF && ref != LUA_REFNIL {
                lua_rawgeti(L, lg_registryindex(), lua_Integer(ref))
                if isObject {
                    // A dtype is an object whose metatable we want.
                    guard lua_getmetatable(L, -1) != 0 else {
                        lg_pop(L, 1)
                        continue
                    }
                    lg_remove(L, -2)
                }
                if lua_type(L, -1) == LUA_TTABLE {
                    state.pushString("__metatable", on: L)
                    if lua_rawget(L, -2) == LUA_TNIL {
                        lg_pop(L, 1)
                        state.pushString("__metatable", on: L)
                        state.pushString(name, on: L)
                        lua_rawset(L, -3)
                    } else {
                        lg_pop(L, 1)
                    }
                }
                lg_pop(L, 1)
            }
        }
    }
}
