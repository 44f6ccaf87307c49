/// The array loop of the eight-lane float kernels (`ExpFloat`, `TanhFloat`, `ErfFloat` and
/// GELU's forms).
enum EightLanes {
    /// `y[i] = lanes(x)[i]` for `i` in `0..<count`: eight at a time, the last few through a
    /// vector padded with copies of the first of them (values the function takes anyway, so a
    /// padded lane costs no special case). `x` and `y` may be the same memory.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                    _ lanes: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i &+ 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: lanes(v), as: SIMD8<Float>.self)
            i &+= 8
        }
        guard i < count else { return }
        var v = SIMD8<Float>(repeating: x[i])
        for j in 1..<(count &- i) { v[j] = x[i &+ j] }
        let r = lanes(v)
        for j in 0..<(count &- i) { y[i &+ j] = r[j] }
    }

    // MARK: - Masks

    /// Whether every lane of `mask` is set. (The standard library's `all` and `any` were a
    /// call per vector to a `max` or `min` over the lanes: 19% of GELU's time.)
    @inline(__always)
    static func all(_ mask: SIMDMask<SIMD8<Int32>>) -> Bool {
        let lanes = unsafeBitCast(mask, to: SIMD8<Int32>.self)
        let four = lanes.lowHalf & lanes.highHalf, two = four.lowHalf & four.highHalf
        return two[0] & two[1] != 0
    }

    /// Whether any lane of `mask` is set.
    @inline(__always)
    static func any(_ mask: SIMDMask<SIMD8<Int32>>) -> Bool {
        let lanes = unsafeBitCast(mask, to: SIMD8<Int32>.self)
        let four = lanes.lowHalf | lanes.highHalf, two = four.lowHalf | four.highHalf
        return two[0] | two[1] != 0
    }

    // MARK: - Widths

    /// The lanes as doubles. (`SIMD8<Double>(x)`, the standard library's generic conversion,
    /// was left a call per vector: 10% of an `exp`'s samples.)
    @inline(__always)
    static func widened(_ x: SIMD8<Float>) -> SIMD8<Double> {
        var d = SIMD8<Double>()
        for i in 0..<8 { d[i] = Double(x[i]) }
        return d
    }

    /// The lanes rounded to floats.
    @inline(__always)
    static func narrowed(_ x: SIMD8<Double>) -> SIMD8<Float> {
        var f = SIMD8<Float>()
        for i in 0..<8 { f[i] = Float(x[i]) }
        return f
    }
}

/// An eight-lane float function with the bits of its scalar C library twin, applied to
/// arrays (`ExpFloat.Exponential`, `ExpFloat.Sigmoid`, `TanhFloat`, `LogFloat`, `SinCosFloat.Sine`
/// and `.Cosine`).
protocol FloatLanes {
    /// `y[i] = f(x[i])` for `i` in `0..<count`; `x` and `y` may be the same memory.
    static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)
}

extension Tensor {
    /// `F.apply` element by element for a float32 `x` (a large strided one through a
    /// contiguous copy, `denseOperand`), as a new tensor split across the pool like any
    /// element-wise op, with the bits of the scalar loop; nil for other tensors. (Generic over
    /// the function's type, not a closure, so each kernel is specialized and its lanes inlined.)
    static func contiguousFloatLanes<F: FloatLanes>(_ x: Tensor, _: F.Type) throws -> Tensor? {
        guard x.dtype == .float32 else { return nil }
        let x = denseOperand(x, covering: x.numel)
        guard x.isContiguous else { return nil }
        let out = try Tensor.empty(x.shape, dtype: .float32)
        let px = x.pointer(Float.self), po = out.pointer(Float.self)
        Parallel.chunks(x.numel) { range in
            F.apply(px + range.lowerBound, into: po + range.lowerBound, count: range.count)
        }
        return out
    }
}
