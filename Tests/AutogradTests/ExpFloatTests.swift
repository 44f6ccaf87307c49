#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `ExpFloat`, glibc's `expf` eight lanes at a time, against `expf` itself: every bit, every
/// kind of float, and the ops that run on it.
@Suite struct ExpFloatTests {
    /// The stride through every bit pattern, and the edges of glibc's main path and its
    /// special cases.
    static let samples = EightLaneChecks.samples(
        [80, -80, Float(80).nextDown, Float(-80).nextUp, 88.72283, 88.72284,
         -103.97207, -103.97208, -102.8, -87.33654, 1e-8, -1e-8, 0.5, -0.5])

    /// The exhaustive check was run once (all 2^32 floats, 0 differ); a test samples 4.2 million.
    @Test func eightLanesMatchExpfBitForBit() {
        #expect(EightLaneChecks.differing(ExpFloatTests.samples, lanes: ExpFloat.exp, scalar: expf) == 0)
    }

    /// Every length from 0 to 20, in place and not, shifted and negated.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        #expect(EightLaneChecks.arraysMatch({ expf(-($0 - 1.5)) }) { x, y, n in
            ExpFloat.apply(x, into: y, count: n, minus: 1.5, negated: true)
        })
        #expect(EightLaneChecks.arraysMatch(expf) { x, y, n in ExpFloat.apply(x, into: y, count: n) })
    }

    /// `exp` and `sigmoid` of a contiguous float32 tensor (eight lanes, split across the pool)
    /// equal the same ops on a transposed copy, infinities included; a NaN stays NaN (its sign
    /// bit is not kept the same way on both paths).
    @Test func expAndSigmoidMatchTheElementwisePath() throws {
        for op in [Ops.exp, Ops.sigmoid] {
            let differ = try EightLaneChecks.differingFromStridedPath(op) { Double($0 % 977) * 0.213 - 104 }
            #expect(differ.isEmpty, "\(op.name): \(differ.count) entries differ, first at \(differ.first ?? -1)")
        }
    }
}
