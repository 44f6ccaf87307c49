#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `ExpFloat`, glibc's `expf` eight lanes at a time, against `expf` itself: every bit, every
/// kind of float, and the ops that run on it.
@Suite struct ExpFloatTests {
    /// Floats spread over every exponent and sign (a stride through all 2^32 bit patterns),
    /// and the edges of glibc's main path and its special cases.
    static let samples: [Float] = {
        var values: [Float] = stride(from: UInt64(0), to: 1 << 32, by: 1_021).map { Float(bitPattern: UInt32($0)) }
        let edges: [Float] = [80, -80, Float(80).nextDown, Float(-80).nextUp, 88.72283, 88.72284,
                              -103.97207, -103.97208, -102.8, -87.33654, 1e-8, -1e-8, 0.5, -0.5]
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, -.nan, .leastNonzeroMagnitude,
                                 -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        values += edges
        values += specials
        return values
    }()

    /// The exhaustive check was run once (all 2^32 floats, 0 differ); a test samples 4.2 million.
    @Test func eightLanesMatchExpfBitForBit() {
        let xs = ExpFloatTests.samples
        var differ = 0
        for start in stride(from: 0, to: xs.count - 7, by: 8) {
            let v = ExpFloat.exp(ExpFloat.Floats(xs[start..<(start + 8)]))
            for j in 0..<8 {
                let want = expf(xs[start + j])
                if want.bitPattern != v[j].bitPattern && !(want.isNaN && v[j].isNaN) { differ += 1 }
            }
        }
        #expect(differ == 0)
    }

    /// Every length from 0 to 20 (whole vectors and padded tails), in place and not, shifted
    /// and negated.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        let xs: [Float] = (0..<20).map { Float($0) * 0.37 - 3.1 }
        for count in 0...20 {
            var y = [Float](repeating: .nan, count: count)
            var inPlace = Array(xs[0..<count])
            xs.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { out in
                    ExpFloat.apply(x.baseAddress!, into: out.baseAddress!, count: count, minus: 1.5, negated: true)
                }
            }
            inPlace.withUnsafeMutableBufferPointer { p in
                if let base = p.baseAddress { ExpFloat.apply(base, into: base, count: count) }
            }
            #expect(y.map(\.bitPattern) == xs[0..<count].map { expf(-($0 - 1.5)).bitPattern })
            #expect(inPlace.map(\.bitPattern) == xs[0..<count].map { expf($0).bitPattern })
        }
    }

    /// `exp` and `sigmoid` of a contiguous float32 tensor (eight lanes, split across the pool)
    /// equal the same ops on a transposed copy (the element-by-element path), infinities
    /// included; a NaN stays NaN (its sign bit is not kept the same way on both paths).
    @Test func expAndSigmoidMatchTheElementwisePath() throws {
        var values = (0..<(300 * 301)).map { Double($0 % 977) * 0.213 - 104 }
        values[5] = .nan
        values[6] = .infinity
        values[7] = -.infinity
        let x = try Tensor(values, shape: [300, 301]).materialized(dtype: .float32)
        let strided = try x.t().contiguous().t()
        #expect(!strided.isContiguous)
        for op in [Ops.exp, Ops.sigmoid] {
            let fast = try op.apply(x), slow = try op.apply(strided).contiguous()
            let differ = (0..<x.numel).filter { i in
                let a = fast.element(i), b = slow.element(i)
                return a.bitPattern != b.bitPattern && !(a.isNaN && b.isNaN)
            }
            #expect(differ.isEmpty, "\(op.name): \(differ.count) entries differ, first at \(differ.first ?? -1)")
            #expect(fast.element(5).isNaN)
        }
    }
}
