import Autograd
import CLua
import CLuaShim

/// `torch.save`, `torch.load`, `torch.io.save_npy` and `torch.io.load_npy`: tensors and state
/// dicts in files PyTorch and NumPy read (docs/files.md); and `torch.io.write_text`.
///
/// ```lua
/// torch.save(model:state_dict(), "model.safetensors")   -- load_file() in Python reads it
/// local sd = torch.load("model.safetensors")            -- name -> tensor, in file order
/// torch.save({step = 10, lr = 0.1, m = torch.zeros(3)}, "opt.safetensors")
/// torch.io.save_npy(x, "x.npy"); local y = torch.io.load_npy("x.npy")
/// ```
///
/// The formats live in `Autograd` (`Safetensors`, `NPY`); this file turns Lua values into
/// their contents and back (see `SavedStructure`) and applies the host's `FileAccess`.
enum FileFunctions {
    /// Adds the functions to the module table at `module` (and to its `torch.io`).
    static func install(_ s: LuaStack, module: Int32) {
        let L = s.L
        let module = s.absolute(module)
        guard lua_checkstack(L, 4) != 0 else { return }
        s.push(function: save)
        s.setField(module, "save")
        s.push(function: load)
        s.setField(module, "load")
        s.setFunctions(["save_npy": saveNPY, "load_npy": loadNPY, "write_text": writeText], in: "io", of: module)
    }

    /// The metadata key under which `torch.save` records what is not a plain state dict.
    static let structureKey = "luagrad.structure"

    // MARK: - safetensors

    /// `torch.save(obj, path [, {metadata = {key = "value"}}])`: writes a tensor or a table
    /// in the safetensors format; returns nothing.
    static let save: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard s.tensor(1) != nil || s.type(1) == LUA_TTABLE else {
                throw LuaError.badArgument(1, "save", expected: "Tensor or table", got: s.typeName(1))
            }
            let path = try checkPath(s, 2, "save")
            var metadata = try userMetadata(s, 3)
            var walk = SavedStructure.Walk(s)
            let structure = try walk.value(at: 1, path: [], depth: 0)
            if !walk.isPlainStateDict { metadata.append((structureKey, structure.text)) }
            if !metadata.isEmpty, !metadata.contains(where: { $0.key == "format" }) {
                // What safetensors.torch.save_file writes; Hugging Face loaders look for it.
                metadata.insert(("format", "pt"), at: 0)
            }
            try Safetensors.write(Safetensors.Contents(tensors: walk.tensors, metadata: metadata), to: path)
            return 0
        }
    }

    /// `torch.load(path)`: what `torch.save` wrote (the same structure), or for any other
    /// safetensors file a table name -> tensor whose `pairs` follow the file's order. The
    /// second result is the file's metadata (string -> string) apart from LuaGrad's own key.
    static let load: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let path = try checkPath(s, 1, "load")
            let access = BridgeContext.get(s.L).fileAccess
            let contents = try Safetensors.read(path: path, followLinks: access.followsLinks)
            guard lua_checkstack(s.L, 8) != 0 else { throw LuaError("load: stack overflow") }
            if let structure = contents.metadata.first(where: { $0.key == structureKey })?.value {
                try SavedStructure.push(structure, tensors: contents.tensors, s)
            } else {
                try pushOrdered(contents.tensors, s)
            }
            lua_createtable(s.L, 0, Int32(clamping: contents.metadata.count))
            for (key, value) in contents.metadata where key != structureKey {
                s.push(value)
                s.setField(-2, key)
            }
            return 2
        }
    }

    /// The `metadata` option at `i`: string keys to string values.
    private static func userMetadata(_ s: LuaStack, _ i: Int32) throws -> [(key: String, value: String)] {
        if s.isNoneOrNil(i) { return [] }
        guard s.type(i) == LUA_TTABLE else {
            throw LuaError.badArgument(i, "save", expected: "table of options", got: s.typeName(i))
        }
        lua_getfield_raw(s.L, i, "metadata")
        defer { s.pop() }
        if s.isNoneOrNil(-1) { return [] }
        guard s.type(-1) == LUA_TTABLE else { throw LuaError("save(): metadata must be a table of strings") }
        var entries: [(key: String, value: String)] = []
        let table = s.absolute(-1)
        s.pushNil()
        while lua_next(s.L, table) != 0 {
            guard s.type(-2) == LUA_TSTRING, s.type(-1) == LUA_TSTRING, let key = s.string(-2), let value = s.string(-1) else {
                throw LuaError("save(): metadata must map strings to strings")
            }
            if key == structureKey { throw LuaError("save(): the metadata key '\(structureKey)' is LuaGrad's own") }
            entries.append((key, value))
            s.pop()
        }
        return entries.sorted { $0.key < $1.key }
    }

    // MARK: - The ordered table of a plain file

    /// Pushes a table name -> tensor whose `__pairs` visits the names in `tensors`' order.
    private static func pushOrdered(_ tensors: [(name: String, tensor: Tensor)], _ s: LuaStack) throws {
        let L = s.L
        lua_createtable(L, 0, Int32(clamping: tensors.count))
        let result = s.top
        lua_createtable(L, Int32(clamping: tensors.count), 0)
        let names = s.top
        lua_createtable(L, 0, Int32(clamping: tensors.count))
        let positions = s.top
        for (k, (name, tensor)) in tensors.enumerated() {
            s.push(tensor)
            s.setField(result, name)
            s.push(name)
            lua_rawseti(L, names, lua_Integer(k + 1))
            s.push(k + 1)
            s.setField(positions, name)
        }
        lg_newtable(L)
        lua_pushvalue(L, names)
        lua_pushvalue(L, positions)
        s.push(function: orderedPairs, upvalues: 2)
        s.setField(-2, "__pairs")
        lua_setmetatable(L, result)
        lua_settop(L, result)
    }

    /// `__pairs(t)` of a loaded state dict: the iterator over the names in file order.
    /// Upvalues: 2 = the names in order, 3 = name -> position.
    private static let orderedPairs: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard lua_checkstack(s.L, 4) != 0 else { throw LuaError("pairs: stack overflow") }
            lua_pushvalue(s.L, lg_upvalueindex(2))
            lua_pushvalue(s.L, lg_upvalueindex(3))
            s.push(function: orderedNext, upvalues: 2)
            lua_pushvalue(s.L, 1)
            s.pushNil()
            return 3
        }
    }

    /// The iterator: `(t, name)` -> the next name and its value (skipping removed names).
    private static let orderedNext: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard lua_checkstack(s.L, 4) != 0 else { throw LuaError("pairs: stack overflow") }
            var position = 0
            if !s.isNoneOrNil(2) {
                lua_pushvalue(s.L, 2)
                _ = lua_rawget(s.L, lg_upvalueindex(3))
                position = Int(s.integer(-1) ?? 0)
                s.pop()
            }
            let count = Int(lua_rawlen(s.L, lg_upvalueindex(2)))
            while position < count {
                position += 1
                lua_rawgeti(s.L, lg_upvalueindex(2), lua_Integer(position))
                lua_pushvalue(s.L, -1)
                if lua_rawget(s.L, 1) != LUA_TNIL { return 2 }
                s.pop(2)
            }
            s.pushNil()
            return 1
        }
    }

    // MARK: - .npy

    /// `torch.io.save_npy(t, path)`: writes `t`'s values as a NumPy array; returns nothing.
    static let saveNPY: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let tensor = try s.checkTensor(1, "save_npy")
            let path = try checkPath(s, 2, "save_npy")
            try NPY.write(tensor, to: path)
            return 0
        }
    }

    /// `torch.io.load_npy(path)`: the array in a `.npy` file as a contiguous tensor.
    static let loadNPY: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let path = try checkPath(s, 1, "load_npy")
            let access = BridgeContext.get(s.L).fileAccess
            s.push(try NPY.read(path: path, followLinks: access.followsLinks))
            return 1
        }
    }

    // MARK: - Text

    /// `torch.io.write_text(path, text)`: replaces the file with the string's bytes, atomically;
    /// returns nothing. The one way a sandboxed script writes a text file (Lua's `io` is gone
    /// there): `luagrad.plot`'s `fig:save` uses it.
    static let writeText: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let path = try checkPath(s, 1, "write_text")
            guard s.type(2) == LUA_TSTRING else {
                throw LuaError.badArgument(2, "write_text", expected: "string", got: s.typeName(2))
            }
            var length = 0
            guard let bytes = lua_tolstring(s.L, 2, &length) else { return 0 }
            try AtomicFile.write(to: path) { try $0.write(UnsafeRawBufferPointer(start: bytes, count: length)) }
            return 0
        }
    }

    // MARK: - Paths

    /// The path argument at `i`, resolved under the host's `FileAccess`.
    private static func checkPath(_ s: LuaStack, _ i: Int32, _ function: String) throws -> String {
        guard s.type(i) == LUA_TSTRING, let path = s.string(i), !path.isEmpty else {
            throw LuaError.badArgument(i, function, expected: "file name", got: s.typeName(i))
        }
        return try BridgeContext.get(s.L).fileAccess.resolve(path, function)
    }
}
