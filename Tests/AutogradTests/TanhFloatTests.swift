#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `TanhFloat`, glibc's `tanhf` eight lanes at a time, against `tanhf` itself: every bit, every
/// kind of float, and the ops that run on it (`tanh`, GELU's tanh form).
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

    // MARK: - GELU's tanh form

    /// GELU's tanh form on eight lanes (`TanhFloat.geluTanh`) against `GeluKernel`'s scalar
    /// formula over `tanhf`: the same samples, and where the inner value reaches `tanh`'s
    /// edges (|x| near 5.7 saturates it at 22, x³ overflows from 2^42).
    @Test func geluTanhLanesMatchTheScalarFormula() {
        let scalar = Ops.GeluKernel(tanhForm: true)
        let beta = Float(geluBeta), kappa = Float(geluKappa)
        let extra: [Float] = stride(from: Float(-8), through: 8, by: 0.001).map { $0 } + [0x1p42, -0x1p42, 0x1p43, -0x1p43]
        let lanes: (SIMD8<Float>) -> SIMD8<Float> = { TanhFloat.geluTanh($0, beta: beta, kappa: kappa) }
        #expect(EightLaneChecks.differing(TanhFloatTests.samples + extra, lanes: lanes, scalar: { scalar.float($0) }) == 0)
        #expect(EightLaneChecks.arraysMatch({ scalar.float($0) }) { x, y, n in
            TanhFloat.applyGeluTanh(x, into: y, count: n, beta: beta, kappa: kappa)
        })
    }

    /// The one-pass gradient of GELU's tanh form equals the tensor ops it stands in for
    /// (`Ops.geluTanhDerivative` times the incoming gradient), bit for bit: over the samples,
    /// with a gradient per element and with one value expanded (a sum's gradient), and at
    /// every length from 0 to 20 (whole vectors and padded tails).
    @Test func geluTanhGradientMatchesTheTensorOps() throws {
        func differing(_ x: Tensor, _ g: Tensor) throws -> Int {
            let fast = try #require(try Tensor.contiguousFloatGeluTanhGradient(x, g))
            let slow = try g.mul(Ops.geluTanhDerivative(x))
            return (0..<x.numel).filter { i in
                let a = fast.element(i), b = slow.element(i)
                return a.bitPattern != b.bitPattern && !(a.isNaN && b.isNaN)
            }.count
        }
        let values = TanhFloatTests.samples + stride(from: Float(-8), through: 8, by: 0.001).map { $0 }
        let x = try Tensor(values)
        let perElement = try Tensor((0..<values.count).map { Float($0 % 13) * 0.25 - 1.5 })
        #expect(try differing(x, perElement) == 0)
        #expect(try differing(x, Tensor([Float(0.75)]).expand([values.count])) == 0)
        for count in 0...20 {
            let short = try Tensor((0..<count).map { Float($0) * 0.37 - 3.1 })
            #expect(try differing(short, Tensor((0..<count).map { Float($0) * 0.5 - 3 })) == 0)
        }
    }

    /// `gelu(x, approximate="tanh")` of a contiguous float32 tensor equals the same op on a
    /// transposed copy (the element-by-element path), NaN and infinities included.
    @Test func geluTanhMatchesTheElementwisePath() throws {
        let differ = try EightLaneChecks.differingFromStridedPath(Ops.gelu, [.string("tanh")]) { Double($0 % 977) * 0.021 - 10 }
        #expect(differ.isEmpty, "\(differ.count) entries differ, first at \(differ.first ?? -1)")
    }
}
