/// Swift methods for the layout ops (`Ops+Layout.swift`): one line each into the op table.
/// Dims and positions are 0-based; negative ones count from the end.
extension Tensor {
    // MARK: - Views

    /// A view with dims `dim0` and `dim1` swapped.
    public func transpose(_ dim0: Int, _ dim1: Int) throws -> Tensor { try Ops.transpose.apply(self, [.int(dim0), .int(dim1)]) }
    /// A view with the dims in `dims` order.
    public func permute(_ dims: [Int]) throws -> Tensor { try Ops.permute.apply(self, [.ints(dims)]) }
    /// A view with dims `source` moved to `destination`.
    public func movedim(_ source: [Int], _ destination: [Int]) throws -> Tensor {
        try Ops.movedim.apply(self, [.ints(source), .ints(destination)])
    }
    /// A view of `length` elements from `start` along `dim`.
    public func narrow(_ dim: Int, _ start: Int, _ length: Int) throws -> Tensor {
        try Ops.narrow.apply(self, [.int(dim), .int(start), .int(length)])
    }
    /// Dims `startDim...endDim` merged into one (a view when possible).
    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        try Ops.flattenDims.apply(self, [.int(startDim), .int(endDim)])
    }

    // MARK: - Joining, repeating, reversing

    /// Tensors of equal shape joined along a new dim `dim`.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor { try Ops.stack.apply(tensors, [.int(dim)]) }
    /// The tensor tiled `repeats` times along each dim (PyTorch's `repeat`).
    public func `repeat`(_ repeats: [Int]) throws -> Tensor { try Ops.repeat.apply(self, [.ints(repeats)]) }
    /// Like `repeat`, with missing leading repeats taken as 1.
    public func tile(_ dims: [Int]) throws -> Tensor { try Ops.tile.apply(self, [.ints(dims)]) }
    /// A copy reversed along `dims`.
    public func flip(_ dims: [Int]) throws -> Tensor { try Ops.flip.apply(self, [.ints(dims)]) }

    // MARK: - Pieces

    /// Up to `chunks` views of equal size along `dim`.
    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] { try Ops.chunk.applyAll([self], [.int(chunks), .int(dim)]) }
    /// Views of `size` elements along `dim` (the last may be smaller).
    public func split(_ size: Int, dim: Int = 0) throws -> [Tensor] {
        try Ops.split.applyAll([self, Tensor([Int64(size)], shape: [])], [.int(dim)])
    }
    /// Views of the given sizes along `dim`.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        try Ops.split.applyAll([self, Tensor(sizes.map { Int64($0) })], [.int(dim)])
    }
    /// Every slice along `dim`.
    public func unbind(_ dim: Int = 0) throws -> [Tensor] { try Ops.unbind.applyAll([self], [.int(dim)]) }

    // MARK: - Positions

    /// The slices at positions `index` (1-d int64) along `dim`.
    public func indexSelect(_ dim: Int, _ index: Tensor) throws -> Tensor { try Ops.indexSelect.apply(self, index, [.int(dim)]) }
    /// A copy with the slices of `source` added at positions `index` along `dim`.
    public func indexAdd(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.indexAdd.apply([self, index, source], [.int(dim)])
    }
    /// Elements picked along `dim` at the positions in `index`.
    public func gather(_ dim: Int, _ index: Tensor) throws -> Tensor { try Ops.gather.apply(self, index, [.int(dim)]) }
    /// A copy with elements of `source` written along `dim` at the positions in `index`.
    public func scatter(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.scatter.apply([self, index, source], [.int(dim)])
    }
    /// A copy with `value` written along `dim` at the positions in `index`.
    public func scatter(_ dim: Int, _ index: Tensor, value: Scalar) throws -> Tensor {
        try Ops.scatterValue.apply(self, index, [.int(dim), .scalar(value)])
    }
    /// A copy with elements of `source` added along `dim` at the positions in `index`.
    public func scatterAdd(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.scatterAdd.apply([self, index, source], [.int(dim)])
    }
    /// `x[key]` for an int64 tensor of positions along dim 0 or a bool mask over the leading dims.
    ///
    /// Where no op would be recorded (no gradient wanted, no tangent) the kernel runs without
    /// the op table's call around it, which cost as much as gathering a minibatch's rows.
    public func index(_ key: Tensor) throws -> Tensor {
        if !Tensor.recordsOps(self, key) { return try indexKernel(key) }
        return try Ops.index.apply(self, key)
    }

    // MARK: - Masks

    /// A copy with `value` where `mask` is true.
    public func maskedFill(_ mask: Tensor, _ value: Scalar) throws -> Tensor { try Ops.maskedFill.apply(self, mask, [.scalar(value)]) }
    /// A copy with the 0-d tensor `value` where `mask` is true.
    public func maskedFill(_ mask: Tensor, _ value: Tensor) throws -> Tensor { try Ops.maskedFillTensor.apply([self, mask, value]) }
    /// The elements where `mask` is true, as a 1-d tensor.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor { try Ops.maskedSelect.apply(self, mask) }
    /// A copy with the elements of `source`, in order, where `mask` is true.
    public func maskedScatter(_ mask: Tensor, _ source: Tensor) throws -> Tensor { try Ops.maskedScatter.apply([self, mask, source]) }

    // MARK: - In place

    @discardableResult public func maskedFill_(_ mask: Tensor, _ value: Scalar) throws -> Tensor {
        try Ops.maskedFillInPlace.apply(self, mask, [.scalar(value)])
    }
    @discardableResult public func maskedFill_(_ mask: Tensor, _ value: Tensor) throws -> Tensor {
        try Ops.maskedFillTensorInPlace.apply([self, mask, value])
    }
    @discardableResult public func maskedScatter_(_ mask: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.maskedScatterInPlace.apply([self, mask, source])
    }
    @discardableResult public func indexAdd_(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.indexAddInPlace.apply([self, index, source], [.int(dim)])
    }
    @discardableResult public func scatter_(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.scatterInPlace.apply([self, index, source], [.int(dim)])
    }
    @discardableResult public func scatter_(_ dim: Int, _ index: Tensor, value: Scalar) throws -> Tensor {
        try Ops.scatterValueInPlace.apply(self, index, [.int(dim), .scalar(value)])
    }
    @discardableResult public func scatterAdd_(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Ops.scatterAddInPlace.apply([self, index, source], [.int(dim)])
    }
}
