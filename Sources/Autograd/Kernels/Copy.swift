/// Copying and converting between tensors of any layout and dtype.
extension Tensor {
    /// Writes `source` (broadcast to this shape, converted to this dtype) into this tensor's memory.
    /// Does not bump the version or record a graph: callers do what their op requires.
    func copyElements(from source: Tensor) throws {
        let target = try Shapes.broadcast(shape, source.shape)
        guard target == shape else {
            throw TorchError("output with shape \(Shapes.format(shape)) doesn't match the broadcast shape \(Shapes.format(target))")
        }
        let srcStrides = Shapes.broadcastStrides(shape: source.shape, strides: source.strides, to: shape)
        if source.dtype == dtype {
            dtype.dispatch(SameTypeCopy(source: source, strides: srcStrides, into: self))
        } else if source.dtype == .int64, dtype == .float32 {
            // int64 -> float must not round through Double twice; Float(Int64) rounds once.
            Tensor.copy(source, into: self, srcStrides, Int64ToFloat())
        } else {
            source.dtype.dispatch(ConvertingCopy(source: source, strides: srcStrides, into: self))
        }
    }

    private struct SameTypeCopy: ElementDispatch {
        let source: Tensor, strides: [Int], into: Tensor
        func callAsFunction<T: TensorElement>(_: T.Type) { Tensor.copy(source, into: into, strides, SameElement<T>()) }
    }

    /// The conversions from `S`, through Double or Int64 as PyTorch's casts behave.
    private struct ConvertingCopy: ElementDispatch {
        let source: Tensor, strides: [Int], into: Tensor

        func callAsFunction<S: TensorElement>(_: S.Type) {
            switch into.dtype {
            case .float32: Tensor.copy(source, into: into, strides, ToFloat<S>())
            case .float64: Tensor.copy(source, into: into, strides, ToDouble<S>())
            case .int64: Tensor.copy(source, into: into, strides, ToInt64<S>())
            case .bool: Tensor.copy(source, into: into, strides, ToBool<S>())
            }
        }
    }

    // MARK: - The loop

    /// Writes `source` through `convert` into `dest`: one loop specialised per dtype pair.
    ///
    /// A copy of `Parallel.threshold` elements or more is split over the worker pool like an
    /// element-wise op: a contiguous one in ranges, a strided one by blocks of its outermost
    /// dim. (At 2^15 floats a contiguous split gained 3.0 → 2.3 µs with the worker spinning
    /// but lost 3.1 → 4.0 µs in runs where it was not.) The conversion is a type, not a
    /// closure, so each part's loop has it inlined and vectorized (a closure captured by the
    /// part's closure was an out-of-line call per element: 0.8 ms of CPU for 2^18 floats,
    /// tenth round). 784 × 256 floats: 22.9–25.1 → 12.0–14.1 µs on two cores.
    @inline(__always)
    static func copy<C: ElementConversion>(_ source: Tensor, into dest: Tensor, _ srcStrides: [Int], _ convert: C) {
        let src = source.pointer(C.Source.self), dst = dest.pointer(C.Target.self)
        let n = dest.numel
        if source.numel == n && source.isContiguous && dest.isContiguous {
            if n < Parallel.threshold {
                for i in 0..<n { dst[i] = convert(src[i]) }
            } else {
                Parallel.chunks(n) { r in for i in r { dst[i] = convert(src[i]) } }
            }
        } else if source.numel == 1 && dest.isContiguous {
            let v = convert(src[0])
            for i in 0..<n { dst[i] = v }
        } else if copyTransposing(src, srcStrides, into: dst, dest, convert) {
            return
        } else if n >= Parallel.threshold && Parallel.workers > 1 && dest.ndim >= 2
                    && dest.shape[0] >= Parallel.workers && rowsAreDisjoint(dest) {
            // Blocks of the outermost dim, each through the strided loop. At 2^15 elements
            // a transposed source already gained (41 → 24 µs) but a slice of a wider matrix
            // lost (3.5 → 4.2 µs).
            let rows = dest.shape[0], srcRow = srcStrides[0], dstRow = dest.strides[0]
            let parts = min(rows, Parallel.workers * Parallel.partsPerWorker)
            Parallel.forEach(parts) { p in
                let lo = rows * p / parts, hi = rows * (p + 1) / parts
                var shape = dest.shape
                shape[0] = hi - lo
                let s0 = src + lo &* srcRow, d0 = dst + lo &* dstRow
                StridedLoop.run(shape, srcStrides, dest.strides) { s, d in d0[d] = convert(s0[s]) }
            }
        } else {
            StridedLoop.run(dest.shape, srcStrides, dest.strides) { s, d in dst[d] = convert(src[s]) }
        }
    }

    /// Copies matrices between row-major and column-major layouts (`x:t():contiguous()`,
    /// `y:t():copy_(x)`, `x:transpose(2, 3):contiguous()` of a batch) tile by tile; false,
    /// copying nothing, for other layouts. (Destinations never overlap themselves: `copy_`
    /// refuses those.)
    ///
    /// Why tiles: element by element, one side of a transpose steps a whole row of the other
    /// per element, so every element touched a new cache line, and with rows of 8 KB (2048
    /// floats) a new page too, in the same few cache sets: a 2048² `x:t():contiguous()` took
    /// 16.5–19.1 ms against PyTorch's 5.0–5.6. A 32 × 32 tile reads 64 lines of one side and
    /// writes 64 of the other, all of them in L1 until the tile is done. Tiles go to the pool
    /// by bands of 32 rows of one matrix, which never share an element.
    @inline(__always)
    private static func copyTransposing<C: ElementConversion>(
        _ src: UnsafeMutablePointer<C.Source>, _ srcStrides: [Int],
        into dst: UnsafeMutablePointer<C.Target>, _ dest: Tensor, _ convert: C) -> Bool {
        let last = dest.ndim &- 1
        guard last >= 1 else { return false }
        let rows = dest.shape[last &- 1], cols = dest.shape[last]
        let (d0, d1, s0, s1) = (dest.strides[last &- 1], dest.strides[last], srcStrides[last &- 1], srcStrides[last])
        // The destination walks its rows (d1 = 1) where the source walks its columns (s0 = 1),
        // or the other way round.
        let rowsContiguous = d1 == 1 && s0 == 1
        guard rowsContiguous || (d0 == 1 && s1 == 1), rows >= tile, cols >= tile else { return false }
        // A tile's side that steps through memory by a multiple of 4 KiB puts its lines in a
        // few L1 sets: 32 of them evict each other (8 ways), and every element was a miss
        // (`x:t():contiguous()` of 256 × 1024 floats took five times as long as of
        // 1024 × 256). Such a side is 8 elements long instead.
        let sourceBytes = MemoryLayout<C.Source>.stride, targetBytes = MemoryLayout<C.Target>.stride
        let (iBytes, jBytes) = rowsContiguous ? (d0 &* targetBytes, s1 &* sourceBytes) : (s0 &* sourceBytes, d1 &* targetBytes)
        let iTile = iBytes % 4096 == 0 ? 8 : tile, jTile = jBytes % 4096 == 0 ? 8 : tile
        let bands = (rows &+ iTile &- 1) / iTile
        let matrices = dest.numel / (rows &* cols)
        func copyBand(_ part: Int) {
            // The matrix's first element on both sides, from its index over the leading dims.
            var rest = part / bands, dOffset = 0, sOffset = 0
            for d in stride(from: last &- 2, through: 0, by: -1) {
                let size = dest.shape[d], index = rest % size
                rest /= size
                dOffset &+= index &* dest.strides[d]
                sOffset &+= index &* srcStrides[d]
            }
            let dm = dst + dOffset, sm = src + sOffset
            let i0 = (part % bands) &* iTile, i1 = min(i0 &+ iTile, rows)
            for j0 in stride(from: 0, to: cols, by: jTile) {
                let j1 = min(j0 &+ jTile, cols)
                if rowsContiguous {
                    for i in i0..<i1 {
                        let d = dm + i &* d0
                        for j in j0..<j1 { d[j] = convert(sm[i &+ j &* s1]) }
                    }
                } else {
                    for j in j0..<j1 {
                        let d = dm + j &* d1
                        for i in i0..<i1 { d[i] = convert(sm[i &* s0 &+ j]) }
                    }
                }
            }
        }
        let parts = matrices &* bands
        if dest.numel >= Parallel.threshold && Parallel.workers > 1 && parts <= WorkerPool.maxParts {
            Parallel.forEach(parts) { copyBand($0) }
        } else {
            for part in 0..<parts { copyBand(part) }
        }
        return true
    }

    /// The side of `copyTransposing`'s square tiles, in elements.
    private static let tile = 32

    /// Whether each index of `t`'s outermost dim owns memory no other index touches (its
    /// stride steps past the whole extent of one row), so blocks of rows can be written at
    /// once. A destination written through its other dims (`x:t()`) stays on one thread.
    private static func rowsAreDisjoint(_ t: Tensor) -> Bool {
        var extent = 1
        for d in 1..<t.ndim { extent &+= (t.shape[d] &- 1) &* Swift.abs(t.strides[d]) }
        return Swift.abs(t.strides[0]) >= extent
    }

    // MARK: - Materializing

    /// A new contiguous tensor with the same values (and dtype `dtype`, if given), no graph.
    func materialized(dtype target: DType? = nil) throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: target ?? dtype)
        try out.copyElements(from: self)
        return out
    }

    /// A contiguous copy: recorded as `clone` when `keepGraph`, else a plain copy.
    func contiguousClone(keepGraph: Bool) throws -> Tensor {
        keepGraph ? try clone(contiguous: true) : try materialized()
    }

    /// A copy with this tensor's strides when its elements fill one block densely (a
    /// transpose or permutation of a contiguous tensor, and the strides of its size-1 dims
    /// too), else a contiguous copy: PyTorch's `clone()` (`memory_format=torch.preserve_format`).
    func cloneKeepingLayout() throws -> Tensor {
        guard numel > 0, isNonOverlappingAndDense, strides != Shapes.contiguousStrides(shape) else {
            return try materialized()
        }
        // Dense and non-overlapping: the elements span exactly `numel` slots from offset 0.
        let out = Tensor(storage: try Storage.make(count: numel, dtype: dtype), shape: shape, strides: strides,
                         offset: 0, dtype: dtype, contiguous: isContiguous)
        try out.copyElements(from: self)
        return out
    }
}

// MARK: - Conversions

/// How one element converts to another dtype, as a type rather than a closure, so that every
/// copy loop (the parallel parts' included) is specialised with it inlined, as `ZipFunction`
/// does for element-wise ops.
protocol ElementConversion {
    associatedtype Source: TensorElement
    associatedtype Target: TensorElement
    func callAsFunction(_ x: Source) -> Target
}

/// The same dtype: the value as it is.
struct SameElement<T: TensorElement>: ElementConversion {
    @inline(__always) func callAsFunction(_ x: T) -> T { x }
}

/// int64 to float32, rounded once (`Float(Int64)`), not through Double.
struct Int64ToFloat: ElementConversion {
    @inline(__always) func callAsFunction(_ x: Int64) -> Float { Float(x) }
}

/// Any dtype to float32, through Double (which holds every source exactly but int64, for
/// which `Int64ToFloat` rounds once).
struct ToFloat<S: TensorElement>: ElementConversion {
    @inline(__always) func callAsFunction(_ x: S) -> Float { Float(x.doubleValue) }
}

/// Any dtype to float64.
struct ToDouble<S: TensorElement>: ElementConversion {
    @inline(__always) func callAsFunction(_ x: S) -> Double { x.doubleValue }
}

/// Any dtype to int64: truncation toward zero, saturating (`int64Value`).
struct ToInt64<S: TensorElement>: ElementConversion {
    @inline(__always) func callAsFunction(_ x: S) -> Int64 { x.int64Value }
}

/// Any dtype to bool: nonzero is true.
struct ToBool<S: TensorElement>: ElementConversion {
    @inline(__always) func callAsFunction(_ x: S) -> Bool { x.doubleValue != 0 }
}
