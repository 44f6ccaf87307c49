/// Products of vectors and matrices.
extension Ops {
    static let dot = Op(
        "dot", Signature(["dot", "inner"], [.tensor(), .tensor("tensor")]),
        doc: "The dot product of two 1-d tensors.",
        gradFn: "DotBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([4]), .tensor([4])])],
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            guard a.ndim == 1, b.ndim == 1 else {
                throw TorchError("1D tensors expected, but got \(a.ndim)D and \(b.ndim)D tensors")
            }
            guard a.dtype == b.dtype else {
                throw TorchError("dot : expected both vectors to have same dtype, but found \(a.dtype.scalarTypeName) and \(b.dtype.scalarTypeName)")
            }
            guard a.numel == b.numel else {
                throw TorchError("inconsistent tensor size, expected tensor [\(a.numel)] and src [\(b.numel)] to have the same number of elements, but got \(a.numel) and \(b.numel) elements respectively")
            }
            let product = try Tensor.matmulKernel(a.reshape([1, a.numel]), b.reshape([b.numel, 1]))
            return try product.reshape([])
        },
        backward: { ctx in
            [ctx.needsGrad(0) ? try ctx.grad.mul(ctx.saved(1)) : nil,
             ctx.needsGrad(1) ? try ctx.grad.mul(ctx.saved(0)) : nil]
        })

    static let mm = Op(
        "mm", Signature(["mm"], [.tensor(), .tensor("mat2")]),
        doc: "The matrix product of two 2-d tensors.",
        gradFn: "MmBackward0", saves: [.input(0), .input(1)], keepsInputLayouts: true,
        samples: [OpSample([.tensor([2, 3]), .tensor([3, 4])])],
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            guard a.ndim == 2 else { throw TorchError("self must be a matrix") }
            guard b.ndim == 2 else { throw TorchError("mat2 must be a matrix") }
            guard a.shape[1] == b.shape[0] else {
                throw TorchError("mm: mat1 and mat2 shapes cannot be multiplied (\(a.shape[0])x\(a.shape[1]) and \(b.shape[0])x\(b.shape[1]))")
            }
            guard a.dtype == b.dtype else {
                throw TorchError("expected m1 and m2 to have the same dtype, but got: \(a.dtype.scalarTypeName) != \(b.dtype.scalarTypeName)")
            }
            return try Tensor.matmulKernel(a, b)
        },
        backward: { ctx in
            let (mat1, mat2) = try ctx.productGradients(mat1: 0, 0, mat2: 1, 1)
            return [mat1, mat2]
        })

    static let mv = Op(
        "mv", Signature(["mv"], [.tensor(), .tensor("vec")]),
        doc: "The product of a matrix and a vector.",
        gradFn: "MvBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([3])])],
        forward: { call in
            let a = call.inputs[0], v = call.inputs[1]
            guard a.ndim == 2, v.ndim == 1 else {
                throw TorchError("vector + matrix @ vector expected, got 1, \(a.ndim), \(v.ndim)")
            }
            guard a.shape[1] == v.shape[0] else {
                throw TorchError("size mismatch, got input (\(a.shape[0])), mat (\(a.shape[0])x\(a.shape[1])), vec (\(v.shape[0]))")
            }
            guard a.dtype == v.dtype else {
                throw TorchError("expected m1 and m2 to have the same dtype, but got: \(a.dtype.scalarTypeName) != \(v.dtype.scalarTypeName)")
            }
            return try Tensor.matmulKernel(a, v.reshape([v.numel, 1])).reshape([a.shape[0]])
        },
        backward: { ctx in
            let a = try ctx.saved(0), v = try ctx.saved(1)
            return [ctx.needsGrad(0) ? try ctx.grad.unsqueeze(1).mul(v.unsqueeze(0)) : nil,
                    ctx.needsGrad(1) ? try a.t().mv(ctx.grad) : nil]
        })

    static let t = Op(
        "t", Signature(["t"], [.tensor()]),
        doc: "Transposes a 2-d tensor (0-d and 1-d tensors are returned as views of themselves).",
        gradFn: "TBackward0",
        samples: [OpSample([.tensor([2, 3])])],
        forward: { call in
            let x = call.inputs[0]
            guard x.ndim <= 2 else {
                throw TorchError("t() expects a tensor with <= 2 dimensions, but self is \(x.ndim)D")
            }
            if x.ndim < 2 { return x.view(shape: x.shape, strides: x.strides, offset: x.offset) }
            return x.view(shape: [x.shape[1], x.shape[0]], strides: [x.strides[1], x.strides[0]], offset: x.offset)
        },
        backward: { ctx in [try ctx.grad.t()] })
}

extension Ops {
    static let matmul = Op(
        "matmul", Signature(["matmul"], [.tensor(), .tensor("other")]),
        doc: "The matrix product with broadcasting: dot, mv, mm or batched, by the operands' dims.",
        samples: [OpSample([.tensor([3]), .tensor([3, 2])]), OpSample([.tensor([2, 2, 3]), .tensor([3, 2])])],
        forward: { call in try call.inputs[0].matmul(call.inputs[1]) })
}

extension Tensor {
    /// The matrix product with NumPy's rules (`torch.matmul`), composed of table ops so it needs
    /// no backward of its own: 1-d·1-d is `dot`, 2-d·1-d is `mv`, 2-d·2-d is `mm`, and a 1-d
    /// left operand is a row vector that is squeezed away afterwards.
    public func matmul(_ other: Tensor) throws -> Tensor {
        switch (ndim, other.ndim) {
        case (1, 1): return try dot(other)
        case (2, 1): return try mv(other)
        case (1, 2): return try unsqueeze(0).mm(other).squeeze(0)
        case (2, 2): return try mm(other)
        case (0, _), (_, 0):
            throw TorchError("both arguments to matmul need to be at least 1D, but they are \(ndim)D and \(other.ndim)D")
        default:
            return try matmulBatched(other)
        }
    }
}

extension DType {
    /// PyTorch's C++ scalar type name (`Float`), used in some messages.
    var scalarTypeName: String {
        switch self {
        case .float32: "Float"
        case .float64: "Double"
        case .int64: "Long"
        case .bool: "Bool"
        }
    }
}
