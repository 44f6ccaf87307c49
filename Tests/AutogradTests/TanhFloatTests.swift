#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `TanhFloat`, glibc's `tanhf` eight lanes at a time, against `tanhf` itself: every bit, every
/// kind of float, and the op that runs on it.
@Suite struct TanhFloatTests {
    /// Floats spread over every exponent and sign (a stride through all 2^32 bit patterns),
    /// and the edges of `tanhf`'s and `expm1f`'s branches on both sides.
    static let samples: [Float] = {
        var values: [Float] = stride(from: UInt64(0), to: 1 << 32, by: 1_021).map { Float(bitPattern: UInt32($0)) }
        // |x| = 22 (saturated), 1 (the two formulas), 2^-55 (tiny), expm1's k = ±1 band
        // (0.5 ln2 and 1.5 ln2 halved), its 2^-25, and its k boundaries 22/23 and 56/57.
        let edgeBits: [UInt32] = [0x41b0_0000, 0x3f80_0000, 0x2400_0000, 0x3e31_7218, 0x3f05_1592,
                                  0x3280_0000, 0x40f4_0000, 0x4107_0000, 0x419b_0000, 0x419e_0000]
        for bits in edgeBits {
            for delta in -2...2 {
                let f = Float(bitPattern: UInt32(Int64(bits) + Int64(delta)))
                values += [f, -f]
            }
        }
        values += [0, -0.0, .infinity, -.infinity, .nan, -.nan, Float(bitPattern: 0x7fa0_0001),
                   .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
                   -.greatestFiniteMagnitude]
        return values
    }()

    /// The exhaustive check was run once (all 2^32 floats, 0 differ); a test samples 4.2 million.
    @Test func eightLanesMatchTanhfBitForBit() {
        let xs = TanhFloatTests.samples
        var differ = 0
        for start in stride(from: 0, to: xs.count - 7, by: 8) {
            let v = TanhFloat.tanh(TanhFloat.Floats(xs[start..<(start + 8)]))
            for j in 0..<8 {
                let want = tanhf(xs[start + j])
                if want.bitPattern != v[j].bitPattern { differ += 1 }
            }
        }
        #expect(differ == 0)
    }

    /// Every length from 0 to 20 (whole vectors and padded tails), in place and not.
    @Test func arraysOfAnyLengthMatchTheScalarLoop() {
        let xs: [Float] = (0..<20).map { Float($0) * 0.37 - 3.1 }
        for count in 0...20 {
            var y = [Float](repeating: .nan, count: count)
            var inPlace = Array(xs[0..<count])
            xs.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { out in
                    TanhFloat.apply(x.baseAddress!, into: out.baseAddress!, count: count)
                }
            }
            inPlace.withUnsafeMutableBufferPointer { p in
                if let base = p.baseAddress { TanhFloat.apply(base, into: base, count: count) }
            }
            let want = xs[0..<count].map { tanhf($0).bitPattern }
            #expect(y.map(\.bitPattern) == want)
            #expect(inPlace.map(\.bitPattern) == want)
        }
    }

    /// `tanh` of a contiguous float32 tensor (eight lanes, split across the pool) equals the
    /// same op on a transposed copy (the element-by-element path), NaN and infinities included.
    @Test func tanhMatchesTheElementwisePath() throws {
        var values = (0..<(300 * 301)).map { Double($0 % 977) * 0.061 - 30 }
        values[5] = .nan
        values[6] = .infinity
        values[7] = -.infinity
        let x = try Tensor(values, shape: [300, 301]).materialized(dtype: .float32)
        let strided = try x.t().contiguous().t()
        #expect(!strided.isContiguous)
        let fast = try Ops.tanh.apply(x), slow = try Ops.tanh.apply(strided).contiguous()
        let differ = (0..<x.numel).filter { i in fast.element(i).bitPattern != slow.element(i).bitPattern }
        #expect(differ.isEmpty, "\(differ.count) entries differ, first at \(differ.first ?? -1)")
        #expect(fast.element(5).isNaN)
    }
}
