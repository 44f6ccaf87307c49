import Autograd
import CLua
import CLuaShim

// MARK: - The sandbox

extension ScriptHost {
    /// Trims the standard library to the sandbox's allow-list (docs/security.md), in place, so
    /// that every path to a library (`_G`, `package.loaded`, the string metatable) sees the
    /// trimmed tables.
    func installSandbox() throws {
        try withStack { L in
            try loadString(Self.sandboxSource, chunkName: "=luagrad.sandbox", on: L)
            lua_pushboolean(L, options.grantedDirectory == nil ? 0 : 1)
            _ = try state.protectedCall(L, arguments: 1, results: 0)
        }
    }

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

    /// The allow-list, applied by trusted code before any script runs.
    static let sandboxSource = #"""
        local grantsDirectory = ...
        local G = _G
        local pairs, type, error, tostring, select = pairs, type, error, tostring, select

        -- Keeps the listed fields of a table and removes the rest.
        local function keep(t, names)
          local allowed = {}
          for _, name in pairs(names) do allowed[name] = true end
          local remove = {}
          for key in pairs(t) do
            if not allowed[key] then remove[#remove + 1] = key end
          end
          for _, key in pairs(remove) do t[key] = nil end
        end

        -- Globals. Libraries not listed (io, debug) disappear with their functions.
        keep(G, {
          "_G", "_VERSION", "assert", "collectgarbage", "error", "getmetatable", "ipairs", "load",
          "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "require",
          "select", "setmetatable", "tonumber", "tostring", "type", "xpcall",
          "coroutine", "math", "os", "package", "string", "table", "utf8", "torch",
        })
        keep(G.os, { "clock", "date", "time" })
        -- string.dump makes binary chunks, which the sandbox never loads.
        G.string.dump = nil

        -- require: only modules already loaded or given to package.preload by the host; no
        -- file searchers, no C loaders.
        local package = G.package
        keep(package, { "config", "loaded", "preload", "searchers" })
        local preload = package.searchers[1]
        keep(package.searchers, {})
        package.searchers[1] = preload
        package.path, package.cpath = "", ""
        keep(package.loaded, {
          "_G", "coroutine", "math", "os", "package", "string", "table", "utf8", "luagrad", "torch",
        })

        -- torch functions that reach the file system or start programs: torch.io.read_csv
        -- reads files, torch.viz.svg writes one and runs Graphviz. (torch.viz.dot stays: it
        -- returns text.) The file functions that check paths against the host's granted
        -- directory stay when there is one.
        local torch = package.loaded.torch
        if type(torch) == "table" then
          if grantsDirectory then
            if type(torch.io) == "table" then keep(torch.io, { "save_npy", "load_npy" }) end
          else
            torch.io, torch.save, torch.load = nil, nil, nil
          end
          if type(torch.viz) == "table" then torch.viz.svg = nil end
        end

        -- load: text chunks only (a crafted binary chunk can crash the VM).
        do
          local load = load
          G.load = function(chunk, name, mode, ...)
            local f, message
            if select("#", ...) > 0 then
              f, message = load(chunk, name, "t", (...))
            else
              f, message = load(chunk, name, "t")
            end
            return f, message
          end
        end

        -- collectgarbage: no stopping the collector or changing its mode.
        do
          local collectgarbage, pack, unpack = collectgarbage, table.pack, table.unpack
          local allowed = { collect = true, count = true, step = true, isrunning = true }
          G.collectgarbage = function(option, ...)
            if option ~= nil and not allowed[option] then
              error("collectgarbage('" .. tostring(option) .. "') is not allowed in the sandbox", 2)
            end
            local results = pack(collectgarbage(option, ...))
            return unpack(results, 1, results.n)
          end
        end
        """#

    // MARK: - Keeping the hook

    /// Closes the two ways Lua code could run where the count hook cannot stop it: a finalizer
    /// (`__gc` runs with hooks off) and `debug.sethook` (which would replace the host's hook).
    /// Installed in the sandbox, and whenever an instruction or time limit is set.
    func installHookGuards() throws {
        try withStack { L in
            try loadString(Self.hookGuardSource, chunkName: "=luagrad.limits", on: L)
            _ = try state.protectedCall(L, arguments: 0, results: 0)
        }
    }

    static let hookGuardSource = #"""
        local setmetatable, rawget, type, error = setmetatable, rawget, type, error
        _G.setmetatable = function(t, mt)
          if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
            error("__gc metamethods are not allowed under the host's limits (a finalizer cannot be interrupted)", 2)
          end
          local object = setmetatable(t, mt)
          return object
        end
        if type(debug) == "table" then
          debug.sethook = function()
            error("debug.sethook is not available: the host's limits use the hook", 2)
          end
        end
        """#

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
