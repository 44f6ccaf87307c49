/// Forward-mode differentiation (`torch.autograd.forward_ad`): dual tensors carry a tangent,
/// and every table op propagates it.
///
/// One rule serves every op: the JVP is derived from the op's backward formula by the
/// "double backward" identity. The vector-Jacobian product g(u) = Jᵀu is linear in u, so
/// differentiating ⟨g(u), t⟩ with respect to u gives J t. This costs two backward formulas per
/// op, but it makes forward mode exactly as complete as reverse mode.
public enum ForwardAD {
    /// Enters a dual level (`dual_level()`); tangents made inside it are dropped on exit.
    public static func enterLevel() throws -> Int {
        let state = ThreadState.current
        guard state.dualLevel == 0 else {
            throw TorchError("Nested forward mode AD is not supported at the moment")
        }
        state.dualLevel += 1
        return state.dualLevel
    }

    /// Leaves the current dual level, clearing the tangents created in it.
    public static func exitLevel() {
        let state = ThreadState.current
        for weak in state.dualTensors { weak.tensor?.tangent = nil }
        state.dualTensors = []
        state.dualLevel = max(0, state.dualLevel - 1)
    }

    /// `make_dual(primal, tangent)`: a view of `primal` carrying `tangent`.
    public static func makeDual(_ primal: Tensor, tangent: Tensor) throws -> Tensor {
        guard ThreadState.current.dualLevel > 0 else {
            throw TorchError("Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first.")
        }
        guard tangent.shape == primal.shape else {
            throw TorchError("Trying to set a forward gradient that has a different size than that of the original Tensor, this is not supported. Tensor is of size \(Shapes.format(primal.shape)) while the given forward gradient is of size \(Shapes.format(tangent.shape)).")
        }
        let dual = primal.view(shape: primal.shape, strides: primal.strides, offset: primal.offset)
        dual.requiresGrad = primal.requiresGrad
        dual.gradFn = primal.gradFn
        dual.outputNr = primal.outputNr
        dual.setTangent(try tangent.converted(to: primal.dtype))
        return dual
    }

    /// `unpack_dual(x)`: the primal (without tangent) and the tangent (or nil).
    public static func unpackDual(_ x: Tensor) -> (primal: Tensor, tangent: Tensor?) {
        let primal = x.view(shape: x.shape, strides: x.strides, offset: x.offset)
        primal.requiresGrad = x.requiresGrad
        primal.gradFn = x.gradFn
        primal.outputNr = x.outputNr
        return (primal, x.tangent)
    }

    /// The tangent of `op`'s output from its inputs' tangents.
    static func propagate(_ op: Op, _ call: OpCall, output: Tensor) throws {
        guard output.dtype.isFloatingPoint, let backward = op.backward else { return }
        let tangents = call.inputs.map(\.tangent)
        guard tangents.contains(where: { $0 != nil }) else { return }
        let tangent: Tensor = try withGradMode(true) {
            // Fresh leaves stand for the inputs, so the recorded formula depends only on u.
            let leaves = try call.inputs.map { x -> Tensor in
                let leaf = x.detach()
                if x.dtype.isFloatingPoint { try leaf.setRequiresGrad(false) }
                return leaf
            }
            var inner = OpCall(op: op, inputs: OpInputs(leaves), args: call.args)
            inner.aux = call.aux
            let u = try Tensor.zeros(output.shape, dtype: output.dtype)
            try u.setRequiresGrad(true)
            let node = OpNode(op: op, call: inner, output: output.detach(), saveAll: true)
            // The context holds the node unowned: keep it alive through the formula.
            let vjps = try withExtendedLifetime(node) {
                try backward(BackwardContext(grad: u, node: node, allInputsNeedGrad: true))
            }
            var total: Tensor? = nil
            for (i, g) in vjps.enumerated() {
                guard let g, i < tangents.count, let t = tangents[i], g.requiresGrad else { continue }
                let reduced = g.shape == t.shape ? g : try g.sumToShape(t.shape)
                let term = try Engine.grad(outputs: [reduced], inputs: [u], gradOutputs: [t.converted(to: reduced.dtype)],
                                           retainGraph: true, allowUnused: true)[0]
                if let term { total = try total.map { try $0.add(term) } ?? term }
            }
            return try total ?? Tensor.zeros(output.shape, dtype: output.dtype)
        }
        output.setTangent(tangent.detach())
    }
}

extension Tensor {
    /// Attaches a tangent, tracked so the dual level can drop it.
    func setTangent(_ t: Tensor) {
        tangent = t
        ThreadState.current.dualTensors.append(WeakTensor(tensor: self))
    }
}
