import Autograd
import CLua
import CLuaShim

/// Tensor methods that are not ops: reading values, sizes, and driving autograd.
enum TensorMethods {
    /// Name and function of each method.
    static let all: [(String, lg_SwiftFunction)] = [
        ("item", item), ("tolist", tolist), ("numel", numel), ("nelement", numel), ("dim", dim),
        ("ndimension", dim), ("size", size), ("stride", stride), ("is_contiguous", isContiguous),
        ("requires_grad_", requiresGrad), ("backward", backward), ("detach", detach),
        ("detach_", detachInPlace), ("retain_grad", retainGrad), ("free", free),
        ("float", converter(.float32)), ("double", converter(.float64)), ("long", converter(.int64)),
        ("int", converter(.int64)), ("bool", converter(.bool)), ("is_floating_point", isFloatingPoint),
        ("element_size", elementSize), ("register_hook", registerHook),
    ]

    /// `t:register_hook(fn)`: fn(grad) may return a replacement gradient. Returns a handle
    /// whose `:remove()` unregisters it.
    static let registerHook: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "register_hook")
            guard s.type(2) == LUA_TFUNCTION else {
                throw LuaError.badArgument(2, "register_hook", expected: "function", got: s.typeName(2))
            }
            let callback = LuaCallback(s.L, 2)
            let hook = try t.registerHook(GradHook { grad in
                let results = try callback.call([grad])
                guard let first = results.first else { return nil }
                switch first {
                case .tensor(let replacement): return replacement
                case .none: return nil
                case .other(let type): throw LuaError("hook returned a \(type), expected a Tensor or nil")
                }
            })
            // The handle: a table whose remove() drops the hook from the tensor.
            lg_newtable(s.L)
            lua_pushvalue(s.L, 1)
            s.push(Int64(hook.id))
            s.push(function: { L in
                luaEntry(L) { s in
                    if let t = s.tensor(lg_upvalueindex(2)) {
                        t.removeHook(id: Int(lua_tointegerx(s.L, lg_upvalueindex(3), nil)))
                    }
                    return 0
                }
            }, upvalues: 2)
            s.setField(-2, "remove")
            return 1
        }
    }

    static let item: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "item").item())
            return 1
        }
    }

    static let tolist: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            try TensorData(stack: s, function: "tolist").pushList(s.checkTensor(1, "tolist"))
            return 1
        }
    }

    static let numel: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "numel").numel)
            return 1
        }
    }

    static let dim: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "dim").ndim)
            return 1
        }
    }

    /// `x:size()` is the shape; `x:size(d)` one size (d 1-based, negative from the end).
    static let size: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "size")
            if s.isNoneOrNil(2) { SizeObject.push(s, t.shape); return 1 }
            s.push(t.shape[try userDim(s, 2, t, "size")])
            return 1
        }
    }

    static let stride: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "stride")
            if s.isNoneOrNil(2) {
                lua_createtable(s.L, Int32(t.ndim), 0)
                for (k, v) in t.strides.enumerated() { s.push(v); lua_rawseti(s.L, -2, lua_Integer(k + 1)) }
                return 1
            }
            s.push(t.strides[try userDim(s, 2, t, "stride")])
            return 1
        }
    }

    /// A 1-based dim argument as an index into `shape`.
    private static func userDim(_ s: LuaStack, _ i: Int32, _ t: Tensor, _ name: String) throws -> Int {
        guard let d = s.integer(i), d != 0 else {
            throw LuaError("bad argument #\(i) to '\(name)' (dim must be a non-zero integer)")
        }
        let zero = Int(clamping: d > 0 ? d - 1 : d)
        guard t.ndim > 0 else { throw LuaError("\(name)(): dimension specified as \(d) but tensor has no dimensions") }
        return try Shapes.wrapDim(zero, t.ndim)
    }

    static let isContiguous: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "is_contiguous").isContiguous)
            return 1
        }
    }

    static let isFloatingPoint: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "is_floating_point").dtype.isFloatingPoint)
            return 1
        }
    }

    static let elementSize: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "element_size").dtype.itemSize)
            return 1
        }
    }

    /// `x:requires_grad_(flag)` (flag defaults to true) returns x.
    static let requiresGrad: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "requires_grad_")
            let flag = s.isNoneOrNil(2) ? true : s.boolean(2)
            try t.setRequiresGrad(flag)
            lua_pushvalue(s.L, 1)
            return 1
        }
    }

    /// `y:backward()`, `y:backward(gradient)`, `y:backward{gradient=, retain_graph=,
    /// create_graph=, inputs=}`, or `y:backward(gradient, {retain_graph=true})`.
    static let backward: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let t = try s.checkTensor(1, "backward")
            var options = BackwardOptions()
            var next: Int32 = 2
            if let g = s.tensor(2) { options.gradient = g; next = 3 }
            else if s.isNoneOrNil(2), s.top >= 3 { next = 3 }
            if s.type(next) == LUA_TTABLE { try options.read(s, next, function: "backward") }
            else if s.type(next) == LUA_TBOOLEAN { options.retainGraph = s.boolean(next) }
            try BridgeContext.get(s.L).withActiveState(s.L) {
                try t.backward(gradient: options.gradient, retainGraph: options.retainGraph,
                               createGraph: options.createGraph, inputs: options.inputs)
            }
            return 0
        }
    }

    static let detach: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(try s.checkTensor(1, "detach").detach())
            return 1
        }
    }

    static let detachInPlace: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            try s.checkTensor(1, "detach_").detachInPlace()
            lua_pushvalue(s.L, 1)
            return 1
        }
    }

    static let retainGrad: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            try s.checkTensor(1, "retain_grad").retainGrad()
            return 0
        }
    }

    /// `x:free()` releases the tensor's memory now; `x` becomes unusable.
    static let free: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard TensorUserdata.slot(s.L, 1) != nil else { throw LuaError.badArgument(1, "free", expected: "Tensor", got: s.typeName(1)) }
            TensorUserdata.release(s.L, 1)
            return 0
        }
    }

    /// `x:float()`, `x:double()`, ...: `x:to(dtype)`.
    static func converter(_ dtype: DType) -> lg_SwiftFunction {
        switch dtype {
        case .float32: return { L in luaEntry(L) { s in s.push(try s.checkTensor(1, "float").to(.float32)); return 1 } }
        case .float64: return { L in luaEntry(L) { s in s.push(try s.checkTensor(1, "double").to(.float64)); return 1 } }
        case .int64: return { L in luaEntry(L) { s in s.push(try s.checkTensor(1, "long").to(.int64)); return 1 } }
        case .bool: return { L in luaEntry(L) { s in s.push(try s.checkTensor(1, "bool").to(.bool)); return 1 } }
        }
    }
}

/// The options of `backward` and `torch.autograd.grad`, read from a keyword table.
struct BackwardOptions {
    var gradient: Tensor?
    var gradOutputs: [Tensor?]?
    var retainGraph: Bool?
    var createGraph = false
    var inputs: [Tensor]?
    var allowUnused = false
    var materializeGrads = false

    mutating func read(_ s: LuaStack, _ i: Int32, function: String) throws {
        let t = s.absolute(i)
        s.pushNil()
        while lua_next(s.L, t) != 0 {
            defer { s.pop() }
            guard let key = s.string(-2) else { continue }
            switch key {
            case "gradient":
                gradient = s.isNoneOrNil(-1) ? nil : try s.checkTensor(s.absolute(-1), function)
            case "grad_outputs", "grad_tensors":
                gradOutputs = try tensorList(s, s.absolute(-1), function, allowNil: true)
            case "retain_graph": retainGraph = s.isNoneOrNil(-1) ? nil : s.boolean(-1)
            case "create_graph": createGraph = s.boolean(-1)
            case "inputs": inputs = try tensorList(s, s.absolute(-1), function, allowNil: false).compactMap { $0 }
            case "allow_unused": allowUnused = s.boolean(-1)
            case "materialize_grads": materializeGrads = s.boolean(-1)
            default: throw LuaError("\(function)() got an unexpected keyword argument '\(key)'")
            }
        }
    }
}

/// A tensor or a table of tensors at `i`, as a list.
func tensorList(_ s: LuaStack, _ i: Int32, _ function: String, allowNil: Bool) throws -> [Tensor?] {
    if let t = s.tensor(i) { return [t] }
    guard s.type(i) == LUA_TTABLE else {
        throw LuaError("\(function)(): expected a Tensor or a table of Tensors, got \(s.typeName(i))")
    }
    let n = s.rawLength(i)
    var out: [Tensor?] = []
    for k in 0..<n {
        s.rawGet(i, k + 1)
        defer { s.pop() }
        if allowNil && s.isNoneOrNil(-1) { out.append(nil); continue }
        out.append(try s.checkTensor(s.absolute(-1), function))
    }
    return out
}
