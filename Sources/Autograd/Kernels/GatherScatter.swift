/// Kernels that read or write elements at positions along a dim: index_select, index_add,
/// gather, scatter and `x[key]`. Positions are 0-based; negative ones count from the end.
extension Tensor {
    // MARK: Positions

    /// A position wrapped into `0..<size` (negatives count from the end), or nil when out of range.
    @inline(__always)
    static func wrapPosition(_ p: Int64, _ size: Int) -> Int? {
        let q = p < 0 ? p + Int64(size) : p
        return q >= 0 && q < Int64(size) ? Int(q) : nil
    }

    /// Checks that `index` holds positions (int64) for `op`.
    static func checkPositions(_ index: Tensor, _ op: String) throws {
        guard index.dtype == .int64 else { throw TorchError("\(op)(): Expected dtype int32/int64 for index") }
    }

    func indexSelectKernel(dim: Int, _ index: Tensor) throws -> Tensor {
        guard index.dtype == .int64 else { throw TorchError("index_select(): Expected dtype int32 or int64 for index") }
        guard index.ndim <= 1 else { throw TorchError("index_select(): Index is supposed to be a vector") }
        let x = atLeast1d
        let d = try Shapes.wrapDim(dim, ndim)
        if ndim == 0, index.numel != 1 {
            throw TorchError("index_select(): Index to scalar can have only 1 value, got \(index.numel) value(s)")
        }
        var shape = x.shape
        shape[d] = index.numel
        let out = try x.gather(along: d, at: x.positions(index, along: d), shape: shape)
        return ndim == 0 ? out.raw([], []) : out
    }

    /// The positions `index` (int64, any shape) names along `d`, wrapped and checked.
    private func positions(_ index: Tensor, along d: Int) throws -> [Int] {
        try (0..<index.numel).map { i in
            guard let k = Tensor.wrapPosition(index.integerElement(i), shape[d]) else {
                throw TorchError("index out of range in self")
            }
            return k
        }
    }

    /// The slices at `positions` along `d`, copied into a new contiguous tensor of `shape`
    /// (this tensor's shape with `positions.count` slices along `d`, or a shape laid out the
    /// same way, such as `X[idx]`'s `idx.shape + rest`).
    private func gather(along d: Int, at positions: [Int], shape: [Int]) throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: dtype)
        if isContiguous {
            copyBlocks(along: d, at: positions, into: out)
        } else {
            var slices = self.shape
            slices[d] = positions.count
            let view = out.raw(slices, Shapes.contiguousStrides(slices), offset: 0)
            for (i, k) in positions.enumerated() { try view.rawSelect(d, i).copyElements(from: rawSelect(d, k)) }
        }
        return out
    }

    /// Copies the slices at `positions` along `d` of this contiguous tensor into `out`, one
    /// block of memory per slice and leading index (`X[idx]` on a batch of rows: one copy a row).
    private func copyBlocks(along d: Int, at positions: [Int], into out: Tensor) {
        let item = dtype.itemSize
        var outer = 1, block = item
        for i in 0..<d { outer &*= shape[i] }
        for i in (d + 1)..<ndim { block &*= shape[i] }
        let size = shape[d], n = positions.count
        let source = UnsafeRawPointer(storage.bytes + offset * item)
        let target = out.storage.bytes + out.offset * item
        for o in 0..<outer {
            for (i, k) in positions.enumerated() {
                (target + (o * n + i) * block).copyMemory(from: source + (o * size + k) * block, byteCount: block)
            }
        }
    }

    /// `x[key]` for a contiguous `x` and a contiguous 1-d int64 `key` (a minibatch's rows):
    /// each position read, checked and its row copied in one pass, without the array of
    /// positions and the per-element dtype dispatch of the general path. Rows of one or two
    /// 4-byte elements (linreg's labels and features) are moved as one word.
    ///
    /// With `oneBased`, positions count from 1 (negatives still from the end) and a position
    /// that names no row (0 included) gives nil rather than an error: the caller then takes
    /// the general path, whose checks word the error (`Tensor.index(oneBasedRows:)`).
    private func rows(at key: Tensor, oneBased: Bool = false) throws -> Tensor? {
        let count = key.numel, size = shape[0]
        var outShape = shape
        outShape[0] = count
        let out = try Tensor.empty(outShape, dtype: dtype)
        let block = size == 0 ? 0 : numel / size * dtype.itemSize
        let positions = key.pointer(Int64.self)
        let source = UnsafeRawPointer(storage.bytes + offset * dtype.itemSize)
        let target = out.storage.bytes + out.offset * dtype.itemSize
        for i in 0..<count {
            var p = positions[i]
            // 1-based: 0 becomes Int64.min, which no size wraps into range.
            if oneBased { p = p > 0 ? p &- 1 : p == 0 ? .min : p }
            guard let k = Tensor.wrapPosition(p, size) else {
                if oneBased { return nil }
                throw TorchError("index out of range in self")
            }
            let from = source + k &* block, to = target + i &* block
            switch block {
            case 4: to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
            case 8: to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
            default: to.copyMemory(from: from, byteCount: block)
            }
        }
        return out
    }

    func indexAddKernel(dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Tensor.checkPositions(index, "index_add")
        guard index.ndim <= 1 else { throw TorchError("index_add_(): Index is supposed to be a vector") }
        let d = try Shapes.wrapDim(dim, ndim)
        let x = atLeast1d, src = source.atLeast1d
        guard source.dtype == dtype else {
            throw TorchError("index_add_(): self (\(dtype.scalarTypeName)) and source (\(source.dtype.scalarTypeName)) must have the same scalar type")
        }
        guard src.ndim == x.ndim, index.numel == src.shape[d] else {
            if src.ndim == x.ndim || (ndim == 0 && source.ndim == 0) {
                throw TorchError("index_add_(): Number of indices (\(index.numel)) should be equal to source.size(dim): (\(src.shape[Swift.min(d, src.ndim - 1)])), for dim: \(ThreadState.userPosition(d))")
            }
            throw TorchError("index_add_(): source and self must have the same number of dimensions")
        }
        for j in 0..<x.ndim where j != d && src.shape[j] != x.shape[j] {
            throw TorchError("source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = \(Shapes.format(shape)) source.shape = \(Shapes.format(source.shape))")
        }
        let out = try x.materialized()
        for i in 0..<index.numel {
            let p = index.integerElement(i)
            guard let k = Tensor.wrapPosition(p, x.shape[d]) else {
                throw TorchError("index \(ThreadState.userPosition(Int(p))) is out of bounds for dimension \(ThreadState.userPosition(d)) with size \(x.shape[d])")
            }
            Tensor.accumulate(into: out.rawSelect(d, k), from: src.rawSelect(d, i))
        }
        return ndim == 0 ? out.raw([], []) : out
    }

    /// `into += from` element-wise (same shape and dtype), no graph.
    static func accumulate(into dst: Tensor, from src: Tensor) {
        dst.dtype.dispatch(Accumulate(into: dst, from: src))
    }

    private struct Accumulate: ElementDispatch {
        let into: Tensor, from: Tensor

        func callAsFunction<T: TensorElement>(_: T.Type) {
            let d = into.pointer(T.self), s = from.pointer(T.self)
            StridedLoop.run(into.shape, from.strides, into.strides) { a, b in d[b] = T.plus(d[b], s[a]) }
        }
    }

    /// Checks gather/scatter shapes: `index` has this tensor's ndim and fits inside it (and
    /// inside `source`) except along `d`.
    fileprivate func checkScatterShapes(_ d: Int, _ index: Tensor, source: Tensor?, op: String) throws {
        let x = atLeast1d, idx = index.atLeast1d
        guard idx.ndim == x.ndim else {
            throw TorchError("Index tensor must have the same number of dimensions as \(op == "gather" ? "input" : "self") tensor")
        }
        if let source {
            let src = source.atLeast1d
            guard src.ndim == x.ndim else {
                throw TorchError("Index tensor must have the same number of dimensions as src tensor")
            }
            for j in 0..<x.ndim where idx.shape[j] > src.shape[j] || (j != d && idx.shape[j] > x.shape[j]) {
                throw TorchError("Expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(shape)) apart from dimension \(ThreadState.userPosition(d)) and to be no larger size than src \(Shapes.format(source.shape))")
            }
        } else {
            for j in 0..<x.ndim where j != d && idx.shape[j] > x.shape[j] {
                if op == "gather" {
                    throw TorchError("Size does not match at dimension \(ThreadState.userPosition(j)) expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(shape)) apart from dimension \(ThreadState.userPosition(d))")
                }
                throw TorchError("Expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(shape)) apart from dimension \(ThreadState.userPosition(d))")
            }
        }
    }

    func gatherKernel(dim: Int, _ index: Tensor) throws -> Tensor {
        try Tensor.checkPositions(index, "gather")
        let d = try Shapes.wrapDim(dim, ndim)
        try checkScatterShapes(d, index, source: nil, op: "gather")
        let x = atLeast1d, idx = index.atLeast1d
        let out = try Tensor.empty(index.shape, dtype: dtype)
        let spots = PositionedElements(index: idx, dim: d, spread: x, compact: out.atLeast1d)
        try spots.check(dtype.dispatch(Gather(spots)))
        return out
    }

    /// `scatter` / `scatter_add`: a copy of this tensor with the elements of `source` (of this
    /// dtype), or `value`, written (or added) at the positions in `index` along `dim`.
    /// `inPlace` writes into this tensor itself instead, for a caller that just made it
    /// contiguous and holds it alone (`gatherBackward`'s zeros).
    func scatterKernel(dim: Int, _ index: Tensor, source: Tensor? = nil, value: Scalar = .int(0),
                       accumulate: Bool = false, name: String = "scatter", inPlace: Bool = false) throws -> Tensor {
        try Tensor.checkPositions(index, name)
        let d = try Shapes.wrapDim(dim, ndim)
        if let source, source.dtype != dtype { throw TorchError("\(name)(): Expected self.dtype to be equal to src.dtype") }
        try checkScatterShapes(d, index, source: source, op: name)
        let out = inPlace ? atLeast1d : try atLeast1d.materialized()
        let idx = index.atLeast1d
        let src: Tensor
        if let source {
            src = source.atLeast1d
        } else {
            // The value, broadcast to the index's shape.
            let v = try Tensor.empty([], dtype: dtype)
            v.setScalar(value)
            src = v.raw(idx.shape, [Int](repeating: 0, count: idx.ndim))
        }
        let spots = PositionedElements(index: idx, dim: d, spread: out, compact: src)
        try spots.check(dtype.dispatch(Scatter(spots, accumulate: accumulate)))
        return ndim == 0 ? out.raw([], []) : out
    }

    /// The gradient of `gather(dim, index)` for an input of shape `inputShape`, from this
    /// gradient of its result: zeros with the gradient added at `index`'s positions
    /// (`zeros.scatter_add(dim, index, grad)`, PyTorch's formula).
    ///
    /// Where no op is recorded, the gradient is added into the new zeros themselves: the
    /// out-of-place `scatter_add` ran through the op table and copied the zeros first.
    func gatherBackward(dim: Int, _ index: Tensor, inputShape: [Int]) throws -> Tensor {
        let zeros = try Tensor.zeros(inputShape, dtype: dtype)
        if Tensor.recordsOps(self, index) { return try zeros.scatterAdd(dim, index, self) }
        return try zeros.scatterKernel(dim: dim, index, source: self, accumulate: true, inPlace: true)
    }

    /// Writes a number into a one-element tensor, exactly for integers.
    func setScalar(_ s: Scalar) {
        switch s {
        case .int(let i): setInteger(0, i)
        case .double(let v): setElement(0, v)
        case .bool(let b): setElement(0, b ? 1 : 0)
        }
    }

    /// `x[key]` for a key of 1-based positions (Lua's), when the rows can be copied straight
    /// from them: a contiguous tensor of at least one dim, a contiguous 1-d int64 key, no op to
    /// record, and every position naming a row. Nil otherwise; the caller then converts the
    /// key to 0-based positions and calls `index(_:)`, whose checks word any error. Saves
    /// the converted key (a new int64 tensor per minibatch's `X[idx]`).
    public func index(oneBasedRows key: Tensor) throws -> Tensor? {
        guard key.dtype == .int64, key.ndim == 1, key.isContiguous, ndim > 0, isContiguous,
              !Tensor.recordsOps(self, key) else { return nil }
        return try rows(at: key, oneBased: true)
    }

    /// `x[key]`: rows at the positions of an int64 `key`, or the elements (or trailing blocks)
    /// where a bool `key` over the leading dims is true.
    func indexKernel(_ key: Tensor) throws -> Tensor {
        guard ndim > 0 else { throw TorchError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number") }
        switch key.dtype {
        case .int64:
            if isContiguous, key.isContiguous, key.ndim == 1, let out = try rows(at: key) { return out }
            // The rows `key` names, in `key`'s shape: read the positions straight from the key
            // (any layout) into one new tensor, with no copy or view of the key in between.
            return try gather(along: 0, at: positions(key, along: 0), shape: key.shape + shape.dropFirst())
        case .bool:
            guard key.ndim >= 1, key.ndim <= ndim else {
                throw TorchError("too many indices for tensor of dimension \(ndim) (got \(key.ndim))")
            }
            for j in 0..<key.ndim where key.shape[j] != shape[j] {
                throw TorchError("The shape of the mask \(Shapes.format(key.shape)) at index \(ThreadState.userPosition(j)) does not match the shape of the indexed tensor \(Shapes.format(shape)) at index \(ThreadState.userPosition(j))")
            }
            let rest = Array(shape[key.ndim...])
            let mask = key.raw(key.shape + [Int](repeating: 1, count: rest.count), key.strides + [Int](repeating: 0, count: rest.count))
            let flat = try maskedSelectKernel(mask)
            let result = [flat.numel / Swift.max(Shapes.numel(rest) ?? 1, 1)] + rest
            return flat.raw(result, Shapes.contiguousStrides(result), offset: 0)
        default:
            throw TorchError("tensors used as indices must be long, int, byte or bool tensors")
        }
    }
}

// MARK: - Gather and scatter loops

/// The elements gather reads and scatter writes: for each element of `index`, the element of
/// `spread` at that position along `dim` (the other coordinates the index element's own), and
/// the element of `compact` (index-shaped) at the index element's coordinates.
private struct PositionedElements {
    let index: Tensor, dim: Int, spread: Tensor, compact: Tensor

    /// Calls `body(compactOffset, spreadOffset)` for each element of `index`; returns the first
    /// position out of range (skipped), if any.
    @inline(__always)
    func forEach(_ body: (Int, Int) -> Void) -> Int64? {
        let positions = index.pointer(Int64.self)
        var spreadStrides = spread.strides
        spreadStrides[dim] = 0
        let stride = spread.strides[dim], size = spread.shape[dim]
        var bad: Int64? = nil
        StridedLoop.run(index.shape, index.strides, compact.strides, spreadStrides) { i, c, base in
            guard let k = Tensor.wrapPosition(positions[i], size) else {
                if bad == nil { bad = positions[i] }
                return
            }
            body(c, base + k * stride)
        }
        return bad
    }

    /// Throws PyTorch's error for the first position out of range, if there was one.
    func check(_ bad: Int64?) throws {
        guard let bad else { return }
        throw TorchError("index \(ThreadState.userPosition(Int(bad))) is out of bounds for dimension \(ThreadState.userPosition(dim)) with size \(spread.shape[dim])")
    }
}

/// `compact[j] = spread[at position]`.
private struct Gather: ElementDispatch {
    let spots: PositionedElements
    init(_ spots: PositionedElements) { self.spots = spots }

    func callAsFunction<T: TensorElement>(_: T.Type) -> Int64? {
        let from = spots.spread.pointer(T.self), to = spots.compact.pointer(T.self)
        return spots.forEach { c, s in to[c] = from[s] }
    }
}

/// `spread[at position] = compact[j]`, or `+=` when accumulating.
private struct Scatter: ElementDispatch {
    let spots: PositionedElements, accumulate: Bool
    init(_ spots: PositionedElements, accumulate: Bool) { self.spots = spots; self.accumulate = accumulate }

    func callAsFunction<T: TensorElement>(_: T.Type) -> Int64? {
        let from = spots.compact.pointer(T.self), to = spots.spread.pointer(T.self)
        return spots.forEach { c, s in to[s] = accumulate ? T.plus(to[s], from[c]) : from[c] }
    }
}
