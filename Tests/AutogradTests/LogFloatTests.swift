#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `LogFloat`, glibc's `logf` eight lanes at a time, against `logf` itself: every bit, every
/// kind of float, and the op that runs on it.
@Suite struct LogFloatTests {
    /// The stride through every bit pattern, and the edges of glibc's main path (the smallest
    /// normal, 1, the subintervals' bounds around 1 and 2) and its special cases.
    static let samples = EightLaneChecks.samples(
        [1, Float(1).nextUp, Float(1).nextDown, 2, 0.5, Float(bitPattern: 0x3f33_0000),
         Float(bitPattern: 0x3f32_ffff), Float(bitPattern: 0x3fb3_0000), .leastNormalMagnitude,
         Float.leastNormalMagnitude.nextDown, Float.leastNormalMagnitude.nextUp, 0x1p-149, 1e-30, 1e30])

    /// The exhaustive check was run once (all 2^32 floats, 0 differ); a test samples 4.2 million.
    @Test func eightLanesMatchLogfBitForBit() {
        #expect(EightLaneChecks.differing(LogFloatTests.samples, lanes: LogFloat.log, scalar: logf) == 0)
    }

    /// Every length from 0 to 20, in place and not.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        #expect(EightLaneChecks.arraysMatch(logf) { x, y, n in LogFloat.apply(x, into: y, count: n) })
    }

    /// `log` of a contiguous float32 tensor (eight lanes, split across the pool) equals the
    /// same op on a transposed copy: positive values, zeros, negatives and infinities.
    @Test func logMatchesTheElementwisePath() throws {
        let differ = try EightLaneChecks.differingFromStridedPath(Ops.log) { i in
            i % 11 == 0 ? -Double(i % 7) : Double(i % 977) * 0.513 + 1e-3
        }
        #expect(differ.isEmpty, "\(differ.count) entries differ, first at \(differ.first ?? -1)")
    }
}
