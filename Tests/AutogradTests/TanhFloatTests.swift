#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `TanhFloat`, glibc's `tanhf` eight lanes at a time, against `tanhf` itself: every bit, every
/// kind of float, and the op that runs on it.
@Suite struct TanhFloatTests {
    /// The stride through every bit pattern, and the edges of `tanhf`'s and `expm1f`'s
    /// branches on both sides: |x| = 22 (saturated), 1 (the two formulas), 2^-55 (tiny),
    /// expm1's k = ±1 band (0.5 ln2 and 1.5 ln2, halved), its 2^-25, and its k boundaries
    /// 22/23 and 56/57.
    static let samples: [Float] = {
        let edgeBits: [UInt32] = [0x41b0_0000, 0x3f80_0000, 0x2400_0000, 0x3e31_7218, 0x3f05_1592,
                                  0x3280_0000, 0x40f4_0000, 0x4107_0000, 0x419b_0000, 0x419e_0000]
        let edges = edgeBits.flatMap { bits in
            (-2...2).flatMap { delta -> [Float] in
                let f = Float(bitPattern: UInt32(Int64(bits) + Int64(delta)))
                return [f, -f]
            }
        }
        return EightLaneChecks.samples(edges)
    }()

    /// The exhaustive check was run once (all 2^32 floats, 0 differ); a test samples 4.2
    /// million. NaNs too must come out with `tanhf`'s payload and sign.
    @Test func eightLanesMatchTanhfBitForBit() {
        #expect(EightLaneChecks.differing(TanhFloatTests.samples, nanBits: true, lanes: TanhFloat.tanh, scalar: tanhf) == 0)
    }

    /// Every length from 0 to 20, in place and not.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        #expect(EightLaneChecks.arraysMatch(tanhf) { x, y, n in TanhFloat.apply(x, into: y, count: n) })
    }

    /// `tanh` of a contiguous float32 tensor (eight lanes, split across the pool) equals the
    /// same op on a transposed copy, NaN and infinities included.
    @Test func tanhMatchesTheElementwisePath() throws {
        let differ = try EightLaneChecks.differingFromStridedPath(Ops.tanh) { Double($0 % 977) * 0.061 - 30 }
        #expect(differ.isEmpty, "\(differ.count) entries differ, first at \(differ.first ?? -1)")
    }
}
