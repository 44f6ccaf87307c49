#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// PyTorch's Box–Muller step for blocks of 16 uniforms, reproduced bit for bit.
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
    typealias Floats = SIMD8<Float>
    typealias Words = SIMD8<UInt32>

    // MARK: - float32: avx_mathfun's log256_ps and sincos256_ps, eight lanes at once

    /// Turns `blocks` consecutive blocks of 16 uniforms in [0, 1) at `base` into normals.
    ///
    /// Each block is one pass of PyTorch's AVX2 kernel: the same eight-lane operations,
    /// with the same fused (`addingProduct`) and unfused roundings.
    static func float(_ base: UnsafeMutablePointer<Float>, blocks: Int, mean: Float, std: Float) {
        let mean = Floats(repeating: mean), std = Floats(repeating: std)
        let raw = UnsafeMutableRawPointer(base)
        for block in 0..<blocks {
            let low = block * 64, high = low + 32
            let u1 = 1 - raw.loadUnaligned(fromByteOffset: low, as: Floats.self)   // (0, 1] for log
            let theta = twoPiFloat * raw.loadUnaligned(fromByteOffset: high, as: Floats.self)
            let radius = (cephesLog(u1) * -2).squareRoot()
            let (sine, cosine) = cephesSinCos(theta)
            raw.storeBytes(of: mean.addingProduct(radius * cosine, std), toByteOffset: low, as: Floats.self)
            raw.storeBytes(of: mean.addingProduct(radius * sine, std), toByteOffset: high, as: Floats.self)
        }
    }

    /// `2.0f * c10::pi<double>` rounded to float, as broadcast into the AVX register.
    private static let twoPiFloat = Float(2 * Double.pi)

    // Cephes constants of avx_mathfun.h, written as the float bit patterns found in
    // libtorch_cpu.so (the header's double literals are rounded to float once).
    private static let minNormPos = Float(bitPattern: 0x0080_0000)
    private static let sqrtHalf: Float = 0x1.6a09e6p-1          // 0.707106781186547524
    private static let logP0: Float = 0x1.204376p-4             // 7.0376836292E-2
    private static let logP: (Float, Float, Float, Float, Float, Float, Float, Float) = (
        -0x1.d7a370p-4, 0x1.de4a34p-4, -0x1.fcba9ep-4, 0x1.23d37ep-3,
        -0x1.555ca0p-3, 0x1.999d58p-3, -0x1.fffff8p-3, 0x1.555554p-2   // ..., 3.3333331174E-1
    )
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

    @inline(__always) private static func bits(_ x: Floats) -> Words { unsafeBitCast(x, to: Words.self) }
    @inline(__always) private static func floats(_ x: Words) -> Floats { unsafeBitCast(x, to: Floats.self) }
    @inline(__always) private static func splat(_ x: Float) -> Floats { Floats(repeating: x) }

    /// `log256_ps` with GCC's fusions (valid for the (0, 1] it receives).
    @inline(__always)
    static func cephesLog(_ input: Floats) -> Floats {
        let invalid = input .<= 0                                       // _CMP_LE_OS
        var x = input.replacing(with: minNormPos, where: input .< minNormPos)  // max_ps
        let exponentField = SIMD8<Int32>(truncatingIfNeeded: bits(x) &>> 23)
        x = floats((bits(x) & ~0x7f80_0000) | Float(0.5).bitPattern)
        var e = Floats(exponentField &- 0x7f) + 1
        let below = x .< sqrtHalf
        let tmp = Floats(repeating: 0).replacing(with: x, where: below)  // _mm256_and_ps(x, mask)
        x = x + -1
        e = e - Floats(repeating: 0).replacing(with: 1, where: below)
        x = x + tmp
        let z = x * x
        var y = splat(logP.0).addingProduct(splat(logP0), x)            // fused Horner steps
        y = splat(logP.1).addingProduct(y, x)
        y = splat(logP.2).addingProduct(y, x)
        y = splat(logP.3).addingProduct(y, x)
        y = splat(logP.4).addingProduct(y, x)
        y = splat(logP.5).addingProduct(y, x)
        y = splat(logP.6).addingProduct(y, x)
        y = splat(logP.7).addingProduct(y, x)
        y = x * y
        y = (e * logQ1).addingProduct(y, z)
        y = y.addingProduct(-z, splat(0.5))
        x = x + y
        let result = x.addingProduct(e, splat(logQ2))
        return floats(bits(result).replacing(with: 0xffff_ffff, where: invalid))
    }

    /// `sincos256_ps` with GCC's fusions; returns (sin, cos).
    ///
    /// Valid for the Box–Muller angles it receives, which lie in [0, 2π]: there
    /// `x·4/π` truncates to an integer below 2²³, which the magic-number conversion
    /// below turns into `cvttps2dq`'s result.
    @inline(__always)
    static func cephesSinCos(_ input: Floats) -> (Floats, Floats) {
        let signMask: UInt32 = 0x8000_0000
        var x = floats(bits(input) & ~signMask)
        var signBitSin = bits(input) & signMask
        let truncated = (x * fourOverPi).rounded(.towardZero)
        let integer = (bits(truncated + 0x1p23) & 0x7f_ffff)           // cvttps2dq for 0 ≤ t < 2²³
        let j = (integer &+ 1) & ~1
        let yj = Floats(j)
        let swapSignSin = (j & 4) &<< 29
        // All ones where bit 1 of j is clear (built with integer arithmetic: an
        // integer `.==` mask is assembled one lane at a time).
        let polyMask = ((j & 2) &>> 1) &- 1
        signBitSin ^= swapSignSin
        x = x.addingProduct(yj, splat(minusDP1))                        // extended-precision reduction
        x = x.addingProduct(splat(minusDP2), yj)
        x = x.addingProduct(yj, splat(minusDP3))
        let signBitCos = (~(j &- 2) & 4) &<< 29
        let z = x * x
        let halfZ = z * 0.5
        var yc = splat(cosP1).addingProduct(splat(cosP0), z)
        yc = splat(cosP2).addingProduct(yc, z)
        yc = z * yc
        yc = (-halfZ).addingProduct(z, yc)
        yc = yc + 1
        var ys = splat(sinP1).addingProduct(splat(sinP0), z)
        ys = splat(sinP2).addingProduct(ys, z)
        ys = z * ys
        ys = x.addingProduct(x, ys)
        // Blend the two polynomials with and/andnot and recombine them exactly as
        // the compiled code does (the subtractions keep signed zeros identical).
        let ysin2 = floats(bits(ys) & polyMask)
        let ysin1 = floats(bits(yc) & ~polyMask)
        let cosPart = yc - ysin1
        let sinPartRest = ys - ysin2
        let sine = ysin2 + ysin1
        let cosine = sinPartRest + cosPart
        return (floats(bits(sine) ^ signBitSin), floats(bits(cosine) ^ signBitCos))
    }

    // MARK: - float64: the scalar template with glibc's log, sin and cos

    /// Turns `blocks` consecutive blocks of 16 uniforms in [0, 1) at `base` into normals.
    static func double(_ base: UnsafeMutablePointer<Double>, blocks: Int, mean: Double, std: Double) {
        for block in 0..<blocks {
            let p = base + block * 16
            for j in 0..<8 {
                let u1 = 1 - p[j]
                let radius = (log(u1) * -2).squareRoot()
                let theta = twoPiDouble * p[j + 8]
                // PyTorch calls sincos(); glibc's sincos, sin and cos agree bit for bit.
                p[j] = mean.addingProduct(radius * cos(theta), std)
                p[j + 8] = mean.addingProduct(sin(theta) * radius, std)
            }
        }
    }

    /// `2.0f * c10::pi<double>`, folded by the compiler into one double constant.
    private static let twoPiDouble = 2 * Double.pi
}
