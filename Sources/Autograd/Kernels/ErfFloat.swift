#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `erf` of float arguments, rounded to float, eight lanes at a time, with the bits of
/// `Float(erf(Double(u)))`.
///
/// Why not glibc's algorithm, as `ExpFloat` and `TanhFloat` do: its tail branch calls glibc's
/// double `exp` twice, whose x86-64 build picks an FMA variant at run time. Only the float
/// rounding of the result matters here, though, so each lane sums erf's Taylor series around
/// the nearest of 65 centres c = 0, 1/16, …, 4 (|u - c| ≤ 1/32) to degree 8, in double, from
/// coefficients made once from glibc's own `erf` and `exp` at the centres and the Hermite
/// recurrence; the series' remainder is under 10^-15 of erf. A lane whose sum lies within
/// 2^-36 (relative) of a point where the float rounding changes, and any lane with |u| ≥ 4,
/// NaN or infinite, takes glibc's `erf` itself. Every float of magnitude under 4 (2^31 of them)
/// was checked, through `torch.erf` and GELU's exact form against their scalar loops: 0 differ.
///
/// Eight lanes that all lie within ±3 (nearly all of GELU's inputs) take one polynomial
/// instead, `u · P(u²)`, whose error is far under that 2^-36 (`erfOnPolynomial`): the same
/// check then gives the same bits, with no table. Every float under 3.0625 in magnitude was
/// checked through it the same way: 0 differ.
///
/// Speed: `gelu` of 2^18 floats on two threads 1.55 → 0.63 ms with the series, whose
/// coefficients are gathered lane by lane (PyTorch, with its own float `erf` and other last
/// bits: 0.125 ms on AVX2); on a Zen 4 machine 0.50 → 0.185 ms with the polynomial (PyTorch's
/// AVX-512 kernel: 0.069).
enum ErfFloat {
    typealias Floats = SIMD8<Float>
    typealias Doubles = SIMD4<Double>
    typealias Words = SIMD4<UInt64>

    // MARK: - The series

    /// Centres per unit, how many (0 to 4), and coefficients per centre (degree 8).
    private static let perUnit = 16.0, centres = 65, terms = 9
    /// Where lanes leave the series for glibc (erf rounds to ±1 in float from about 3.9).
    private static let limit = 4.0

    /// Coefficient n of the series at centre k, at `[k * terms + n]`: erf(c), then
    /// erf⁽ⁿ⁾(c) / n! = 2/√π e^(-c²) (-1)ⁿ⁻¹ Hₙ₋₁(c) / n!. Written once, then only read (so
    /// shared by every thread).
    nonisolated(unsafe) static let coefficients: UnsafeMutablePointer<Double> = {
        let table = UnsafeMutablePointer<Double>.allocate(capacity: centres * terms)
        for k in 0..<centres {
            let c = Double(k) / perUnit
            let scale = 2 / Double.pi.squareRoot() * exp(-c * c)
            var hermite = (previous: 0.0, current: 1.0), factorial = 1.0
            table[k * terms] = libmErf(c)
            for n in 1..<terms {
                factorial *= Double(n)
                table[k * terms + n] = scale * (n % 2 == 1 ? 1 : -1) * hermite.current / factorial
                // H_n = 2c H_(n-1) - 2(n-1) H_(n-2)
                hermite = (hermite.current, 2 * c * hermite.current - 2 * Double(n - 1) * hermite.previous)
            }
        }
        return table
    }()

    // MARK: - Eight lanes

    /// `Float(erf(Double(u)))` of each lane.
    @inline(__always)
    static func erf(_ u: Floats, _ table: UnsafePointer<Double>) -> Floats {
        let limit = Floats(repeating: Float(polynomialLimit))
        if EightLanes.all((u .< limit) .& (u .> -limit)) { return erfOnPolynomial(u) }  // (NaN: neither)
        return Floats(lowHalf: erf(u.lowHalf, table), highHalf: erf(u.highHalf, table))
    }

    // MARK: - The polynomial (|u| < 3)

    /// Where the polynomial holds.
    private static let polynomialLimit = 3.0

    /// `Float(erf(Double(u)))` of lanes within ±3: erf(u) = u · P(u²) in double, then the
    /// series' rounding check, lanes near a rounding point through glibc's `erf`.
    ///
    /// P, of degree 20, interpolates erf(√s)/√s at the 21 Chebyshev nodes of s in [0, 9]
    /// (from double-precision `erf`), written out in powers of s; u · P(u²) is within 2^-43
    /// of erf(u), relative, as evaluated here. It is evaluated by Estrin's scheme, in pairs of coefficients, then
    /// pairs of those: Horner's 20 dependent multiply-adds left the cores waiting (0.83 ms
    /// for GELU of 2^18 floats on one core).
    @inline(__always)
    private static func erfOnPolynomial(_ u: Floats) -> Floats {
        typealias Doubles = SIMD8<Double>
        let d = EightLanes.widened(u), s = d * d
        let s2 = s * s, s4 = s2 * s2, s8 = s4 * s4, s16 = s8 * s8
        @inline(__always) func pair(_ low: Double, _ high: Double) -> Doubles {
            Doubles(repeating: low).addingProduct(Doubles(repeating: high), s)
        }
        // Coefficients 4j…4j+3 of P, then 0…7, 8…15 and 16…20.
        let q0 = pair(0x1.20dd750429b68p+0, -0x1.812746b037712p-2)
            .addingProduct(pair(0x1.ce2f21a039f5cp-4, -0x1.b82ce311a63f0p-6), s2)
        let q1 = pair(0x1.565bcd016aa3ep-8, -0x1.c02db313d6788p-11)
            .addingProduct(pair(0x1.f9a31bcec6d30p-14, -0x1.f4d1fd6968fd6p-17), s2)
        let q2 = pair(0x1.b9e47d4ea8ac4p-20, -0x1.5f6971747b55dp-23)
            .addingProduct(pair(0x1.fc784925c48bap-27, -0x1.50fe93f55d47ap-30), s2)
        let q3 = pair(0x1.9aab18d0b5100p-34, -0x1.cb0c0beabdb6cp-38)
            .addingProduct(pair(0x1.d13b16e4c4162p-42, -0x1.a133f4e475531p-46), s2)
        let q4 = pair(0x1.3e604a1582d08p-50, -0x1.872025de31326p-55)
            .addingProduct(pair(0x1.652d6f6f1e5bep-60, -0x1.a992bf5efda4cp-66), s2)
            .addingProduct(Doubles(repeating: 0x1.eb71cb80310bcp-73), s4)
        let low = q0.addingProduct(q1, s4), middle = q2.addingProduct(q3, s4)
        let sum = d * low.addingProduct(middle, s8).addingProduct(q4, s16)
        let up = EightLanes.narrowed(sum * (1 + 0x1p-36)), down = EightLanes.narrowed(sum * (1 - 0x1p-36))
        if EightLanes.all(up .== down) { return up }
        var result = up
        for i in 0..<8 where up[i] != down[i] { result[i] = Float(libmErf(Double(u[i]))) }
        return result
    }

    /// Four lanes of `erf(_:_:)`, in double.
    @inline(__always)
    private static func erf(_ u: SIMD4<Float>, _ table: UnsafePointer<Double>) -> SIMD4<Float> {
        let d = Doubles(Double(u[0]), Double(u[1]), Double(u[2]), Double(u[3]))
        let sign = unsafeBitCast(d, to: Words.self) & 0x8000_0000_0000_0000
        let a = unsafeBitCast(unsafeBitCast(d, to: Words.self) ^ sign, to: Doubles.self)
        let inSeries = a .< limit
        // The nearest centre's number, rounded by the 1.5 · 2^52 shift (its low bits then hold
        // it: no conversions), 0 for lanes outside (NaN among them); the step from it is exact.
        let shifted = (a * perUnit).replacing(with: 0, where: .!inSeries) + shift
        let centre = shifted - shift
        let h = a.replacing(with: 0, where: .!inSeries) - centre / perUnit
        let index = unsafeBitCast(shifted, to: Words.self) & 0xff
        let rows = (table + Int(truncatingIfNeeded: index[0]) &* terms, table + Int(truncatingIfNeeded: index[1]) &* terms,
                    table + Int(truncatingIfNeeded: index[2]) &* terms, table + Int(truncatingIfNeeded: index[3]) &* terms)
        func coefficient(_ n: Int) -> Doubles { Doubles(rows.0[n], rows.1[n], rows.2[n], rows.3[n]) }
        var sum = coefficient(terms - 1)
        for n in stride(from: terms - 2, through: 0, by: -1) { sum = sum * h + coefficient(n) }
        // Every sum is ≥ 0: the lane's sign is put back by its bit (erf(-0) is -0). Lanes
        // outside the series become NaN, which the check below sends to glibc.
        sum = unsafeBitCast(unsafeBitCast(sum, to: Words.self) | sign, to: Doubles.self)
            .replacing(with: .nan, where: .!inSeries)
        let up = narrowed(sum * (1 + 0x1p-36)), down = narrowed(sum * (1 - 0x1p-36))
        if all(up .== down) { return up }
        var result = up
        for i in 0..<4 where !(up[i] == down[i]) { result[i] = Float(libmErf(Double(u[i]))) }
        return result
    }

    /// Each lane rounded to float.
    @inline(__always)
    private static func narrowed(_ x: Doubles) -> SIMD4<Float> {
        SIMD4<Float>(Float(x[0]), Float(x[1]), Float(x[2]), Float(x[3]))
    }

    /// 1.5 · 2^52: a double under 2^51 in magnitude plus this is rounded to an integer, held in
    /// the low bits of the sum's bit pattern.
    private static let shift: Double = 0x1.8p52

    // MARK: - Arrays

    /// `y[i] = lanes(x)[i]` for `i` in `0..<count` (`EightLanes.map`), `lanes` given the
    /// coefficients: `erf` itself, or GELU's exact form.
    @inline(__always)
    static func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                      _ lanes: (Floats, UnsafePointer<Double>) -> Floats) {
        let table = UnsafePointer(coefficients)
        EightLanes.map(x, into: y, count: count) { lanes($0, table) }
    }

    /// GELU's exact form of each lane, as `Ops.GeluKernel` computes one float:
    /// (0.5 x) (1 + erf(x · √½)), the erf rounded to float.
    @inline(__always)
    static func gelu(_ x: Floats, _ table: UnsafePointer<Double>) -> Floats {
        0.5 * x * (1 + erf(x * Float(0.5.squareRoot()), table))
    }
}

/// libm's double `erf` (a free function: inside `ErfFloat`, `erf` names the lanes).
private func libmErf(_ x: Double) -> Double { erf(x) }

// MARK: - Whole tensors

extension Tensor {
    /// `erf` (or, `gelu`, GELU's exact form) of a contiguous float32 `x`, as a new tensor split
    /// across the pool like any element-wise op, with the bits of the scalar loop; nil for
    /// other tensors.
    static func contiguousFloatErf(_ x: Tensor, gelu: Bool = false) throws -> Tensor? {
        guard x.dtype == .float32, x.isContiguous else { return nil }
        let out = try Tensor.empty(x.shape, dtype: .float32)
        let px = x.pointer(Float.self), po = out.pointer(Float.self)
        Parallel.chunks(x.numel) { range in
            if gelu {
                ErfFloat.apply(px + range.lowerBound, into: po + range.lowerBound, count: range.count, ErfFloat.gelu)
            } else {
                ErfFloat.apply(px + range.lowerBound, into: po + range.lowerBound, count: range.count, ErfFloat.erf)
            }
        }
        return out
    }
}
