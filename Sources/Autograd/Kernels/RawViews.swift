/// Views built straight from a tensor's storage, outside any graph and view tracking: the
/// building blocks of the layout kernels.
extension Tensor {
    /// The same memory seen with dims `a` and `b` swapped (no graph).
    func transposedView(_ a: Int, _ b: Int) -> Tensor {
        var shape = self.shape, strides = self.strides
        if ndim > 0 {
            shape.swapAt(a, b)
            strides.swapAt(a, b)
        }
        return view(shape: shape, strides: strides, offset: offset)
    }

    /// The same memory with dims in `order` (a checked permutation; no graph).
    func permutedView(_ order: [Int]) -> Tensor {
        view(shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
    }

    /// A temporary view with new geometry, outside any graph and view tracking.
    func raw(_ shape: [Int], _ strides: [Int], offset: Int? = nil) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset ?? self.offset, dtype: dtype)
    }

    /// This tensor as 1-d when it is 0-d (the position kernels treat a scalar as one element).
    var atLeast1d: Tensor { ndim == 0 ? raw([1], [1]) : self }

    /// A contiguous copy broadcast to `target` (no graph).
    func broadcastCopy(_ target: [Int], dtype: DType? = nil) throws -> Tensor {
        try raw(target, Shapes.broadcastStrides(shape: shape, strides: strides, to: target)).materialized(dtype: dtype)
    }

    /// The slice at `i` along `d`, as a temporary view.
    func rawSelect(_ d: Int, _ i: Int) -> Tensor {
        var shape = self.shape, strides = self.strides
        shape.remove(at: d)
        strides.remove(at: d)
        return raw(shape, strides, offset: offset + i * self.strides[d])
    }
}
