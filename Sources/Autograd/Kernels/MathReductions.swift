#if canImport(Glibc)
import Glibc
#endif

/// Reduction kernels of the math family: products, variance, extrema and their positions,
/// log-sum-exp and truth tests, over everything or over dims.
extension Tensor {
    /// The product over `dims`, in this tensor's dtype (floats accumulate in double precision).
    func prodKernel(dims: [Int], keepdim: Bool) throws -> Tensor {
        switch dtype {
        case .float32, .float64:
            return try dtype.dispatchFloat(FloatProduct(source: self, dims: dims, keepdim: keepdim), op: "prod")
        case .int64:
            return try reduce(dims: dims, keepdim: keepdim, as: Int64.self, into: .int64, initial: Int64(1),
                              combine: { $0 &* $1 }, finish: { (acc: Int64, _: Int) -> Int64 in acc })
        case .bool:
            return try converted(to: .int64).prodKernel(dims: dims, keepdim: keepdim)
        }
    }

    private struct FloatProduct: FloatDispatch {
        let source: Tensor, dims: [Int], keepdim: Bool

        func callAsFunction<T: FloatElement>(_: T.Type) throws -> Tensor {
            try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: 1.0,
                              combine: { $0 * Double($1) }, finish: { (acc: Double, _: Int) -> T in T(acc) })
        }
    }

    /// var/std over `given` dims, all when nil (Welford's algorithm in double precision).
    func varianceKernel(dims given: [Int]?, keepdim: Bool, correction: Double, name: String, root: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("std and var only support floating point and complex dtypes")
        }
        let dims = try reductionDims(given)
        let keepdim = given == nil ? false : keepdim
        let count = dims.reduce(1) { $0 * (ndim == 0 ? 1 : shape[$1]) }
        if Double(count) - correction <= 0 {
            ThreadState.current.warnOnce("\(name)(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor (input numel divided by output numel).")
        }
        let divisor = Swift.max(0, Double(count) - correction)
        return try dtype.dispatchFloat(Variance(source: self, dims: dims, keepdim: keepdim, divisor: divisor, root: root),
                                       op: name)
    }

    /// Welford's algorithm, in double precision.
    private struct Variance: FloatDispatch {
        let source: Tensor, dims: [Int], keepdim: Bool, divisor: Double, root: Bool

        func callAsFunction<T: FloatElement>(_: T.Type) throws -> Tensor {
            try source.foldLines(dims: dims, keepdim: keepdim, into: T.dtype,
                                 Welford<T>(divisor: divisor, root: root))
        }
    }

    /// One line's var (or std) by Welford's algorithm in double, as PyTorch's `WelfordOps`
    /// (ReduceOpsKernel.cpp's `std_var_kernel_impl`) updates it for float and double input.
    private struct Welford<T: FloatElement>: LineFold {
        let divisor: Double, root: Bool

        @inline(__always)
        func callAsFunction(_ count: Int, _ element: (Int) -> T) -> T {
            var n = 0.0, mean = 0.0, m2 = 0.0
            for i in 0..<count {
                let v = Double(element(i))
                n += 1
                let delta = v - mean
                mean += delta / n
                m2 += delta * (v - mean)
            }
            let v = m2 / divisor
            return T(root ? v.squareRoot() : v)
        }
    }

    /// The message for an extremum of an empty tensor with no dim.
    private static func emptyReductionError(_ name: String) -> TorchError {
        TorchError("\(name)(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
    }

    /// The largest (or smallest) element as a 0-d tensor; NaN if there is one.
    func extremumAll(largest: Bool, name: String) throws -> Tensor {
        guard numel > 0 else { throw Tensor.emptyReductionError(name) }
        return try extremum(overDims: Array(0..<ndim), largest: largest, keepdim: false, name: name, dimsGiven: false)
    }

    /// The largest (or smallest) values over `dims` (NaN propagates); `dimsGiven` tells
    /// whether the caller named the dims (which changes PyTorch's message for empty input).
    func extremum(overDims dims: [Int], largest: Bool, keepdim: Bool, name: String, dimsGiven: Bool = true) throws -> Tensor {
        if numel == 0 {
            if !dimsGiven || ndim == 0 { throw Tensor.emptyReductionError(name) }
            for d in dims where shape[d] == 0 {
                throw TorchError("\(name)(): Expected reduction dim \(ThreadState.userPosition(d)) to have non-zero size.")
            }
        }
        return try dtype.dispatch(ExtremumOverDims(source: self, dims: dims, keepdim: keepdim, largest: largest))
    }

    private struct ExtremumOverDims: ElementDispatch {
        let source: Tensor, dims: [Int], keepdim: Bool, largest: Bool

        func callAsFunction<T: TensorElement>(_: T.Type) throws -> Tensor {
            try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: T?.none,
                              combine: { acc, v in
                                  guard let a = acc, !a.isNaNValue else { return acc ?? v }
                                  if v.isNaNValue { return v }
                                  return Tensor.beats(v, a, largest: largest) ? v : a
                              },
                              finish: { (acc: T?, _: Int) -> T in acc ?? T(converting: 0.0) })
        }
    }

    /// Whether `v` replaces `best` as the largest (or smallest) so far; NaN is handled by callers.
    @inline(__always)
    private static func beats<T: TensorElement>(_ v: T, _ best: T, largest: Bool) -> Bool {
        largest ? T.precedes(best, v) : T.precedes(v, best)
    }

    /// The first position (row-major) of the largest (or smallest) element, NaN first.
    func argExtremumFlat(largest: Bool, name: String) throws -> Tensor {
        guard numel > 0 else {
            throw TorchError("\(name)(): Expected reduction dim to be specified for input.numel() == 0.")
        }
        let out = try Tensor.empty([], dtype: .int64)
        out.pointer(Int64.self).pointee = dtype.dispatch(FirstExtremumPosition(source: self, largest: largest))
        return out
    }

    private struct FirstExtremumPosition: ElementDispatch {
        let source: Tensor, largest: Bool

        func callAsFunction<T: TensorElement>(_: T.Type) -> Int64 {
            let p = source.pointer(T.self)
            var best = p[0], bestIndex = 0, i = 0
            StridedLoop.run(source.shape, source.strides, source.strides) { offset, _ in
                let v = p[offset]
                if !best.isNaNValue && (v.isNaNValue || Tensor.beats(v, best, largest: largest)) {
                    best = v
                    bestIndex = i
                }
                i &+= 1
            }
            return Int64(bestIndex)
        }
    }

    /// The largest (or smallest) values along `dim` and their 0-based positions (the first on
    /// ties; a NaN wins and the first NaN is taken), as PyTorch's max/min/argmax kernels.
    func extremum(along dim: Int, largest: Bool, keepdim: Bool, name: String,
                  values wantValues: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shapes.wrapDim(dim, ndim)
        let x = atLeastOneDim
        let size = x.shape[d]
        guard size > 0 else {
            throw TorchError("\(name)(): Expected reduction dim \(ThreadState.userPosition(d)) to have non-zero size.")
        }
        var outShape = shape
        if ndim > 0 { if keepdim { outShape[d] = 1 } else { outShape.remove(at: d) } }
        let values = try Tensor.empty(wantValues ? outShape : [0], dtype: dtype)
        let indices = try Tensor.empty(outShape, dtype: .int64)
        dtype.dispatch(ExtremaAlongDim(source: x, dim: d, largest: largest, values: wantValues ? values : nil,
                                       indices: indices))
        return (values, indices)
    }

    private struct ExtremaAlongDim: ElementDispatch {
        /// At least 1-d, with a nonempty `dim`.
        let source: Tensor, dim: Int, largest: Bool, values: Tensor?, indices: Tensor

        func callAsFunction<T: TensorElement>(_: T.Type) {
            let kept = source.contiguousStrides(dropping: dim, size: 1).kept
            let size = source.shape[dim], step = source.strides[dim]
            let p = source.pointer(T.self), pv = values?.pointer(T.self), pi = indices.pointer(Int64.self)
            if source.isContiguous, dim == source.ndim - 1, T.self == Float.self {
                // Lines side by side (`logits:argmax(2)`): each line's extremum in vectors,
                // then its first position, lines split over the pool from 2^14 floats (about
                // a nanosecond each, where element-wise work waits for 2^16).
                let largest = largest
                Parallel.lines(source.numel / size, length: size, minimum: 1 << 14) { lines in
                    for line in lines {
                        let base = line &* size
                        let start = UnsafeRawPointer(p + base).assumingMemoryBound(to: Float.self)
                        let found = LineExtremum.first(start, size, largest: largest)
                        let at = found ?? LineExtremum.firstNaN(p + base, size)
                        pv?[line] = p[base &+ at]
                        pi[line] = Int64(at)
                    }
                }
                return
            }
            if source.isContiguous, dim < source.ndim - 1, T.self == Float.self, source.numel > 0,
               size <= Int(Int32.max) {
                // Columns side by side (`x:max(1)`): blocks of 256 columns of one outer slice
                // split over the pool; each output comes from one block, so no bits move.
                let inner = source.shape[(dim + 1)...].reduce(1, *), outer = source.numel / (size &* inner)
                let block = 256
                let blocks = (inner + block - 1) / block, largest = largest
                let floats = UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
                let floatValues = pv.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) }
                Parallel.lines(outer &* blocks, elements: source.numel) { parts in
                    for part in parts {
                        let o = part / blocks, first = (part % blocks) &* block
                        let out = o &* inner &+ first
                        LineExtremum.columns(floats + (o &* size &* inner &+ first), rows: size, stride: inner,
                                             columns: min(block, inner &- first), largest: largest,
                                             values: floatValues.map { $0 + out }, indices: pi + out)
                    }
                }
                return
            }
            source.forEachLine(along: dim, outStrides: kept) { base, o in
                var best = p[base], bestIndex = 0
                if !best.isNaNValue {
                    for i in 1..<size {
                        let v = p[base + i * step]
                        if v.isNaNValue || Tensor.beats(v, best, largest: largest) {
                            best = v
                            bestIndex = i
                            if v.isNaNValue { break }
                        }
                    }
                }
                pv?[o] = best
                pi[o] = Int64(bestIndex)
            }
        }
    }

    /// log(sum(exp(x))) over `dims`, shifted by the maximum (as PyTorch's logsumexp).
    func logsumexpKernel(dims: [Int], keepdim: Bool) throws -> Tensor {
        if numel == 0 {
            return try sumKernel(dims: dims, keepdim: keepdim, dtype: dtype)
                .mapFloats(Ops.LogKernel())
        }
        // The maxima with infinities replaced by 0, so that all--inf or +inf slices stay exact.
        let maxima = try extremum(overDims: dims, largest: true, keepdim: true, name: "logsumexp")
            .mapFloats(FiniteOrZeroKernel())
        // Inputs are floats (logsumexp converts integers first).
        let shifted = try Tensor.arithmetic(self, maxima, op: "sub", Ops.SubKernel()).mapFloats(Ops.ExpKernel())
        let sums = try shifted.sumKernel(dims: dims, keepdim: true, dtype: dtype)
            .mapFloats(Ops.LogKernel())
        let result = try Tensor.arithmetic(sums, maxima, op: "add", Ops.AddKernel())
        if keepdim || ndim == 0 { return result }
        var outShape: [Int] = []
        for (i, size) in shape.enumerated() where !dims.contains(i) { outShape.append(size) }
        return try result.reshapedView(outShape)
    }

    /// A float function applied to every element, in place on this fresh tensor.
    private func mapFloats<K: UnaryKernel>(_ kernel: K) throws -> Tensor {
        try dtype.dispatchFloat(MapFloats(tensor: self, kernel: kernel), op: "logsumexp")
        return self
    }

    private struct MapFloats<K: UnaryKernel>: FloatDispatch {
        let tensor: Tensor, kernel: K

        func callAsFunction<T: FloatElement>(_: T.Type) {
            Tensor.map(tensor, into: tensor, UnaryFloat<K, T>(kernel: kernel))
        }
    }

    /// Infinities become 0 (logsumexp's shift), other values stay.
    struct FiniteOrZeroKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x.isInfinite ? 0 : x }
    }

    /// all/any over `dims`.
    func truthKernel(dims: [Int], keepdim: Bool, every: Bool) throws -> Tensor {
        try dtype.dispatch(Truth(source: self, dims: dims, keepdim: keepdim, every: every))
    }

    private struct Truth: ElementDispatch {
        let source: Tensor, dims: [Int], keepdim: Bool, every: Bool

        func callAsFunction<T: TensorElement>(_: T.Type) throws -> Tensor {
            try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: .bool, initial: every,
                              combine: { acc, v in every ? (acc && v.doubleValue != 0) : (acc || v.doubleValue != 0) },
                              finish: { (acc: Bool, _: Int) -> Bool in acc })
        }
    }
}
