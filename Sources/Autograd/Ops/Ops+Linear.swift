/// `addmm` and `linear`: the affine map of `nn.Linear`, recorded as PyTorch records it
/// (`AddmmBackward0` for a 2-d input with a bias).
extension Ops {
    static let addmm = Op(
        "addmm", Signature(["addmm"], [
            .tensor(), .tensor("mat1"), .tensor("mat2"),
            .keyword("beta", .number, .absent), .keyword("alpha", .number, .absent),
        ]),
        doc: "`beta * input + alpha * (mat1 @ mat2)`, with `input` broadcast to the product's shape.",
        gradFn: "AddmmBackward0", saves: [.inputFor(1, gradOf: 2), .inputFor(2, gradOf: 1)],
        keepsInputLayouts: true,
        samples: [OpSample([.tensor([3]), .tensor([2, 4]), .tensor([4, 3])]),
                  OpSample([.tensor([2, 1]), .tensor([2, 2]), .tensor([2, 3])], [.scalar(.double(0.5)), .scalar(.double(-2))])],
        forward: { call in
            let bias = call.inputs[0], a = call.inputs[1], b = call.inputs[2]
            guard a.ndim == 2 else { throw TorchError("mat1 must be a matrix, got \(a.ndim)-D tensor") }
            guard b.ndim == 2 else { throw TorchError("mat2 must be a matrix, got \(b.ndim)-D tensor") }
            guard a.shape[1] == b.shape[0] else {
                throw TorchError("addmm: mat1 and mat2 shapes cannot be multiplied (\(a.shape[0])x\(a.shape[1]) and \(b.shape[0])x\(b.shape[1]))")
            }
            guard a.dtype == b.dtype, bias.dtype == a.dtype else {
                let other = a.dtype == b.dtype ? bias.dtype : b.dtype
                throw TorchError("expected m1 and m2 to have the same dtype, but got: \(a.dtype.scalarTypeName) != \(other.scalarTypeName)")
            }
            let target = [a.shape[0], b.shape[1]]
            guard (try? Shapes.broadcast(bias.shape, target)) == target else {
                throw TorchError("The expanded size of the tensor (\(target.last!)) must match the existing size (\(bias.shape.last ?? 1)) at non-singleton dimension \(bias.ndim == 0 ? 1 : bias.ndim == 1 ? 1 : 0).  Target sizes: \(Shapes.format(target)).  Tensor sizes: \(Shapes.format(bias.shape))")
            }
            let alpha = try call.arg("alpha"), beta = try call.arg("beta")
            if let out = try Tensor.addmmKernel(bias, a, b, alpha: alpha.numberValue, beta: beta.numberValue) {
                return out
            }
            return try withNoGrad {
                // Integer products, and an empty shared dim (k = 0): the product, then the bias.
                let product = try Tensor.matmulKernel(a, b).scaled(by: alpha)
                return try product.add(bias.detach().scaled(by: beta))
            }
        },
        backward: { ctx in
            let bias = ctx.needsGrad(0) ? try ctx.grad.scaled(by: ctx.arg("beta")) : nil
            let (mat1, mat2) = try ctx.productGradients(mat1: 1, 0, mat2: 2, 1, alpha: ctx.arg("alpha"))
            return [bias, mat1, mat2]
        })

    /// `torch._C._nn.linear`, composed as PyTorch's `at::linear`: `addmm` for a 2-d input with
    /// a bias, a flattened `addmm` for other contiguous inputs with a 1-d bias, else `matmul`
    /// (then `+ bias`).
    static let linear = Op(
        "linear", Signature(["linear"], .nn, [.tensor(), .tensor("weight"), Param("bias", .tensor, default: .absent)]),
        doc: "`input @ weight^T + bias` (`bias` optional), recorded as PyTorch records it.",
        samples: [OpSample([.tensor([2, 3]), .tensor([4, 3]), .tensor([4])], [.bool(true)]),
                  OpSample([.tensor([2, 2, 3]), .tensor([4, 3]), .tensor([4])], [.bool(true)]),
                  OpSample([.tensor([3]), .tensor([2, 3])], [.absent])],
        forward: { call in
            let x = call.inputs[0], weight = call.inputs[1]
            let bias = call.inputs.count > 2 ? call.inputs[2] : nil
            guard x.ndim >= 1 else {
                throw TorchError("both arguments to linear need to be at least 1D, but they are \(x.ndim)D and \(weight.ndim)D")
            }
            if let bias, x.ndim == 2 { return try bias.addmm(x, weight.t()) }
            if let bias, x.isContiguous, x.ndim == 3 || bias.ndim == 1 {
                let leading = Array(x.shape.dropLast())
                let flat = try x.reshape([leading.reduce(1, *), x.shape[x.ndim - 1]])
                let out = try bias.addmm(flat, weight.t())
                return try Ops.unsafeView.apply(out, [.ints(leading + [out.shape[1]])])
            }
            let out = try x.matmul(weight.t())
            return try bias.map { try out.add($0) } ?? out
        })
}

extension Arg {
    /// `alpha`'s or `beta`'s value: 1 when absent.
    fileprivate var numberValue: Double {
        if case .scalar(let value) = self { return value.doubleValue }
        return 1
    }
}

extension Tensor {
    /// `beta * self + alpha * (mat1 @ mat2)` (`torch.addmm`).
    public func addmm(_ mat1: Tensor, _ mat2: Tensor, beta: Scalar? = nil, alpha: Scalar? = nil) throws -> Tensor {
        try Ops.addmm.apply([self, mat1, mat2], [beta.map { .scalar($0) } ?? .absent, alpha.map { .scalar($0) } ?? .absent])
    }

    /// `self @ weight^T + bias` (`torch.nn.functional.linear`).
    public func linear(_ weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        if let bias { return try Ops.linear.apply([self, weight, bias], [.bool(true)]) }
        return try Ops.linear.apply([self, weight], [.absent])
    }
}
