/// Products of the math family: outer products, batched matrix products and PyTorch's
/// algorithm for `matmul` on batched and broadcast operands.
extension Ops {
    /// `outer(a, b)`: PyTorch computes it as `a.reshape(n, 1) * b` (so its grad_fn is `MulBackward0`).
    static let outer = Op(
        "outer", Signature(["outer", "ger"], [.tensor(), .tensor("vec2")]),
        doc: "The outer product of two 1-d tensors: an n×m matrix of a[i] * b[j].",
        samples: [OpSample([.tensor([3]), .tensor([2])])],
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            guard a.ndim == 1 else { throw TorchError("outer: Expected 1-D argument self, but got \(a.ndim)-D") }
            guard b.ndim == 1 else { throw TorchError("outer: Expected 1-D argument vec2, but got \(b.ndim)-D") }
            return try a.reshape([a.numel, 1]).mul(b)
        })

    static let bmm = Op(
        "bmm", Signature(["bmm"], [.tensor(), .tensor("mat2")]),
        doc: "Matrix products of two batches of matrices: (b×n×k) · (b×k×m) → b×n×m.",
        gradFn: "BmmBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 2, 3]), .tensor([2, 3, 2])])],
        forward: { call in try Tensor.bmmKernel(call.inputs[0], call.inputs[1]) },
        backward: { ctx in
            let a = try ctx.saved(0), b = try ctx.saved(1)
            return [ctx.needsGrad(0) ? try ctx.grad.bmm(b.transpose(1, 2)) : nil,
                    ctx.needsGrad(1) ? try a.transpose(1, 2).bmm(ctx.grad) : nil]
        })

    /// `matmul` for operands with 3 or more dims, as PyTorch's `_matmul_impl`: folds the batch
    /// into one `mm`/`mv` when that needs no copy, else broadcasts the batch dims and runs `bmm`;
    /// the result is an `_unsafe_view` (grad_fn `UnsafeViewBackward0`, as PyTorch's).
    /// Not bound to Lua on its own: `Tensor.matmul` can call `matmulBatched` for these shapes.
    static let matmulBatched = Op(
        "matmul", Signature(["matmul"], .internal, [.tensor(), .tensor("other")]),
        doc: "The matrix product with broadcast batch dims (PyTorch's algorithm for 3-d and more).",
        samples: [
            OpSample([.tensor([2, 2, 3]), .tensor([3, 2])]),
            OpSample([.tensor([2, 1, 2, 3]), .tensor([3, 3, 2])]),
            OpSample([.tensor([3]), .tensor([2, 3, 2])]),
            OpSample([.tensor([2, 2, 3]), .tensor([3])]),
            OpSample([.tensor([2, 3]), .tensor([2, 3, 2])]),
        ],
        forward: { call in try call.inputs[0].matmulBatched(call.inputs[1]) })
}

extension Tensor {
    /// `transpose(-2, -1)` (PyTorch's `mT`).
    private var matrixTransposed: Tensor {
        get throws { try transpose(-2, -1) }
    }

    /// The result of a batched product, reshaped as PyTorch's `_unsafe_view`.
    private func unsafeViewed(_ shape: [Int]) throws -> Tensor {
        try Ops.unsafeView.apply(self, [.ints(shape)])
    }

    /// torch.matmul with PyTorch's `_matmul_impl` (operands of 1 or 2 dims go to `matmul`).
    public func matmulBatched(_ other: Tensor) throws -> Tensor {
        let dim1 = ndim, dim2 = other.ndim
        guard dim1 > 0, dim2 > 0 else {
            throw TorchError("both arguments to matmul need to be at least 1D, but they are \(dim1)D and \(dim2)D")
        }
        if dim1 <= 2 && dim2 <= 2 { return try matmul(other) }
        if try shouldFold(other) {
            let transpose = dim2 > dim1
            let t1 = transpose ? try other.matrixTransposed : self
            let t2 = !transpose ? other : (dim1 == 2 ? try t() : self)
            var outputShape = Array(t1.shape.dropLast())
            let folded = Shapes.numel(outputShape) ?? 0
            let t2IsMatrix = t2.ndim == 2
            if t2IsMatrix { outputShape.append(t2.shape[1]) }
            let t1Folded = try t1.reshape([folded, t1.shape[t1.ndim - 1]])
            if t2IsMatrix {
                let output = try t1Folded.mm(t2).unsafeViewed(outputShape)
                return transpose ? try output.matrixTransposed.contiguous() : output
            }
            return try t1Folded.mv(t2).unsafeViewed(outputShape)
        }
        let n = dim1 > 1 ? shape[dim1 - 2] : 1, m1 = shape[dim1 - 1]
        let batch1 = Array(shape.prefix(Swift.max(dim1 - 2, 0)))
        let m2 = dim2 > 1 ? other.shape[dim2 - 2] : other.shape[0], p = dim2 > 1 ? other.shape[dim2 - 1] : 1
        let batch2 = Array(other.shape.prefix(Swift.max(dim2 - 2, 0)))
        // A batch of 1 that requires grad is squeezed rather than expanded (as PyTorch does).
        if dim1 == 3 && dim2 == 3 && batch1[0] != batch2[0] {
            if batch1[0] == 1 && requiresGrad { return try squeeze(0).matmulBatched(other) }
            if batch2[0] == 1 && other.requiresGrad { return try matmulBatched(other.squeeze(0)) }
        }
        var outputShape = try Shapes.broadcast(batch1, batch2)
        let batch = Shapes.numel(outputShape) ?? 0
        let left = try expand(outputShape + [n, m1]).reshape([batch, n, m1])
        let vectorRight = dim2 == 1
        var right = try other.expand(outputShape + (vectorRight ? [m2] : [m2, p]))
        right = vectorRight ? try right.reshape([batch, m2]).unsqueeze(2) : try right.reshape([batch, m2, p])
        if dim1 > 1 { outputShape.append(n) }
        if dim2 > 1 { outputShape.append(p) }
        var product = try left.bmm(right)
        if vectorRight { product = try product.squeeze(-1) }
        return try product.unsafeViewed(outputShape)
    }

    /// PyTorch's should_fold: whether the larger operand can be folded into a matrix for one
    /// `mm`/`mv` without copying (or must be, to keep the other operand's gradient small).
    private func shouldFold(_ other: Tensor) throws -> Bool {
        let selfLarger = ndim >= other.ndim
        let t1 = selfLarger ? self : try other.matrixTransposed
        let dimT2 = selfLarger ? other.ndim : ndim
        guard t1.ndim >= 3 && dimT2 <= 2 else { return false }
        if selfLarger ? other.requiresGrad : requiresGrad { return true }
        if ndim == 2 { return false }
        if t1.numel == 0 { return true }
        for i in 0..<(t1.ndim - 2) where t1.strides[i] != t1.strides[i + 1] * t1.shape[i + 1] {
            return false
        }
        return true
    }

    /// `a @ b` for each matrix of two 3-d batches of the same dtype.
    static func bmmKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.ndim == 3 else { throw TorchError("batch1 must be a 3D tensor") }
        guard b.ndim == 3 else { throw TorchError("batch2 must be a 3D tensor") }
        guard b.shape[0] == a.shape[0], b.shape[1] == a.shape[2] else {
            throw TorchError("Expected size for first two dimensions of batch2 tensor to be: [\(a.shape[0]), \(a.shape[2])] but got: [\(b.shape[0]), \(b.shape[1])].")
        }
        guard a.dtype == b.dtype else {
            throw TorchError("expected scalar type \(a.dtype.scalarTypeName) but found \(b.dtype.scalarTypeName)")
        }
        let count = a.shape[0], n = a.shape[1], k = a.shape[2], m = b.shape[2]
        let out = try Tensor.empty([count, n, m], dtype: a.dtype)
        for i in 0..<count {
            let lhs = Tensor(storage: a.storage, shape: [n, k], strides: [a.strides[1], a.strides[2]],
                             offset: a.offset + i * a.strides[0], dtype: a.dtype)
            let rhs = Tensor(storage: b.storage, shape: [k, m], strides: [b.strides[1], b.strides[2]],
                             offset: b.offset + i * b.strides[0], dtype: b.dtype)
            let slot = Tensor(storage: out.storage, shape: [n, m], strides: [m, 1], offset: i * n * m, dtype: out.dtype)
            try slot.copyElements(from: matmulKernel(lhs, rhs))
        }
        return out
    }
}
