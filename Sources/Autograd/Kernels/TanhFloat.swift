#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `tanhf`, eight floats at a time, bit for bit.
///
/// Why glibc's bits: every float32 `tanh` here has always been glibc's (as `exp` has been its
/// `expf`, `ExpFloat`), so printed results, gradients and the tests' PyTorch fixtures stay
/// exactly as they were, and a tensor's tail or a strided view (the scalar loop) rounds as its
/// vectors do. glibc 2.36's `tanhf` is Sun's (`sysdeps/ieee754/flt-32/s_tanhf.c`) over Sun's
/// `expm1f` (`s_expm1f.c`), both plain float arithmetic with no fused multiply-add in the
/// x86-64 build (read from its machine code): below, the same operations in the same order on
/// eight lanes, each branch computed for every lane and the lane's own kept. Checked against
/// `tanhf` on all 2^32 floats (0 differ).
///
/// Speed, per float on one Zen 3 core with the data in cache: `tanhf` 17 ns (a call, then
/// `expm1f`'s branches), eight lanes 3.7 ns (two divisions and ~200 instructions a vector).
enum TanhFloat: FloatLanes {
    typealias Floats = SIMD8<Float>
    typealias Words = SIMD8<UInt32>
    typealias Ints = SIMD8<Int32>

    // MARK: - Sun's constants (s_expm1f.c)

    private static let ln2Hi = Float(bitPattern: 0x3f31_7180)
    private static let ln2Lo = Float(bitPattern: 0x3717_f7d1)
    private static let invLn2 = Float(bitPattern: 0x3fb8_aa3b)
    /// The scaled coefficients of `expm1f`'s rational approximation on [-ln2/2, ln2/2].
    private static let q1 = Float(bitPattern: 0xbd08_8889)
    private static let q2 = Float(bitPattern: 0x3ad0_0d01)
    private static let q3 = Float(bitPattern: 0xb8a6_70cd)
    private static let q4 = Float(bitPattern: 0x3686_7e54)
    private static let q5 = Float(bitPattern: 0xb457_edbb)

    // MARK: - Eight lanes

    // Every test of a lane below compares floats, never integers: Swift's comparisons of
    // integer vectors (`SIMD8<UInt32> .< SIMD8<UInt32>`) compiled to a loop over the lanes,
    // which made the first version 95 ns per float, ten times `tanhf` itself. For floats that
    // are not NaN, comparing magnitudes as floats orders them as glibc's bit tests do.

    /// `tanhf` of each lane.
    @inline(__always)
    static func tanh(_ x: Floats) -> Floats {
        let bits = unsafeBitCast(x, to: Words.self)
        let magnitude = unsafeBitCast(bits & 0x7fff_ffff, to: Floats.self)
        // Infinities and NaN (whose payload glibc passes through): its own code, lane by lane.
        if EightLanes.any(.!(magnitude .< .infinity)) {
            var y = Floats()
            for i in 0..<8 { y[i] = tanhf(x[i]) }
            return y
        }
        // |x| ≥ 22 gives ±1 and |x| < 2^-55 gives x; such lanes compute on 1 instead (no
        // infinities in the arithmetic) and take their own value at the end.
        let saturated = magnitude .>= 22, tiny = magnitude .< 0x1p-55
        let ax = magnitude.replacing(with: 1, where: saturated .| tiny)
        // |x| ≥ 1: 1 - 2 / (expm1(2|x|) + 2); below: -expm1(-2|x|) / (expm1(-2|x|) + 2).
        let wide = ax .>= 1
        let twice = ax + ax
        let t = expm1(twice.replacing(with: -twice, where: .!wide))
        // One division for both forms: 2 / (t + 2) or -t / (t + 2).
        let q = Floats(repeating: 2).replacing(with: -t, where: .!wide) / (t + 2)
        let z = (1 - q).replacing(with: q, where: .!wide)
            .replacing(with: 1, where: saturated)
            .replacing(with: magnitude, where: tiny)
        // Every z is ≥ 0: glibc's `-z` for a negative x flips the sign bit.
        return unsafeBitCast(unsafeBitCast(z, to: Words.self) ^ (bits & 0x8000_0000), to: Floats.self)
    }

    /// Sun's `expm1f` for the arguments `tanh` passes: [-2, 0) and [2, 44].
    ///
    /// `x = k ln2 + r` (`k = ±1` within 1.5 ln2, else `k` rounded from `x / ln2`), `r` held
    /// as `hi - lo` with its rounding error `c`, `expm1(r)` by the rational approximation,
    /// then `2^k` folded in by the branch of `k` (0, -1, ≤ -2, 2 to 22, 23 to 56, > 56).
    ///
    /// `@_transparent`, not `@inline(__always)`: the compiler left this function out of line
    /// despite the latter, and the call, with `vzeroupper` and the lanes passed as 128-bit
    /// halves, made `tanh` 4.6 ns per float instead of 3.7.
    @_transparent
    private static func expm1(_ x: Floats) -> Floats {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: Words.self) & 0x7fff_ffff, to: Floats.self)
        let negative = x .< 0
        let reduced = magnitude .> Float(bitPattern: 0x3eb1_7218)
        let nearOne = reduced .& (magnitude .< Float(bitPattern: 0x3f85_1592))
        // k = (int)(x / ln2 ± 0.5), truncated, as a float: rounded to nearest by the 1.5 · 2^23
        // shift, then moved one toward zero where that went past.
        let rounded = invLn2 * x + Floats(repeating: 0.5).replacing(with: -0.5, where: negative)
        let nearest = (rounded + shift) - shift
        var k = nearest.replacing(with: nearest - 1, where: (nearest .> rounded) .& (rounded .>= 0))
        k.replace(with: nearest + 1, where: (nearest .< rounded) .& (rounded .< 0))
        k.replace(with: Floats(repeating: 1).replacing(with: -1, where: negative), where: nearOne)
        k.replace(with: 0, where: .!reduced)
        // k · ln2Hi is exact, and k = 0 leaves x as it is (hi = x, lo = 0, c = 0).
        let hi = x - k * ln2Hi, lo = k * ln2Lo
        let r = hi - lo
        let c = (hi - r) - lo

        let hfx = 0.5 * r, hxs = r * hfx
        var r1 = hxs * q5 + q4
        r1 = r1 * hxs + q3
        r1 = r1 * hxs + q2
        r1 = r1 * hxs + q1
        r1 = r1 * hxs + 1
        let t3 = 3 - r1 * hfx
        let e = hxs * ((r1 - t3) / (6 - r * t3))

        // k = 0.
        var y = r - (r * e - hxs)
        let ek = (r * (e - c) - c) - hxs
        // k = -1.
        y.replace(with: 0.5 * (r - ek) - 0.5, where: k .== -1)
        // The integer k (exact: k is whole and small), 2^k's exponent bits and 2^-k.
        let integer = unsafeBitCast(k + shift, to: Ints.self) &- Ints(repeating: shiftBits)
        let exponent = unsafeBitCast(integer &<< 23, to: Words.self)
        let inverse = unsafeBitCast((0x7f &- integer) &<< 23, to: Floats.self)
        // k ≤ -2 or k > 56: 1 - (e - r) times 2^k, less 1.
        y.replace(with: scaledBy(1 - (ek - r), exponent) - 1, where: (k .<= -2) .| (k .> 56))
        // 2 ≤ k ≤ 22: (1 - 2^-k) - (e - r), times 2^k (1 - 2^-k is exact).
        y.replace(with: scaledBy((1 - inverse) - (ek - r), exponent), where: (k .>= 2) .& (k .<= 22))
        // 23 ≤ k ≤ 56: (r - (e + 2^-k)) + 1, times 2^k.
        y.replace(with: scaledBy((r - (ek + inverse)) + 1, exponent), where: (k .>= 23) .& (k .<= 56))
        // |x| < 2^-25: expm1 is x.
        return y.replacing(with: x, where: magnitude .< 0x1p-25)
    }

    /// 1.5 · 2^23: a float under 2^22 in magnitude plus this is rounded to an integer, held in
    /// the low bits of the sum's bit pattern (`shiftBits` less).
    private static let shift: Float = 0x1.8p23
    private static let shiftBits = Int32(bitPattern: 0x4b40_0000)

    /// `y` with `exponent` (k << 23) added to its bits: `y · 2^k` for the lanes that use it.
    @inline(__always)
    private static func scaledBy(_ y: Floats, _ exponent: Words) -> Floats {
        unsafeBitCast(unsafeBitCast(y, to: Words.self) &+ exponent, to: Floats.self)
    }

    // MARK: - Arrays

    /// `y[i] = tanhf(x[i])` for `i` in `0..<count`: eight at a time, the last few through a
    /// vector padded with copies of the first of them. `x` and `y` may be the same memory.
    @inline(__always)
    static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        EightLanes.map(x, into: y, count: count) { tanh($0) }
    }
}
