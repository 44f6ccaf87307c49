#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `logf`, eight floats at a time, bit for bit.
///
/// Why glibc's bits: every float32 `log` here has always been `logf`'s, so printed results,
/// gradients and the tests' PyTorch fixtures stay exactly as they were (as for `ExpFloat`).
/// glibc's `logf` (`sysdeps/ieee754/flt-32/e_logf.c`, from Arm's optimized-routines)
/// computes in double: `x = 2^k·z` with `z` near one of 16 centres `c`, then
/// `log(x) = log1p(z/c - 1) + log(c) + k·ln 2` with a cubic for `log1p`. The operations below
/// are those of its FMA build (`__logf_fma`, which x86-64 machines with FMA run), read from
/// its machine code: which multiply-adds are fused decides the last bit. Checked against
/// `logf` on all 2^32 floats (0 differ).
///
/// Speed, per float on one Zen 3 core: a call about 3 ns, eight lanes about 1.4 ns, the table
/// lookups (two loads per lane) most of it (`log` of 2^18 floats on two threads: 187 µs,
/// PyTorch's Sleef 166).
enum LogFloat: FloatLanes {
    typealias Floats = SIMD8<Float>
    typealias Doubles = SIMD8<Double>
    typealias Words = SIMD8<UInt32>

    // MARK: - glibc's constants (`__logf_data`, LOGF_TABLE_BITS = 4, LOGF_POLY_ORDER = 4)

    /// `1/c` and `log(c)` of the 16 subintervals' centres, interleaved.
    private static let table: [UInt64] = [
        0x3ff6_61ec_79f8_f3be, 0xbfd5_7bf7_808c_aade, 0x3ff5_71ed_4aaf_883d, 0xbfd2_bef0_a7c0_6ddb,
        0x3ff4_9539_f0f0_10b0, 0xbfd0_1eae_7f51_3a67, 0x3ff3_c995_b0b8_0385, 0xbfcb_31d8_a682_24e9,
        0x3ff3_0d19_0c88_64a5, 0xbfc6_574f_0ac0_7758, 0x3ff2_5e22_7b0b_8ea0, 0xbfc1_aa2b_c79c_8100,
        0x3ff1_bb4a_4a1a_343f, 0xbfba_4e76_ce8c_0e5e, 0x3ff1_2358_f08a_e5ba, 0xbfb1_973c_5a61_1ccc,
        0x3ff0_953f_4199_00a7, 0xbfa2_52f4_38e1_0c1e, 0x3ff0_0000_0000_0000, 0x0000_0000_0000_0000,
        0x3fee_608c_fd9a_47ac, 0x3faa_a5aa_5df2_5984, 0x3fec_a4b3_1f02_6aa0, 0x3fbc_5e53_aa36_2eb4,
        0x3feb_2036_576a_fce6, 0x3fc5_26e5_7720_db08, 0x3fe9_c2d1_63a1_aa2d, 0x3fcb_c286_0d22_4770,
        0x3fe8_86e6_0378_41ed, 0x3fd1_058b_c8a0_7ee1, 0x3fe7_67dc_f553_4862, 0x3fd4_0430_57b6_ee09,
    ]
    private static let ln2 = Double(bitPattern: 0x3fe6_2e42_fefa_39ef)
    /// The cubic for `log1p(r)`: `a0·r⁴ + a1·r³ + a2·r² + r`.
    private static let a0 = Double(bitPattern: 0xbfd0_0ea3_48b8_8334)
    private static let a1 = Double(bitPattern: 0x3fd5_575b_0be0_0b6a)
    private static let a2 = Double(bitPattern: 0xbfdf_fffe_f20a_4123)
    /// The bits of the first subinterval's start: `z` lies in [`offset`, 2·`offset`).
    private static let offset: UInt32 = 0x3f33_0000

    // MARK: - Eight lanes

    /// `logf` of each lane.
    @inline(__always)
    static func log(_ x: Floats) -> Floats {
        let ix = unsafeBitCast(x, to: Words.self)
        // Zeros, subnormals, negatives, infinities and NaN: glibc's own branches, lane by
        // lane (rare). (x = 1, which glibc also tests first, comes out +0 on the main path.)
        if (ix &- 0x0080_0000).max() >= 0x7f80_0000 - 0x0080_0000 {
            var y = Floats()
            for i in 0..<8 { y[i] = logf(x[i]) }
            return y
        }
        let tmp = ix &- offset
        let k = unsafeBitCast(tmp, to: SIMD8<Int32>.self) &>> 23
        let z = EightLanes.widened(unsafeBitCast(ix &- (tmp & 0xff80_0000), to: Floats.self))
        var inverse = Doubles(), logc = Doubles(), kd = Doubles()
        table.withUnsafeBufferPointer { t in
            for i in 0..<8 {
                let row = Int(truncatingIfNeeded: (tmp[i] &>> 19) & 15) &* 2
                inverse[i] = Double(bitPattern: t[row])
                logc[i] = Double(bitPattern: t[row &+ 1])
                kd[i] = Double(k[i])
            }
        }
        let r = Doubles(repeating: -1).addingProduct(z, inverse)
        let y0 = logc.addingProduct(kd, Doubles(repeating: ln2))
        let r2 = r * r
        var y = Doubles(repeating: a2).addingProduct(r, Doubles(repeating: a1))
        y = y.addingProduct(r2, Doubles(repeating: a0))
        return EightLanes.narrowed((r + y0).addingProduct(r2, y))
    }

    // MARK: - Arrays

    /// `y[i] = logf(x[i])` for `i` in `0..<count`: eight at a time, the last few through a
    /// vector padded with copies of the first of them. `x` and `y` may be the same memory.
    @inline(__always)
    static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        EightLanes.map(x, into: y, count: count) { log($0) }
    }
}
