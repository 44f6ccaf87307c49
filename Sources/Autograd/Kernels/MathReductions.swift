#if canImport(Glibc)
import Glibc
#endif

/// Reduction kernels of the math family: products, variance, extrema and their positions,
/// log-sum-exp and truth tests, over everything or over dims.
extension Tensor {
    /// The product over `dims`, in this tensor's dtype (floats accumulate in double precision).
    func prodKernel(dims: [Int], keepdim: Bool) throws -> Tensor {
        switch dtype {
        case .float32:
            return try reduce(dims: dims, keepdim: keepdim, as: Float.self, into: .float32, initial: 1.0,
                              combine: { $0 * Double($1) }, finish: { (acc: Double, _: Int) -> Float in Float(acc) })
        case .float64:
            return try reduce(dims: dims, keepdim: keepdim, as: Double.self, into: .float64, initial: 1.0,
                              combine: { $0 * $1 }, finish: { (acc: Double, _: Int) -> Double in acc })
        case .int64:
            return try reduce(dims: dims, keepdim: keepdim, as: Int64.self, into: .int64, initial: Int64(1),
                              combine: { $0 &* $1 }, finish: { (acc: Int64, _: Int) -> Int64 in acc })
        case .bool:
            return try converted(to: .int64).prodKernel(dims: dims, keepdim: keepdim)
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
        typealias Welford = (n: Double, mean: Double, m2: Double)
        let start: Welford = (0, 0, 0)
        @inline(__always) func step(_ a: Welford, _ v: Double) -> Welford {
            let n = a.n + 1, delta = v - a.mean, mean = a.mean + delta / n
            return (n, mean, a.m2 + delta * (v - mean))
        }
        @inline(__always) func finish(_ a: Welford) -> Double {
            let v = a.m2 / divisor
            return root ? v.squareRoot() : v
        }
        if dtype == .float64 {
            return try reduce(dims: dims, keepdim: keepdim, as: Double.self, into: .float64, initial: start,
                              combine: { step($0, $1) }, finish: { (a: Welford, _: Int) -> Double in finish(a) })
        }
        return try reduce(dims: dims, keepdim: keepdim, as: Float.self, into: .float32, initial: start,
                          combine: { step($0, Double($1)) }, finish: { (a: Welford, _: Int) -> Float in Float(finish(a)) })
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
        func run<T: SortKeyElement>(_: T.Type) throws -> Tensor {
            try reduce(dims: dims, keepdim: keepdim, as: T.self, into: dtype, initial: T?.none,
                       combine: { acc, v in
                           guard let a = acc, !a.isNaNValue else { return acc ?? v }
                           if v.isNaNValue { return v }
                           return (largest ? T.precedes(a, v) : T.precedes(v, a)) ? v : a
                       },
                       finish: { (acc: T?, _: Int) -> T in acc ?? T(converting: 0.0) })
        }
        switch dtype {
        case .float32: return try run(Float.self)
        case .float64: return try run(Double.self)
        case .int64: return try run(Int64.self)
        case .bool: return try run(Bool.self)
        }
    }

    /// The first position (row-major) of the largest (or smallest) element, NaN first.
    func argExtremumFlat(largest: Bool, name: String) throws -> Tensor {
        guard numel > 0 else {
            throw TorchError("\(name)(): Expected reduction dim to be specified for input.numel() == 0.")
        }
        func run<T: SortKeyElement>(_: T.Type) -> Int64 {
            let p = pointer(T.self)
            var best = p[0], bestIndex = 0, i = 0
            StridedLoop.run(shape, strides, strides) { offset, _ in
                let v = p[offset]
                if !best.isNaNValue && (v.isNaNValue || (largest ? T.precedes(best, v) : T.precedes(v, best))) {
                    best = v
                    bestIndex = i
                }
                i &+= 1
            }
            return Int64(bestIndex)
        }
        let position: Int64
        switch dtype {
        case .float32: position = run(Float.self)
        case .float64: position = run(Double.self)
        case .int64: position = run(Int64.self)
        case .bool: position = run(Bool.self)
        }
        let out = try Tensor.empty([], dtype: .int64)
        out.pointer(Int64.self).pointee = position
        return out
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
        let kept = x.contiguousStrides(dropping: d, size: 1).kept
        let step = x.strides[d]
        let pi = indices.pointer(Int64.self)
        func run<T: SortKeyElement>(_: T.Type) {
            let p = x.pointer(T.self), pv = values.pointer(T.self)
            x.forEachLine(along: d, outStrides: kept) { base, o in
                var best = p[base], bestIndex = 0
                if !best.isNaNValue {
                    for i in 1..<size {
                        let v = p[base + i * step]
                        if v.isNaNValue || (largest ? T.precedes(best, v) : T.precedes(v, best)) {
                            best = v
                            bestIndex = i
                            if v.isNaNValue { break }
                        }
                    }
                }
                if wantValues { pv[o] = best }
                pi[o] = Int64(bestIndex)
            }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int64: run(Int64.self)
        case .bool: run(Bool.self)
        }
        return (values, indices)
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
    func mapFloats<K: UnaryKernel>(_ kernel: K) throws -> Tensor {
        switch dtype {
        case .float32: Tensor.map(self, into: self, UnaryFloat<K, Float>(kernel: kernel))
        case .float64: Tensor.map(self, into: self, UnaryFloat<K, Double>(kernel: kernel))
        default: break
        }
        return self
    }

    /// Infinities become 0 (logsumexp's shift), other values stay.
    struct FiniteOrZeroKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x.isInfinite ? 0 : x }
    }

    /// all/any over `dims`.
    func truthKernel(dims: [Int], keepdim: Bool, every: Bool) throws -> Tensor {
        func run<T: TensorElement>(_: T.Type) throws -> Tensor {
            try reduce(dims: dims, keepdim: keepdim, as: T.self, into: .bool, initial: every,
                       combine: { acc, v in every ? (acc && v.doubleValue != 0) : (acc || v.doubleValue != 0) },
                       finish: { (acc: Bool, _: Int) -> Bool in acc })
        }
        switch dtype {
        case .float32: return try run(Float.self)
        case .float64: return try run(Double.self)
        case .int64: return try run(Int64.self)
        case .bool: return try run(Bool.self)
        }
    }
}
