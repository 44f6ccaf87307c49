/// Element-wise kernels: type promotion, broadcasting, and the typed loops ops are built from.
extension Tensor {
    // MARK: - Type promotion

    /// The dtype of an op over `tensors`, as `torch.result_type` decides it: dimensioned tensors
    /// outrank 0-d tensors, which outrank wrapped numbers, unless a lower tier has a higher
    /// category (a float number with an int tensor gives the default float dtype).
    static func resultType(_ tensors: [Tensor]) -> DType {
        var dimensioned: DType?, zeroDim: DType?, wrapped: DType?
        for t in tensors {
            if t.isWrappedNumber {
                let d = DType.defaultFor(category: t.dtype.category)
                wrapped = wrapped.map { DType.promote($0, d) } ?? d
            } else if t.ndim == 0 {
                zeroDim = zeroDim.map { DType.promote($0, t.dtype) } ?? t.dtype
            } else {
                dimensioned = dimensioned.map { DType.promote($0, t.dtype) } ?? t.dtype
            }
        }
        return combine(dimensioned, combine(zeroDim, wrapped)) ?? .float32
    }

    private static func combine(_ higher: DType?, _ lower: DType?) -> DType? {
        guard let higher else { return lower }
        guard let lower else { return higher }
        if higher.isFloatingPoint { return higher }
        if higher == .bool || lower.isFloatingPoint { return DType.promote(higher, lower) }
        return higher
    }

    /// This tensor as `dtype`: itself when it already is, else a converted contiguous copy.
    func converted(to target: DType) throws -> Tensor {
        if dtype == target { return self }
        if isWrappedNumber && numel == 1 { return try wrappedConverted(to: target) }
        let out = try materialized(dtype: target)
        out.isWrappedNumber = isWrappedNumber
        return out
    }

    // MARK: - Typed loops

    /// `out[i] = f(a[i], b[i])` with broadcasting; `out` is contiguous with the broadcast shape.
    @inline(__always)
    static func zip<T: TensorElement, R: TensorElement>(
        _ a: Tensor, _ b: Tensor, into out: Tensor, _ f: (T, T) -> R
    ) {
        let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(R.self)
        let n = out.numel
        // A broadcast scalar (an expanded 0-d gradient) reads one element, like a real scalar.
        let aScalar = a.numel == 1 || a.isBroadcastScalar, bScalar = b.numel == 1 || b.isBroadcastScalar
        let aFull = a.numel == n && a.isContiguous, bFull = b.numel == n && b.isContiguous
        // Below the parallel threshold the loops are written out here, where `f` is inlined
        // and the loop vectorizes; above it each worker's chunk calls `f` indirectly.
        let serial = n < Parallel.threshold
        if aFull && bFull {
            if serial { for i in 0..<n { po[i] = f(pa[i], pb[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(pa[i], pb[i]) } } }
        } else if aFull && bScalar {
            let v = pb[0]
            if serial { for i in 0..<n { po[i] = f(pa[i], v) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(pa[i], v) } } }
        } else if bFull && aScalar {
            let v = pa[0]
            if serial { for i in 0..<n { po[i] = f(v, pb[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(v, pb[i]) } } }
        } else if aFull, b.isContiguous, b.numel > 0, isTrailingBlock(b.shape, of: out.shape) {
            // A row operand (a bias) repeating along the leading dims.
            let m = b.numel
            for row in 0..<(n / m) {
                let base = row * m
                for j in 0..<m { po[base + j] = f(pa[base + j], pb[j]) }
            }
        } else {
            let sa = Shapes.broadcastStrides(shape: a.shape, strides: a.strides, to: out.shape)
            let sb = Shapes.broadcastStrides(shape: b.shape, strides: b.strides, to: out.shape)
            var i = 0
            StridedLoop.run(out.shape, sa, sb) { ia, ib in
                po[i] = f(pa[ia], pb[ib])
                i &+= 1
            }
        }
    }

    /// Whether `shape` (leading 1s aside) is the trailing part of `target`: an operand that
    /// repeats as a whole block along the leading dims.
    static func isTrailingBlock(_ shape: [Int], of target: [Int]) -> Bool {
        let core = shape.drop(while: { $0 == 1 })
        return core.count <= target.count && target.suffix(core.count).elementsEqual(core)
    }

    /// `out[i] = f(a[i])`; `out` is contiguous with `a`'s shape.
    @inline(__always)
    static func map<T: TensorElement, R: TensorElement>(_ a: Tensor, into out: Tensor, _ f: (T) -> R) {
        let pa = a.pointer(T.self), po = out.pointer(R.self)
        let n = out.numel
        if a.isContiguous {
            if n < Parallel.threshold { for i in 0..<n { po[i] = f(pa[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(pa[i]) } } }
        } else {
            var i = 0
            StridedLoop.run(a.shape, a.strides, a.strides) { ia, _ in
                po[i] = f(pa[ia])
                i &+= 1
            }
        }
    }

    // MARK: - Op building blocks

    /// The output of a broadcasting op, reusing an operand's geometry when it has the result shape.
    @inline(__always)
    static func emptyResult(_ shape: [Int], _ dtype: DType, like x: Tensor, _ y: Tensor) throws -> Tensor {
        if x.shape == shape && x.isContiguous { return try empty(like: x, dtype: dtype) }
        if y.shape == shape && y.isContiguous { return try empty(like: y, dtype: dtype) }
        return try empty(shape, dtype: dtype)
    }

    /// A binary arithmetic op computed in the promoted dtype (or `dtype`, when given).
    @inline(__always)
    static func arithmetic(
        _ a: Tensor, _ b: Tensor, dtype forced: DType? = nil, op: String,
        float: (Float, Float) -> Float, double: (Double, Double) -> Double,
        int: ((Int64, Int64) -> Int64)?, bool: ((Bool, Bool) -> Bool)? = nil
    ) throws -> Tensor {
        let shape = try Shapes.broadcast(a.shape, b.shape)
        var dtype = forced ?? resultType([a, b])
        if dtype == .bool && bool == nil { dtype = .int64 }
        let x = try a.converted(to: dtype), y = try b.converted(to: dtype)
        let out = try emptyResult(shape, dtype, like: x, y)
        switch dtype {
        case .float32: zip(x, y, into: out, float)
        case .float64: zip(x, y, into: out, double)
        case .int64:
            guard let int else { throw TorchError("\"\(op)\" not implemented for 'Long'") }
            zip(x, y, into: out, int)
        case .bool:
            guard let bool else { throw TorchError("\"\(op)\" not implemented for 'Bool'") }
            zip(x, y, into: out, bool)
        }
        return out
    }

    /// A comparison, giving a bool tensor.
    @inline(__always)
    static func comparison(
        _ a: Tensor, _ b: Tensor,
        float: (Float, Float) -> Bool, double: (Double, Double) -> Bool, int: (Int64, Int64) -> Bool
    ) throws -> Tensor {
        let shape = try Shapes.broadcast(a.shape, b.shape)
        var dtype = resultType([a, b])
        if dtype == .bool { dtype = .int64 }
        let x = try a.converted(to: dtype), y = try b.converted(to: dtype)
        let out = try emptyResult(shape, .bool, like: x, y)
        switch dtype {
        case .float32: zip(x, y, into: out, float)
        case .float64: zip(x, y, into: out, double)
        default: zip(x, y, into: out, int)
        }
        return out
    }

    /// A floating-point function of one tensor; integer and bool inputs compute in float32.
    @inline(__always)
    static func floatUnary(_ a: Tensor, float: (Float) -> Float, double: (Double) -> Double) throws -> Tensor {
        let dtype: DType = a.dtype == .float64 ? .float64 : .float32
        let x = try a.converted(to: dtype)
        let out = try Tensor.empty(like: x, dtype: dtype)
        if dtype == .float64 { map(x, into: out, double) } else { map(x, into: out, float) }
        return out
    }

    /// A function of one tensor that keeps its dtype (`neg`, `abs`, `sign`).
    @inline(__always)
    static func sameTypeUnary(_ a: Tensor, op: String, float: (Float) -> Float, double: (Double) -> Double,
                              int: (Int64) -> Int64, bool: ((Bool) -> Bool)? = nil) throws -> Tensor {
        let out = try Tensor.empty(like: a, dtype: a.dtype)
        switch a.dtype {
        case .float32: map(a, into: out, float)
        case .float64: map(a, into: out, double)
        case .int64: map(a, into: out, int)
        case .bool:
            guard let bool else { throw TorchError(op == "neg" ? "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead." : "\"\(op)\" not implemented for 'Bool'") }
            map(a, into: out, bool)
        }
        return out
    }
}
