/// The clamp kernel: bounds applied element-wise with broadcasting, NaN-propagating.
extension Tensor {
    /// Clamps to `low` and/or `high` (tensors, possibly wrapped numbers) in `dtype`, with
    /// broadcasting; a NaN input or bound gives NaN, and when min > max the result is max.
    static func clampKernel(_ x: Tensor, _ low: Tensor?, _ high: Tensor?, dtype: DType) throws -> Tensor {
        if let low, let high, let both = try clampBetweenNumbers(x, low, high, dtype: dtype) { return both }
        var result = try x.converted(to: dtype)
        if let low {
            result = try arithmetic(result, low, dtype: dtype, op: "clamp", ClampMinKernel())
        }
        if let high {
            result = try arithmetic(result, high, dtype: dtype, op: "clamp", ClampMaxKernel())
        }
        if result === x { result = try x.materialized() }
        return result
    }

    /// Both bounds of a contiguous float tensor at once when they are single values
    /// (`x:clamp(-1, 1)`): one pass and one new tensor where the two bounds one after the other
    /// made two, each element going through the same two steps (so the same values); nil
    /// for other operands.
    private static func clampBetweenNumbers(_ x: Tensor, _ low: Tensor, _ high: Tensor, dtype: DType) throws -> Tensor? {
        guard dtype.isFloatingPoint, x.dtype == dtype, x.isContiguous, low.numel == 1, high.numel == 1,
              low.ndim <= x.ndim, high.ndim <= x.ndim else { return nil }
        let out = try Tensor.empty(like: x, dtype: dtype)
        func run<T: FloatElement>(_: T.Type) throws {
            let l = T(converting: try low.converted(to: dtype).element(0)), h = T(converting: try high.converted(to: dtype).element(0))
            let px = x.pointer(T.self), po = out.pointer(T.self)
            Parallel.chunks(x.numel) { r in
                if T.self == Float.self, !l.isNaN, !h.isNaN {
                    clampFloats(UnsafeRawPointer(px + r.lowerBound).assumingMemoryBound(to: Float.self),
                                UnsafeMutableRawPointer(po + r.lowerBound).assumingMemoryBound(to: Float.self),
                                count: r.count, Float(l.doubleValue), Float(h.doubleValue))
                    return
                }
                for i in r { po[i] = ClampMaxKernel().float(ClampMinKernel().float(px[i], l), h) }
            }
        }
        if dtype == .float64 { try run(Double.self) } else { try run(Float.self) }
        return out
    }

    /// `min(max(x, low), high)` of `count` floats, eight at a time, for bounds that are not
    /// NaN: a NaN element fails both comparisons and stays itself, as in the kernels below.
    /// (The compiler's vector loop of those kernels ran about one cycle per element.)
    private static func clampFloats(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                    count: Int, _ low: Float, _ high: Float) {
        let lows = SIMD8<Float>(repeating: low), highs = SIMD8<Float>(repeating: high)
        var i = 0
        while i &+ 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            var r = v.replacing(with: lows, where: v .< lows)
            r.replace(with: highs, where: r .> highs)
            UnsafeMutableRawPointer(y + i).storeBytes(of: r, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            y[i] = ClampMaxKernel().float(ClampMinKernel().float(x[i], low), high)
            i &+= 1
        }
    }

    /// `x` raised to the bound `low`; a NaN input or bound gives NaN.
    struct ClampMinKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ low: T) -> T { x.isNaN ? x : (low.isNaN || x < low ? low : x) }
        func int(_ x: Int64, _ low: Int64) -> Int64 { Swift.max(x, low) }
        static var hasInt: Bool { true }
    }

    /// `x` lowered to the bound `high`; a NaN input or bound gives NaN.
    struct ClampMaxKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ high: T) -> T { x.isNaN ? x : (high.isNaN || x > high ? high : x) }
        func int(_ x: Int64, _ high: Int64) -> Int64 { Swift.min(x, high) }
        static var hasInt: Bool { true }
    }
}
