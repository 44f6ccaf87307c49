#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `sinf` and `cosf`, eight floats at a time, bit for bit.
///
/// Why glibc's bits: every float32 `sin` and `cos` here has always been glibc's, so printed
/// results, gradients and the tests' PyTorch fixtures stay exactly as they were (as for
/// `ExpFloat`). glibc's `sinf` and `cosf` (`sysdeps/ieee754/flt-32/s_sinf.c`, `s_cosf.c`, from
/// Arm's optimized-routines) compute in double: below 120 in magnitude, `x = n·π/2 + r` in one
/// multiply-subtract, then the sine or the cosine polynomial of `r` by the quadrant `n`. The
/// operations below are those of their FMA builds (`__sinf_fma`, `__cosf_fma`, which x86-64
/// machines with FMA run), read from their machine code: which multiply-adds are fused
/// decides the last bit. Lanes of 120 or more (glibc's table-driven reduction), infinities
/// and NaN go to the scalar functions. Checked against `sinf` and `cosf` on all 2^32 floats
/// (0 differ).
///
/// Speed, per float on one Zen 3 core: a call about 4 ns, eight lanes about 2 ns (`sin` of
/// 2^18 floats on two threads: 250 µs, PyTorch's Sleef 200).
enum SinCosFloat {
    typealias Floats = SIMD8<Float>
    typealias Doubles = SIMD8<Double>

    // MARK: - glibc's constants (`__sincosf_table[0]`; entry 1 negates the cosine's)

    /// 2/π · 2^24: the quadrant lands in bits 24 and up of the product's integer part.
    private static let scaledInverseHalfPi = Double(bitPattern: 0x4164_5f30_6dc9_c883)
    private static let halfPi = Double(bitPattern: 0x3ff9_21fb_5444_2d18)
    /// The cosine polynomial: `c0 + c1·r² + c2·r⁴ + c3·r⁶ + c4·r⁸`.
    private static let c0 = Double(bitPattern: 0x3ff0_0000_0000_0000)
    private static let c1 = Double(bitPattern: 0xbfdf_ffff_fd0c_621c)
    private static let c2 = Double(bitPattern: 0x3fa5_5553_e106_8f19)
    private static let c3 = Double(bitPattern: 0xbf56_c087_e89a_359d)
    private static let c4 = Double(bitPattern: 0x3ef9_9343_027b_f8c3)
    /// The sine polynomial: `r + s1·r³ + s2·r⁵ + s3·r⁷`.
    private static let s1 = Double(bitPattern: 0xbfc5_5554_5995_a603)
    private static let s2 = Double(bitPattern: 0x3f81_1076_0523_0bc4)
    private static let s3 = Double(bitPattern: 0xbf29_94eb_3774_cf24)
    /// The top 12 bits (sign cleared) of 2^-12, below which `sinf(x)` is `x` and `cosf(x)` 1,
    /// and of 120, from which glibc reduces through its table of 4/π.
    private static let tinyTop: UInt32 = 0x398, largeTop: UInt32 = 0x42e

    // MARK: - Eight lanes

    /// `sinf` (or `cosf`, with `cosine`) of each lane.
    @inline(__always)
    static func sinCos(_ y: Floats, cosine: Bool) -> Floats {
        let top = (unsafeBitCast(y, to: SIMD8<UInt32>.self) &>> 20) & 0x7ff
        if top.max() > largeTop {
            var out = Floats()
            for i in 0..<8 { out[i] = cosine ? cosf(y[i]) : sinf(y[i]) }
            return out
        }
        let x = EightLanes.widened(y), scaled = x * scaledInverseHalfPi
        // The quadrant n = (Int32(scaled) + 2^23) >> 24, exactly, in doubles; then its low
        // bits (adding 1.5·2^52 leaves n in the low bits, two's complement).
        let nd = ((scaled.rounded(.towardZero) + 0x1p23) * 0x1p-24).rounded(.down)
        let n = bits(nd + 0x1.8p52)
        // Per lane, as bit masks (selects on doubles ran lane by lane): the sign of sin(x) in
        // the quadrant (+ − − +), the cosine's (glibc's second table negates it in quadrants
        // 2 and 3), and whether the lane takes the cosine polynomial (odd quadrants swap the
        // two: sin(x) = ±cos(r) there).
        let sign = ((n &+ 1) & 2) &<< 62, t = (n & 2) &<< 62
        let takesCosine = 0 &- ((cosine ? n ^ 1 : n) & 1)
        let r = x.addingProduct(-nd, Doubles(repeating: halfPi)), r2 = r * r

        let sr = Doubles(bitPattern: bits(r) ^ sign)
        let r3 = r2 * sr, r7 = r2 * r3
        let sinTail = Doubles(repeating: s2).addingProduct(r2, Doubles(repeating: s3))
        let sine = sr.addingProduct(r3, Doubles(repeating: s1)).addingProduct(sinTail, r7)

        let r4 = r2 * r2, r6 = r2 * r4
        @inline(__always) func signed(_ c: Double) -> Doubles { Doubles(bitPattern: bits(Doubles(repeating: c)) ^ t) }
        let cosHead = signed(c0).addingProduct(r2, signed(c1)), cosTail = signed(c3).addingProduct(r2, signed(c4))
        let cosineValue = cosHead.addingProduct(r4, signed(c2)).addingProduct(cosTail, r6)

        let picked = (bits(sine) & ~takesCosine) | (bits(cosineValue) & takesCosine)
        let out = unsafeBitCast(EightLanes.narrowed(unsafeBitCast(picked, to: Doubles.self)), to: SIMD8<UInt32>.self)
        // Below 2^-12: `x` for the sine, 1 for the cosine.
        let tiny = 0 &- ((top &- tinyTop) &>> 31)
        let small = unsafeBitCast(cosine ? Floats(repeating: 1) : y, to: SIMD8<UInt32>.self)
        return unsafeBitCast((out & ~tiny) | (small & tiny), to: Floats.self)
    }

    @inline(__always)
    private static func bits(_ x: Doubles) -> SIMD8<UInt64> { unsafeBitCast(x, to: SIMD8<UInt64>.self) }


    // MARK: - Arrays

    /// `sinf` of arrays (`FloatLanes`).
    enum Sine: FloatLanes {
        /// `y[i] = sinf(x[i])` for `i` in `0..<count`; `x` and `y` may be the same memory.
        @inline(__always)
        static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
            EightLanes.map(x, into: y, count: count) { sinCos($0, cosine: false) }
        }
    }

    /// `cosf` of arrays (`FloatLanes`).
    enum Cosine: FloatLanes {
        /// `y[i] = cosf(x[i])` for `i` in `0..<count`; `x` and `y` may be the same memory.
        @inline(__always)
        static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
            EightLanes.map(x, into: y, count: count) { sinCos($0, cosine: true) }
        }
    }
}

extension SIMD8<Double> {
    /// The doubles with these bits.
    @inline(__always)
    init(bitPattern b: SIMD8<UInt64>) { self = unsafeBitCast(b, to: SIMD8<Double>.self) }
}
