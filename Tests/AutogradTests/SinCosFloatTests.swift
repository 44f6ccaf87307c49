#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `SinCosFloat`, glibc's `sinf` and `cosf` eight lanes at a time, against the functions
/// themselves: every bit, every kind of float, and the ops that run on them.
@Suite struct SinCosFloatTests {
    /// The stride through every bit pattern, and the edges of glibc's paths: 2^-12 (below it
    /// `sinf(x)` is `x`), 0.75 (one-step reduction from there), 120 (table-driven reduction
    /// from there), quadrant boundaries near multiples of π/2.
    static let samples = EightLaneChecks.samples(
        [0x1p-12, Float(0x1p-12).nextDown, -0x1p-12, 0.75, Float(0.75).nextDown, 120, Float(120).nextDown,
         -120, Float(-120).nextUp, .pi / 4, .pi / 2, .pi, 3 * .pi / 2, 2 * .pi, -.pi / 2, 100 * .pi / 2,
         Float(100 * Float.pi / 2).nextUp, 1e-30, -1e-40])

    /// The exhaustive check was run once (all 2^32 floats, 0 differ for each); a test samples
    /// 4.2 million.
    @Test func eightLanesMatchSinfAndCosfBitForBit() {
        #expect(EightLaneChecks.differing(SinCosFloatTests.samples, lanes: { SinCosFloat.sinCos($0, cosine: false) },
                                          scalar: sinf) == 0)
        #expect(EightLaneChecks.differing(SinCosFloatTests.samples, lanes: { SinCosFloat.sinCos($0, cosine: true) },
                                          scalar: cosf) == 0)
    }

    /// Every length from 0 to 20, in place and not.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        #expect(EightLaneChecks.arraysMatch(sinf) { x, y, n in SinCosFloat.Sine.apply(x, into: y, count: n) })
        #expect(EightLaneChecks.arraysMatch(cosf) { x, y, n in SinCosFloat.Cosine.apply(x, into: y, count: n) })
    }

    /// `sin` and `cos` of a contiguous float32 tensor (eight lanes, split across the pool)
    /// equal the same ops on a transposed copy, past 120 and infinities included.
    @Test func sinAndCosMatchTheElementwisePath() throws {
        for op in [Ops.sin, Ops.cos] {
            let differ = try EightLaneChecks.differingFromStridedPath(op) { Double($0 % 977) * 0.413 - 200 }
            #expect(differ.isEmpty, "\(op.name): \(differ.count) entries differ, first at \(differ.first ?? -1)")
        }
    }
}
