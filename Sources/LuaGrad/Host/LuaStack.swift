import Autograd
import CLua
import CLuaShim

// Conversions between `LuaValue` and the Lua stack.
//
// Reading uses only non-raising calls (`lua_type`, `lua_to*`, `lua_rawgeti`, `lua_next`).
// Pushing allocates, so it can only fail on a memory error; everything else that Lua would
// raise for (NaN keys, foreign references) is checked first and thrown as a Swift error.

extension HostState {
    // MARK: - Lua to Swift

    /// The value at `index` of `L`'s stack.
    func read(_ index: Int32, on L: OpaquePointer) -> LuaValue {
        var visiting: Set<UnsafeRawPointer> = []
        return read(lua_absindex(L, index), on: L, depth: 0, visiting: &visiting)
    }

    private func read(
        _ index: Int32, on L: OpaquePointer, depth: Int, visiting: inout Set<UnsafeRawPointer>
    ) -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE:
            return .nil
        case LUA_TBOOLEAN:
            return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lg_isinteger(L, index) != 0 { return .integer(Int64(lua_tointegerx(L, index, nil))) }
            return .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            return .string(string(at: index, on: L))
        case LUA_TTABLE:
            if let table = copyTable(index, on: L, depth: depth, visiting: &visiting) { return .table(table) }
            return .reference(reference(to: index, on: L))
        case LUA_TFUNCTION:
            return .function(reference(to: index, on: L))
        case LUA_TUSERDATA where BridgeContext.exists(L) && TensorUserdata.slot(L, index) != nil:
            if let tensor = LuaStack(L: L).tensor(index) { return .tensor(tensor) }
            return .reference(reference(to: index, on: L))
        default:
            return .reference(reference(to: index, on: L))
        }
    }

    /// A copy of the plain table at `index`, or nil when it must travel by reference: it has
    /// a metatable (an object with behaviour), contains itself, is nested too deeply, or has a
    /// key that is not a string, number or boolean.
    private func copyTable(
        _ index: Int32, on L: OpaquePointer, depth: Int, visiting: inout Set<UnsafeRawPointer>
    ) -> LuaTable? {
        guard let identity = lua_topointer(L, index), depth < LuaTable.maximumDepth,
            !visiting.contains(identity), lua_checkstack(L, 4) != 0
        else { return nil }
        if lua_getmetatable(L, index) != 0 {
            lg_pop(L, 1)
            return nil
        }
        visiting.insert(identity)
        defer { visiting.remove(identity) }

        var table = LuaTable()
        // The array part: t[1], t[2], ... up to the first nil (`#t` is unreliable with holes).
        var position: lua_Integer = 1
        while lua_rawgeti(L, index, position) != LUA_TNIL {
            table.array.append(read(lua_gettop(L), on: L, depth: depth + 1, visiting: &visiting))
            lg_pop(L, 1)
            position += 1
        }
        lg_pop(L, 1)

        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            let key: LuaKey
            switch lua_type(L, -2) {
            case LUA_TSTRING:
                key = .string(string(at: -2, on: L))
            case LUA_TNUMBER:
                if lg_isinteger(L, -2) != 0 {
                    let i = Int64(lua_tointegerx(L, -2, nil))
                    if i >= 1 && i < Int64(position) {
                        lg_pop(L, 1)
                        continue
                    }
                    key = .integer(i)
                } else {
                    key = .number(lua_tonumberx(L, -2, nil))
                }
            case LUA_TBOOLEAN:
                key = .boolean(lua_toboolean(L, -2) != 0)
            default:
                lg_pop(L, 2)
                return nil
            }
            table.fields[key] = read(lua_gettop(L), on: L, depth: depth + 1, visiting: &visiting)
            lg_pop(L, 1)
        }
        return table
    }

    /// Anchors the value at `index` in the registry.
    private func reference(to index: Int32, on L: OpaquePointer) -> LuaReference {
        let typeName = typeName(at: index, on: L)
        lua_pushvalue(L, index)
        let slot = luaL_ref(L, lg_registryindex())
        return LuaReference(state: self, slot: slot, typeName: typeName)
    }

    // MARK: - Swift to Lua

    /// Pushes `value` onto `L`'s stack (nothing is pushed when it throws).
    func push(_ value: LuaValue, on L: OpaquePointer) throws {
        try push(value, on: L, depth: 0)
    }

    private func push(_ value: LuaValue, on L: OpaquePointer, depth: Int) throws {
        guard lua_checkstack(L, 3) != 0 else { throw ScriptError.host("Lua stack overflow") }
        switch value {
        case .nil: lua_pushnil(L)
        case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(L, lua_Integer(i))
        case .number(let x): lua_pushnumber(L, x)
        case .string(let s): pushString(s, on: L)
        case .table(let table): try push(table, on: L, depth: depth)
        case .function(let reference), .reference(let reference):
            guard reference.state === self else {
                throw ScriptError.host("a \(reference.typeName) from another ScriptHost cannot be used here")
            }
            lua_rawgeti(L, lg_registryindex(), lua_Integer(reference.slot))
        case .tensor(let tensor):
            guard BridgeContext.exists(L) else {
                throw ScriptError.host("tensors need the torch module, which this host did not open")
            }
            TensorUserdata.push(L, tensor)
        }
    }

    private func push(_ table: LuaTable, on L: OpaquePointer, depth: Int) throws {
        guard depth < LuaTable.maximumDepth else {
            throw ScriptError.host("table nested more than \(LuaTable.maximumDepth) levels deep")
        }
        lua_createtable(L, Int32(clamping: table.array.count), Int32(clamping: table.fields.count))
        let tableIndex = lua_gettop(L)
        do {
            for (offset, element) in table.array.enumerated() {
                try push(element, on: L, depth: depth + 1)
                lua_rawseti(L, tableIndex, lua_Integer(offset + 1))
            }
            for (key, element) in table.fields {
                if case .number(let x) = key, x.isNaN { throw ScriptError.host("table index is NaN") }
                try push(key.value, on: L, depth: depth + 1)
                try push(element, on: L, depth: depth + 1)
                lua_rawset(L, tableIndex)
            }
        } catch {
            lua_settop(L, tableIndex - 1)
            throw error
        }
    }
}
