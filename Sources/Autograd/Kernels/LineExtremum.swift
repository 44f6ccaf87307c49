/// The first position of a contiguous float32 line's largest (or smallest) element, eight
/// lanes at a time.
///
/// The scalar loop of `extremum(along:)` compares and branches per element, a dependency
/// chain the compiler cannot vectorize: 2 ns per float for `argmax` of 256 lines of 1 024.
/// Here one pass keeps eight running extrema and a NaN flag in vectors, and a second finds
/// the first element equal to the extremum, which is the position the scalar loop gives (it
/// replaces its best only on a strict win, so ties keep the first). Zeros of either sign
/// compare equal, so the second pass takes the first of them, as the scalar loop does.
///
/// Float32 only, on concrete vector types: written generically over the element type, the
/// lane comparisons compiled to a loop over the lanes through the stack (slower than the
/// scalar loop).
enum LineExtremum {
    private typealias Floats = SIMD8<Float>

    /// The position of the first largest (`largest`) or smallest of the `n` (≥ 1) floats at
    /// `p`, or nil when the line holds a NaN (the caller then takes the first NaN).
    @inline(__always)
    static func first(_ p: UnsafePointer<Float>, _ n: Int, largest: Bool) -> Int? {
        var best = p[0]
        var i = 1
        if n >= 16 {
            var extreme = load(p), sawNaN = extreme .!= extreme
            i = 8
            while i &+ 8 <= n {
                let v = load(p + i)
                sawNaN .|= v .!= v
                extreme.replace(with: v, where: largest ? v .> extreme : v .< extreme)
                i &+= 8
            }
            if any(sawNaN) { return nil }
            best = largest ? extreme.max() : extreme.min()
        }
        // Selects, not branches: on a short line of random logits, a branch on each new best
        // was mispredicted about three times a line (most of 39 ns a line of 10).
        var sawNaN = false
        while i < n {
            let v = p[i]
            sawNaN = sawNaN || v.isNaN
            best = largest ? (v > best ? v : best) : (v < best ? v : best)
            i &+= 1
        }
        if sawNaN { return nil }
        if best.isNaN { return nil }
        var at = 0
        while p[at] != best { at &+= 1 }
        return at
    }

    /// The position of the first NaN among the `n` elements at `p` (one is there).
    static func firstNaN<T: TensorElement>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> Int {
        var at = 0
        while at < n - 1 && !p[at].isNaNValue { at &+= 1 }
        return at
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> Floats {
        UnsafeRawPointer(p).loadUnaligned(as: Floats.self)
    }
}
