import Autograd
import CLua
import CLuaShim

/// `torch.Size`: a Lua sequence of sizes that prints as PyTorch prints it.
enum SizeObject {
    /// Pushes `shape` as a `torch.Size` table.
    static func push(_ s: LuaStack, _ shape: [Int]) {
        lua_createtable(s.L, Int32(clamping: shape.count), 0)
        for (k, v) in shape.enumerated() {
            s.push(v)
            lua_rawseti(s.L, -2, lua_Integer(k + 1))
        }
        lua_rawgeti(s.L, lg_registryindex(), lua_Integer(BridgeContext.get(s.L).sizeMetatableRef))
        lua_setmetatable(s.L, -2)
    }

    /// The sizes in the table at `i` (no metamethods; nothing when it is not a table).
    static func read(_ s: LuaStack, _ i: Int32) -> [Int] {
        guard s.type(i) == LUA_TTABLE else { return [] }
        return (0..<s.rawLength(i)).map { k in
            s.rawGet(i, k + 1)
            defer { s.pop() }
            return Int(clamping: s.integer(-1) ?? 0)
        }
    }

    static let toString: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(TensorFormatter.sizeString(read(s, 1)))
            return 1
        }
    }

    static let equal: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(s.type(1) == LUA_TTABLE && s.type(2) == LUA_TTABLE && read(s, 1) == read(s, 2))
            return 1
        }
    }

    /// `x.shape:numel()`.
    static let numel: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard s.type(1) == LUA_TTABLE else { throw LuaError.badArgument(1, "numel", expected: "torch.Size", got: s.typeName(1)) }
            // A script can write any numbers into a Size table: multiply without trapping.
            guard let n = Shapes.numel(read(s, 1)) else { throw LuaError("numel(): the sizes overflow") }
            s.push(n)
            return 1
        }
    }
}

/// `x.grad_fn`: a graph node seen from Lua, with `.name` and `.next_functions`.
enum NodeObject {
    static func push(_ L: OpaquePointer, _ node: Node) {
        ObjectUserdata.push(L, node)
        lua_rawgeti(L, lg_registryindex(), lua_Integer(BridgeContext.get(L).nodeMetatableRef))
        lua_setmetatable(L, -2)
    }

    private static func node(_ s: LuaStack, _ i: Int32) -> Node? {
        guard lua_type(s.L, i) == LUA_TUSERDATA, let raw = lua_touserdata(s.L, i),
              lua_getmetatable(s.L, i) != 0 else { return nil }
        let ok = lua_topointer(s.L, -1) == BridgeContext.get(s.L).nodeMetatable
        s.pop()
        return ok ? ObjectUserdata.object(raw, as: Node.self) : nil
    }

    static let index: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let node = node(s, 1) else { throw LuaError("not a grad_fn") }
            switch s.string(2) ?? "" {
            case "name": s.push(node.qualifiedName)
            case "next_functions":
                let edges = node.edges
                lua_createtable(s.L, Int32(edges.count), 0)
                for (k, edge) in edges.enumerated() {
                    lua_createtable(s.L, 2, 0)
                    if let next = edge.node { push(s.L, next) } else { s.pushNil() }
                    lua_rawseti(s.L, -2, 1)
                    s.push(edge.inputNr)
                    lua_rawseti(s.L, -2, 2)
                    lua_rawseti(s.L, -2, lua_Integer(k + 1))
                }
            default: s.pushNil()
            }
            return 1
        }
    }

    static let toString: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let node = node(s, 1) else { s.push("<freed grad_fn>"); return 1 }
            s.push(ObjectUserdata.pythonDescription(of: node, named: node.name))
            return 1
        }
    }

    static let equal: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(node(s, 1).map { a in node(s, 2).map { a === $0 } ?? false } ?? false)
            return 1
        }
    }

    static let release: lg_SwiftFunction = { L in
        if let node = ObjectUserdata.take(L, as: Node.self) { Node.releaseLast(node) }
        return 0
    }
}
