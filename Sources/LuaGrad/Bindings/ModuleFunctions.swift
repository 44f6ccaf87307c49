#if canImport(Glibc)
import Glibc
#endif
import Autograd
import CLua
import CLuaShim

/// `torch.*` and `torch.autograd.*` functions that are not ops.
enum ModuleFunctions {
    static let all: [(String, lg_SwiftFunction)] = [
        ("manual_seed", manualSeed), ("initial_seed", initialSeed), ("is_tensor", isTensor),
        ("numel", { L in luaEntry(L) { s in s.push(try s.checkTensor(1, "numel").numel); return 1 } }),
        ("wallclock", { L in
            luaEntry(L) { s in
                // Monotonic seconds, for timing scripts (os.clock is CPU time).
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                s.push(Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9)
                return 1
            }
        }),
        ("get_default_dtype", { L in luaEntry(L) { s in BridgeContext.get(s.L).push(s.L, .float32); return 1 } }),
        ("Size", { L in
            luaEntry(L) { s in
                SizeObject.push(s, s.type(1) == LUA_TTABLE ? SizeObject.read(s, 1) : [])
                return 1
            }
        }),
    ]

    static let autograd: [(String, lg_SwiftFunction)] = [
        ("grad", grad), ("backward", backward),
        ("gradcheck", { L in luaEntry(L) { s in try gradcheck(s, secondOrder: false) } }),
        ("gradgradcheck", { L in luaEntry(L) { s in try gradcheck(s, secondOrder: true) } }),
        ("_attach", attachCustom),
        ("set_detect_anomaly", { L in
            luaEntry(L) { s in
                let state = ThreadState.current
                let flag = s.boolean(1)
                state.detectAnomaly = flag
                let context = BridgeContext.get(s.L)
                state.scriptTraceback = flag ? { [weak context] in context?.traceback() ?? "" } : nil
                return 0
            }
        }),
        ("is_anomaly_enabled", { L in luaEntry(L) { s in s.push(ThreadState.current.detectAnomaly); return 1 } }),
    ]

    /// `torch.autograd.forward_ad`: the Swift half (the prelude adds `dual_level`).
    static let forwardAD: [(String, lg_SwiftFunction)] = [
        ("_enter", { L in luaEntry(L) { s in s.push(try ForwardAD.enterLevel()); return 1 } }),
        ("_exit", { L in luaEntry(L) { _ in ForwardAD.exitLevel(); return 0 } }),
        ("make_dual", { L in
            luaEntry(L) { s in
                s.push(try ForwardAD.makeDual(s.checkTensor(1, "make_dual"), tangent: s.checkTensor(2, "make_dual")))
                return 1
            }
        }),
        ("unpack_dual", { L in
            luaEntry(L) { s in
                let (primal, tangent) = ForwardAD.unpackDual(try s.checkTensor(1, "unpack_dual"))
                s.push(primal)
                if let tangent { s.push(tangent) } else { s.pushNil() }
                return 2
            }
        }),
    ]

    /// `torch.autograd._attach(name, inputs, outputs, nondiff, backward)`: the core of
    /// `torch.autograd.Function` (the Lua prelude runs the forward and calls this).
    /// `backward(...)` gets one gradient per output and returns one per input (in `inputs`
    /// order, non-tensors included, as PyTorch requires).
    static let attachCustom: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let name = s.string(1) ?? "FunctionBackward"
            guard s.type(2) == LUA_TTABLE, s.type(3) == LUA_TTABLE, s.type(5) == LUA_TFUNCTION else {
                throw LuaError("_attach(name, inputs, outputs, nondiff, backward): bad arguments")
            }
            // Inputs: every tensor among the forward's arguments, remembering its position.
            var inputs: [Tensor] = [], positions: [Int] = []
            lua_getfield_raw(s.L, 2, "n")
            let count = Int(s.integer(-1) ?? Int64(s.rawLength(2)))
            s.pop()
            for k in 0..<count {
                s.rawGet(2, k + 1)
                if let t = s.tensor(-1) { inputs.append(t); positions.append(k) }
                s.pop()
            }
            let outputs = try tensorList(s, 3, name, allowNil: false).compactMap { $0 }
            var nondiff = Set<Int>()
            if s.type(4) == LUA_TTABLE {
                for k in 0..<s.rawLength(4) {
                    s.rawGet(4, k + 1)
                    if let t = s.tensor(-1), let i = outputs.firstIndex(where: { $0 === t }) { nondiff.insert(i) }
                    s.pop()
                }
            }
            let callback = LuaCallback(s.L, 5)
            try CustomFunction.attach(name: name, inputs: inputs, outputs: outputs, nonDifferentiable: nondiff,
                                      backward: { grads in
                let results = try callback.call(grads)
                return positions.map { p in p < results.count ? results[p].tensor : nil }
            }, onRelease: { callback.release() })
            return 0
        }
    }

    /// `torch.autograd.gradcheck(f, inputs, {eps=, atol=, rtol=, raise_exception=})`.
    private static func gradcheck(_ s: LuaStack, secondOrder: Bool) throws -> Int32 {
        let name = secondOrder ? "gradgradcheck" : "gradcheck"
        guard s.type(1) == LUA_TFUNCTION else {
            throw LuaError.badArgument(1, name, expected: "function", got: s.typeName(1))
        }
        // Inputs may mix tensors and other values (numbers): only tensors are perturbed.
        guard s.type(2) == LUA_TTABLE || s.tensor(2) != nil else {
            throw LuaError.badArgument(2, name, expected: "Tensor or table", got: s.typeName(2))
        }
        var inputs: [Tensor] = [], tensorAt: [Int: Int] = [:]
        let count = s.tensor(2) != nil ? 1 : s.rawLength(2)
        for k in 0..<count {
            if let t = s.tensor(2) { inputs.append(t); tensorAt[0] = 0; break }
            s.rawGet(2, k + 1)
            if let t = s.tensor(-1) { tensorAt[k] = inputs.count; inputs.append(t) }
            s.pop()
        }
        var options = Gradcheck.Options()
        if s.type(3) == LUA_TTABLE {
            for (key, target) in [("eps", \Gradcheck.Options.eps), ("atol", \.atol), ("rtol", \.rtol)] {
                lua_getfield_raw(s.L, 3, key)
                if let v = s.number(-1) { options[keyPath: target] = v }
                s.pop()
            }
            lua_getfield_raw(s.L, 3, "raise_exception")
            if s.type(-1) == LUA_TBOOLEAN { options.raiseException = s.boolean(-1) }
            s.pop()
        }
        // The script function runs under a protected call; its error propagates unchanged.
        let function: ([Tensor]) throws -> [Tensor] = { xs in
            let base = s.top
            lua_pushvalue(s.L, 1)
            for k in 0..<count {
                if let i = tensorAt[k] { s.push(xs[i]) } else { s.rawGet(2, k + 1) }
            }
            if lg_pcall(s.L, Int32(count), LUA_MULTRET, 0) != LUA_OK { throw RaisedLuaValue() }
            defer { lua_settop(s.L, base) }
            return try (base + 1 ..< s.top + 1).map { try s.checkTensor($0, "\(name) function result") }
        }
        let ok = try BridgeContext.get(s.L).withActiveState(s.L) {
            secondOrder ? try Gradcheck.checkSecondOrder(function, inputs: inputs, options: options)
                        : try Gradcheck.check(function, inputs: inputs, options: options)
        }
        s.push(ok)
        return 1
    }

    /// `torch.manual_seed(n)`: reseeds this thread's generator; returns nothing useful but n.
    static let manualSeed: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let seed = s.integer(1) else {
                throw LuaError.badArgument(1, "manual_seed", expected: "integer", got: s.typeName(1))
            }
            ThreadState.current.generator.manualSeed(UInt64(bitPattern: seed))
            s.push(seed)
            return 1
        }
    }

    static let initialSeed: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(Int64(bitPattern: ThreadState.current.generator.initialSeed))
            return 1
        }
    }

    static let isTensor: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(s.tensor(1) != nil)
            return 1
        }
    }

    /// `torch.autograd.grad(outputs, inputs, {grad_outputs=, retain_graph=, create_graph=,
    /// allow_unused=, materialize_grads=})`: one result per input.
    static let grad: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let outputs = try tensorList(s, 1, "grad", allowNil: false).compactMap { $0 }
            let inputs = try tensorList(s, 2, "grad", allowNil: false).compactMap { $0 }
            var options = BackwardOptions()
            if s.type(3) == LUA_TTABLE, s.tensor(3) == nil { try options.read(s, 3, function: "grad") }
            else if !s.isNoneOrNil(3) { options.gradOutputs = try tensorList(s, 3, "grad", allowNil: true) }
            let grads = try BridgeContext.get(s.L).withActiveState(s.L) {
                try Engine.grad(outputs: outputs, inputs: inputs,
                                gradOutputs: options.gradOutputs ?? Array(repeating: nil, count: outputs.count),
                                retainGraph: options.retainGraph, createGraph: options.createGraph,
                                allowUnused: options.allowUnused || options.materializeGrads)
            }
            guard lua_checkstack(s.L, Int32(clamping: grads.count + 1)) != 0 else { throw LuaError("too many results") }
            for (k, g) in grads.enumerated() {
                if let g { s.push(g) }
                else if options.materializeGrads { s.push(try Tensor.zeros(inputs[k].shape, dtype: inputs[k].dtype)) }
                else { s.pushNil() }
            }
            return Int32(grads.count)
        }
    }

    /// `torch.autograd.backward(tensors, grad_tensors, {retain_graph=, create_graph=, inputs=})`.
    static let backward: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let roots = try tensorList(s, 1, "backward", allowNil: false).compactMap { $0 }
            var options = BackwardOptions()
            var gradients: [Tensor?] = Array(repeating: nil, count: roots.count)
            if s.type(2) == LUA_TTABLE, s.tensor(2) == nil, s.rawLength(2) == 0 {
                try options.read(s, 2, function: "backward")
            } else if !s.isNoneOrNil(2) {
                gradients = try tensorList(s, 2, "backward", allowNil: true)
                if s.type(3) == LUA_TTABLE { try options.read(s, 3, function: "backward") }
            }
            if let given = options.gradOutputs { gradients = given }
            try BridgeContext.get(s.L).withActiveState(s.L) {
                try Engine.backward(roots, gradients: gradients, retainGraph: options.retainGraph,
                                    createGraph: options.createGraph, inputs: options.inputs)
            }
            return 0
        }
    }
}
