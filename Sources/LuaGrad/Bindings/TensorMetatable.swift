#if canImport(Glibc)
import Glibc
#endif
import Autograd
import CLua
import CLuaShim

/// The tensor metatable: fields (`x.grad`), indexing, comparison and the methods that are not
/// ops (`item`, `backward`, `size`, ...). Op methods come from the op table (`OpBindings`).
enum TensorMetatable {
    // MARK: - Fields and indexing

    /// `__index` after the methods table: fields, then positions.
    static let index: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "__index")
            // `.grad` reaches here only for a gradient that has no userdata yet (the C indexer
            // answers the other reads): recognised by the identity of the interned string, no
            // Swift string made, no names compared.
            if lua_topointer(s.L, 2) == BridgeContext.withContext(s.L, { $0.gradKey }) {
                if let g = t.grad { TensorUserdata.pushReused(s.L, g) } else { s.pushNil() }
                return 1
            }
            if s.type(2) == LUA_TSTRING {
                return try field(t, s.string(2) ?? "", s)
            }
            s.push(try Indexing.view(t, key: 2, s))
            return 1
        }
    }

    private static func field(_ t: Tensor, _ name: String, _ s: LuaStack) throws -> Int32 {
        switch name {
        case "grad":
            if let g = t.grad { TensorUserdata.pushReused(s.L, g) } else { s.pushNil() }
        case "requires_grad": s.push(t.requiresGrad)
        case "is_leaf": s.push(t.isLeaf)
        case "retains_grad": s.push(t.retainsGrad)
        case "grad_fn":
            if let node = t.gradFn { NodeObject.push(s.L, node) } else { s.pushNil() }
        case "shape": SizeObject.push(s, t.shape)
        case "dtype": BridgeContext.get(s.L).push(s.L, t.dtype)
        case "ndim": s.push(t.ndim)
        case "data": s.push(t.detach())
        case "T": s.push(try t.permuteReversed())
        case "device": s.push("cpu")
        case "_version": s.push(t.storage.version)
        case "is_cuda": s.push(false)
        case "_is_parameter": s.push(t.isParameter)
        default: s.pushNil()
        }
        return 1
    }

    /// `__newindex`: `x.grad = g`, `x.requires_grad = true`, `x[{1, 2}] = 17`.
    static let newIndex: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "__newindex")
            guard s.type(2) == LUA_TSTRING else {
                try Indexing.assign(t, key: 2, value: 3, s)
                return 0
            }
            switch s.string(2) ?? "" {
            case "grad":
                if s.isNoneOrNil(3) { try t.setGrad(nil) }
                else { try t.setGrad(s.checkTensor(3, "grad")) }
            case "requires_grad":
                guard s.type(3) == LUA_TBOOLEAN else { throw LuaError("requires_grad must be a boolean") }
                try t.setRequiresGrad(s.boolean(3))
            case "_is_parameter":
                // Set by torch.nn.Parameter (nn_module.lua) on the fresh leaf it makes.
                guard s.type(3) == LUA_TBOOLEAN else { throw LuaError("_is_parameter must be a boolean") }
                t.isParameter = s.boolean(3)
            case let other:
                throw LuaError("cannot set field '\(other)' of a Tensor")
            }
            return 0
        }
    }

    // MARK: - Metamethods

    static let toString: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let slot = TensorUserdata.slot(s.L, 1) else { throw LuaError("__tostring: not a Tensor") }
            guard let p = slot.pointee else { s.push("tensor(<freed>)"); return 1 }
            s.push(Unmanaged<Tensor>.fromOpaque(p).takeUnretainedValue().description)
            return 1
        }
    }

    static let length: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "__len")
            guard let first = t.shape.first else { throw LuaError("len() of a 0-d tensor") }
            s.push(first)
            return 1
        }
    }

    /// `a == b` is `torch.equal(a, b)` (Lua only asks when both are tensors).
    static let equal: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let a = s.tensor(1), let b = s.tensor(2) else { s.push(false); return 1 }
            s.push(a.shape == b.shape ? try a.equal(b) : false)
            return 1
        }
    }

    static let lessThan: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let (a, b) = try comparable(s, "__lt")
            s.push(a < b)
            return 1
        }
    }

    static let lessEqual: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let (a, b) = try comparable(s, "__le")
            s.push(a <= b)
            return 1
        }
    }

    /// Both operands of `<`/`<=` as numbers: single-element tensors or numbers.
    private static func comparable(_ s: LuaStack, _ name: String) throws -> (Double, Double) {
        func value(_ i: Int32) throws -> Double {
            if let t = s.tensor(i) {
                guard t.numel == 1 else {
                    throw LuaError("Boolean value of Tensor with more than one value is ambiguous")
                }
                return t.element(0)
            }
            if let n = s.number(i) { return n }
            throw LuaError("attempt to compare a Tensor with a \(s.typeName(i)) value")
        }
        return (try value(1), try value(2))
    }

    /// `"x = " .. t` concatenates the printed tensor.
    static let concat: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            func text(_ i: Int32) throws -> String {
                if let t = s.tensor(i) { return t.description }
                if let str = s.string(i) { return str }
                if let n = s.integer(i), lg_isinteger(s.L, i) != 0 { return String(n) }
                if s.number(i) != nil { return luaNumberText(s, i) }
                throw LuaError("attempt to concatenate a \(s.typeName(i)) value")
            }
            s.push(try text(1) + text(2))
            return 1
        }
    }

    /// Lua's own text for the number at `i` (`%.14g`).
    private static func luaNumberText(_ s: LuaStack, _ i: Int32) -> String {
        guard let d = s.number(i) else { return "" }
        if d.isNaN { return d.sign == .minus ? "-nan" : "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var text = String(format14g: d)
        if !text.contains(where: { ".eninf".contains($0) }) { text += ".0" }
        return text
    }
}

extension String {
    /// `%.14g`, as Lua formats floats.
    init(format14g value: Double) {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, 64, "%.14g", $0) }
        // The pointer form: `String(cString:)` of an array is deprecated.
        self = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

extension Tensor {
    /// All dims reversed (`x.T`).
    func permuteReversed() throws -> Tensor {
        ndim < 2 ? self : try t()
    }
}
