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
}
