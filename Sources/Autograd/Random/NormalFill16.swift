#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// PyTorch's Box–Muller step for a block of 16 uniforms, reproduced bit for bit.
///
/// `normal_fill` (aten/src/ATen/native/cpu/DistributionTemplates.h) first fills the
/// tensor with uniforms, then turns each block of 16 into normals in place: lanes
/// 0..<8 supply `u1` (for the radius), lanes 8..<16 supply `u2` (for the angle), and
/// lane `j` and `j + 8` receive `radius·cos θ` and `radius·sin θ`.
///
/// On x86-64, PyTorch 2.15 runs its AVX2 build of this kernel (the AVX-512 slot of
/// `normal_stub` is empty). The exact operations below were read from that build's
/// machine code (`NormalFill16<float, true>` and the inlined `normal_fill_16<double>`
/// in libtorch_cpu.so), because GCC fused several multiply–adds of the source into
/// FMA instructions and every fused or unfused rounding changes the last bit.
enum NormalFill16 {
    // MARK: - float32: avx_mathfun's log256_ps and sincos256_ps, one lane at a time

    /// Fills `block[0..<16]`, which holds uniforms in [0, 1), with normals.
    static func float(_ block: UnsafeMutablePointer<Float>, mean: Float, std: Float) {
        for j in 0..<8 {
            let u1 = 1 - block[j]                       // [0, 1) -> (0, 1] for log
            let theta = twoPiFloat * block[j + 8]
            let radius = (cephesLog(u1) * -2).squareRoot()
            let (sine, cosine) = cephesSinCos(theta)
            block[j] = mean.addingProduct(radius * cosine, std)
            block[j + 8] = mean.addingProduct(radius * sine, std)
        }
    }

    /// `2.0f * c10::pi<double>` rounded to float, as broadcast into the AVX register.
    private static let twoPiFloat = Float(2 * Double.pi)

    // Cephes constants of avx_mathfun.h, written as the float bit patterns found in
    // libtorch_cpu.so (the header's double literals are rounded to float once).
    private static let minNormPos = Float(bitPattern: 0x0080_0000)
    private static let sqrtHalf: Float = 0x1.6a09e6p-1          // 0.707106781186547524
    private static let logP: [Float] = [
        0x1.204376p-4, -0x1.d7a370p-4, 0x1.de4a34p-4,            // 7.0376836292E-2, ...
        -0x1.fcba9ep-4, 0x1.23d37ep-3, -0x1.555ca0p-3,
        0x1.999d58p-3, -0x1.fffff8p-3, 0x1.555554p-2,            // ..., 3.3333331174E-1
    ]
    private static let logQ1: Float = -0x1.bd0106p-13           // -2.12194440e-4
    private static let logQ2: Float = 0x1.63p-1                 // 0.693359375
    private static let fourOverPi: Float = 0x1.45f306p+0        // 1.27323954473516
    private static let minusDP1: Float = -0x1.92p-1             // -0.78515625
    private static let minusDP2: Float = -0x1.fb4p-13           // -2.4187564849853515625e-4
    private static let minusDP3: Float = -0x1.4442d2p-25        // -3.77489497744594108e-8
    private static let sinP0: Float = -0x1.9943f2p-13           // -1.9515295891E-4
    private static let sinP1: Float = 0x1.11073cp-7             // 8.3321608736E-3
    private static let sinP2: Float = -0x1.555546p-3            // -1.6666654611E-1
    private static let cosP0: Float = 0x1.99eb9cp-16            // 2.443315711809948E-005
    private static let cosP1: Float = -0x1.6c0c34p-10           // -1.388731625493765E-003
    private static let cosP2: Float = 0x1.55554ap-5             // 4.166664568298827E-002

    /// One lane of `log256_ps` with GCC's fusions (valid for the (0, 1] it receives).
    static func cephesLog(_ input: Float) -> Float {
        let invalid = input <= 0                        // _CMP_LE_OS
        var x = input < minNormPos ? minNormPos : input // _mm256_max_ps(x, min_norm_pos)
        let exponentField = Int32(bitPattern: x.bitPattern >> 23)
        x = Float(bitPattern: (x.bitPattern & ~0x7f80_0000) | Float(0.5).bitPattern)
        var e = Float(exponentField &- 0x7f) + 1
        let below = x < sqrtHalf
        let tmp: Float = below ? x : 0                  // _mm256_and_ps(x, mask)
        x = x + -1
        e = e - (below ? 1 : 0)
        x = x + tmp
        let z = x * x
        var y = logP[1].addingProduct(logP[0], x)       // fused Horner steps
        for k in 2...8 {
            y = logP[k].addingProduct(y, x)
        }
        y = x * y
        y = (e * logQ1).addingProduct(y, z)
        y = y.addingProduct(-z, 0.5)
        x = x + y
        let result = x.addingProduct(e, logQ2)
        return invalid ? Float(bitPattern: result.bitPattern | 0xffff_ffff) : result
    }

    /// One lane of `sincos256_ps` with GCC's fusions; returns (sin, cos).
    static func cephesSinCos(_ input: Float) -> (Float, Float) {
        let signMask: UInt32 = 0x8000_0000
        var x = Float(bitPattern: input.bitPattern & ~signMask)
        var signBitSin = input.bitPattern & signMask
        // cvttps2dq; the Box–Muller angle lies in [0, 2π), far from Int32 overflow.
        let truncated = Int32(x * fourOverPi)
        let j = (truncated &+ 1) & ~1
        let yj = Float(j)
        let swapSignSin = UInt32(bitPattern: j & 4) << 29
        let polyMaskIsSet = (j & 2) == 0
        signBitSin ^= swapSignSin
        x = x.addingProduct(yj, minusDP1)               // extended-precision reduction
        x = x.addingProduct(minusDP2, yj)
        x = x.addingProduct(yj, minusDP3)
        let signBitCos = UInt32(bitPattern: ~(j &- 2) & 4) << 29
        let z = x * x
        let halfZ = z * 0.5
        var yc = cosP1.addingProduct(cosP0, z)
        yc = cosP2.addingProduct(yc, z)
        yc = z * yc
        yc = (-halfZ).addingProduct(z, yc)
        yc = yc + 1
        var ys = sinP1.addingProduct(sinP0, z)
        ys = sinP2.addingProduct(ys, z)
        ys = z * ys
        ys = x.addingProduct(x, ys)
        // Blend the two polynomials with and/andnot and recombine them exactly as
        // the compiled code does (the subtractions keep signed zeros identical).
        let ysin2: Float = polyMaskIsSet ? ys : 0
        let ysin1: Float = polyMaskIsSet ? 0 : yc
        let cosPart = yc - ysin1
        let sinPartRest = ys - ysin2
        let sine = ysin2 + ysin1
        let cosine = sinPartRest + cosPart
        return (Float(bitPattern: sine.bitPattern ^ signBitSin),
                Float(bitPattern: cosine.bitPattern ^ signBitCos))
    }

    // MARK: - float64: the scalar template with glibc's log, sin and cos

    /// Fills `block[0..<16]`, which holds uniforms in [0, 1), with normals.
    static func double(_ block: UnsafeMutablePointer<Double>, mean: Double, std: Double) {
        for j in 0..<8 {
            let u1 = 1 - block[j]
            let radius = (log(u1) * -2).squareRoot()
            let theta = twoPiDouble * block[j + 8]
            // PyTorch calls sincos(); glibc's sincos, sin and cos agree bit for bit.
            block[j] = mean.addingProduct(radius * cos(theta), std)
            block[j + 8] = mean.addingProduct(sin(theta) * radius, std)
        }
    }

    /// `2.0f * c10::pi<double>`, folded by the compiler into one double constant.
    private static let twoPiDouble = 2 * Double.pi
}
