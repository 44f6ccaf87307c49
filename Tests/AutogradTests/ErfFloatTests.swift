#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `ErfFloat`, glibc's `erf` of floats rounded to float, eight lanes at a time, against
/// `Float(erf(Double(u)))` itself, and the ops that run on it (`erf`, GELU's exact form).
@Suite struct ErfFloatTests {
    /// The stride through every bit pattern, a dense walk over [-4.5, 4.5] (the polynomial
    /// within ±3, the series and its edge at 4: eight neighbours of the walk mostly share a
    /// path, the walk's lanes near ±3 mix them), the centres' half-way points and the special
    /// values. (Every float under 4 in magnitude was checked once through the series, and
    /// every one under 3 through the polynomial, both through the ops: 0 differ.)
    static let samples: [Float] = EightLaneChecks.samples(
        stride(from: Float(-4.5), through: 4.5, by: 0.0001).map { $0 }
            + (0...64).flatMap { k -> [Float] in
                let half = (Float(k) + 0.5) / 16
                return [half, -half, half.nextUp, half.nextDown, 4, -4, Float(4).nextDown, -Float(4).nextDown]
            }
            + [3, -3, Float(3).nextDown, -Float(3).nextDown, 0x1p-126, -0x1p-149, 0, -0])

    @Test func eightLanesMatchErfRoundedToFloat() {
        let table = UnsafePointer(ErfFloat.coefficients)
        #expect(EightLaneChecks.differing(ErfFloatTests.samples, lanes: { ErfFloat.erf($0, table) },
                                          scalar: { Float(erf(Double($0))) }) == 0)
    }

    /// Every length from 0 to 20, in place and not, for both functions.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        #expect(EightLaneChecks.arraysMatch({ Float(erf(Double($0))) }) { x, y, n in
            ErfFloat.apply(x, into: y, count: n, ErfFloat.erf)
        })
        let gelu = Ops.GeluKernel(tanhForm: false)
        #expect(EightLaneChecks.arraysMatch({ gelu.float($0) }) { x, y, n in
            ErfFloat.apply(x, into: y, count: n, ErfFloat.gelu)
        })
    }

    /// `erf` and `gelu` of a contiguous float32 tensor equal the same ops on a transposed copy
    /// (the element-by-element path), NaN and infinities included.
    @Test func opsMatchTheElementwisePath() throws {
        for op in [Ops.erf, Ops.gelu] {
            let differ = try EightLaneChecks.differingFromStridedPath(op) { Double($0 % 977) * 0.013 - 6.3 }
            #expect(differ.isEmpty, "\(op.name): \(differ.count) entries differ, first at \(differ.first ?? -1)")
        }
    }
}
