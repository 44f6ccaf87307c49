
// MARK: - Walking lines along a dimension

extension Tensor {
    /// This tensor seen as at least 1-d (a 0-d tensor becomes one element along dim 0), so
    /// kernels over a dimension need no special case for scalars.
    var atLeastOneDim: Tensor {
        ndim > 0 ? self : Tensor(storage: storage, shape: [1], strides: [1], offset: offset, dtype: dtype)
    }

    /// Calls `body(inputBase, outputBase)` once per line of elements along `dim`.
    ///
    /// The other dims are walked row-major; `outStrides` are the output's strides for those
    /// dims (the output's own stride along `dim`, if it keeps one, is the caller's business).
    func forEachLine(along dim: Int, outStrides: [Int], _ body: (Int, Int) -> Void) {
        var keptShape = shape, keptStrides = strides
        keptShape.remove(at: dim)
        keptStrides.remove(at: dim)
        StridedLoop.run(keptShape, keptStrides, outStrides, body)
    }

    /// The strides of a contiguous tensor of this shape, without the entry for `dim`.
    func contiguousStrides(dropping dim: Int, size: Int? = nil) -> (all: [Int], kept: [Int]) {
        var outShape = shape
        if let size { outShape[dim] = size }
        let all = Shapes.contiguousStrides(outShape)
        var kept = all
        kept.remove(at: dim)
        return (all, kept)
    }
}
