#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `expf`, eight floats at a time, bit for bit.
///
/// Why not a vector exp of our own (or PyTorch's Sleef): every float32 `exp` here has always
/// been glibc's, so printed results, gradients and the tests' PyTorch fixtures stay exactly as
/// they were. glibc's `expf` (`sysdeps/ieee754/flt-32/e_expf.c`, from Arm's
/// optimized-routines) computes in double: `x·32/ln 2 = k + r`, `2^(k/32)` from a 32-entry
/// table and the exponent bits, `2^(r/32)` by a cubic. The operations below are those of
/// its FMA build (`__expf_fma`, which x86-64 machines with FMA run), read from its machine
/// code: which multiply-adds are fused decides the last bit. Checked against `expf` on all
/// 2^32 floats (0 differ).
///
/// Speed: one call took about 3.7 ns per float on a Zen 3 core; eight lanes take ~1.6 ns per
/// float, the table lookups (one load per lane) most of it.
enum ExpFloat {
    typealias Floats = SIMD8<Float>
    typealias Doubles = SIMD8<Double>
    typealias Words = SIMD8<UInt64>

    // MARK: - glibc's constants (`__exp2f_data`, EXP2F_TABLE_BITS = 5)

    /// `bits(2^(i/32)) - (i << 47)`: adding `k << 47` gives `2^(k/32)` for the table's `k % 32`.
    private static let table: [UInt64] = [
        0x3ff0_0000_0000_0000, 0x3fef_d9b0_d315_8574, 0x3fef_b558_6cf9_890f, 0x3fef_9301_d012_5b51,
        0x3fef_72b8_3c7d_517b, 0x3fef_5487_3168_b9aa, 0x3fef_387a_6e75_6238, 0x3fef_1e9d_f51f_dee1,
        0x3fef_06fe_0a31_b715, 0x3fee_f1a7_373a_a9cb, 0x3fee_dea6_4c12_3422, 0x3fee_ce08_6061_892d,
        0x3fee_bfda_d536_2a27, 0x3fee_b42b_569d_4f82, 0x3fee_ab07_dd48_5429, 0x3fee_a47e_b03a_5585,
        0x3fee_a09e_667f_3bcd, 0x3fee_9f75_e8ec_5f74, 0x3fee_a114_73eb_0187, 0x3fee_a589_994c_ce13,
        0x3fee_ace5_422a_a0db, 0x3fee_b737_b0cd_c5e5, 0x3fee_c491_82a3_f090, 0x3fee_d503_b23e_255d,
        0x3fee_e89f_995a_d3ad, 0x3fee_ff76_f2fb_5e47, 0x3fef_199b_dd85_529c, 0x3fef_3720_dcef_9069,
        0x3fef_5818_dcfb_a487, 0x3fef_7c97_337b_9b5f, 0x3fef_a4af_a2a4_90da, 0x3fef_d076_5b6e_4540,
    ]
    /// 32 / ln 2.
    private static let scaledInverseLn2 = Double(bitPattern: 0x4047_1547_652b_82fe)
    /// 1.5 · 2^52: adding it rounds to an integer and leaves that integer in the low bits.
    private static let shift = Double(bitPattern: 0x4338_0000_0000_0000)
    /// The cubic for `2^(r/32)`: `c0·r³ + c1·r² + c2·r + 1`.
    private static let c0 = Double(bitPattern: 0x3ebc_6af8_4b91_2394)
    private static let c1 = Double(bitPattern: 0x3f2e_bfce_50fa_c4f3)
    private static let c2 = Double(bitPattern: 0x3f96_2e42_ff0c_52d6)
    /// The top 12 bits (sign cleared) from which glibc leaves its main path: |x| ≥ 80, ±∞, NaN.
    private static let specialTop: UInt32 = 0x42a

    // MARK: - Eight lanes

    /// `expf` of each lane.
    @inline(__always)
    static func exp(_ x: Floats) -> Floats {
        // Over- and underflow, infinities and NaN: glibc's own branches, lane by lane (rare).
        let top = (unsafeBitCast(x, to: SIMD8<UInt32>.self) &>> 20) & 0x7ff
        if top.max() >= specialTop {
            var y = Floats()
            for i in 0..<8 { y[i] = expf(x[i]) }
            return y
        }
        let xd = EightLanes.widened(x), scale = Doubles(repeating: scaledInverseLn2)
        let shifted = Doubles(repeating: shift).addingProduct(scale, xd)
        let k = unsafeBitCast(shifted, to: Words.self)
        let kd = shifted - Doubles(repeating: shift)
        let r = (-kd).addingProduct(scale, xd)
        var bits = k &<< 47
        table.withUnsafeBufferPointer { t in
            for i in 0..<8 { bits[i] &+= t[Int(truncatingIfNeeded: k[i] & 31)] }
        }
        let z = Doubles(repeating: c1).addingProduct(Doubles(repeating: c0), r)
        var y = Doubles(repeating: 1).addingProduct(r, Doubles(repeating: c2))
        y = y.addingProduct(z, r * r)
        return EightLanes.narrowed(y * unsafeBitCast(bits, to: Doubles.self))
    }

    // MARK: - Arrays

    /// `y[i] = expf(x[i] - offset)`, or `expf(-(x[i] - offset))` when `negated`, for `i` in
    /// `0..<count`: eight at a time, the last few through a vector padded with copies of the
    /// first of them. `x` and `y` may be the same memory.
    ///
    /// (The shift and the sign are parameters, not closures: closures handed through the
    /// pool's parts were called per vector, not inlined.)
    @inline(__always)
    static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                      minus offset: Float = 0, negated: Bool = false) {
        let offset = Floats(repeating: offset)
        @inline(__always) func argument(_ v: Floats) -> Floats { negated ? -(v - offset) : v - offset }
        EightLanes.map(x, into: y, count: count) { exp(argument($0)) }
    }
}

// MARK: - Whole tensors (`Tensor.contiguousFloatLanes`)

extension ExpFloat {
    /// `expf` of arrays.
    enum Exponential: FloatLanes {
        @inline(__always)
        static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
            ExpFloat.apply(x, into: y, count: count)
        }
    }

    /// `1 / (1 + expf(-x))` of arrays: `sigmoid`, as its scalar kernel computes it.
    enum Sigmoid: FloatLanes {
        @inline(__always)
        static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
            ExpFloat.apply(x, into: y, count: count, negated: true)
            for i in 0..<count { y[i] = 1 / (1 + y[i]) }
        }
    }
}
