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
