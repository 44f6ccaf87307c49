@testable import Autograd

/// What the eight-lane kernels that reproduce a libm function bit for bit (`ExpFloat`,
/// `TanhFloat`, `LogFloat`, `SinCosFloat`) are checked with: sample floats and counts of
/// differing results.
enum EightLaneChecks {
    /// Floats spread over every exponent and sign (a stride through all 2^32 bit patterns),
    /// then `extra` (a function's branch edges) and the special values.
    static func samples(_ extra: [Float]) -> [Float] {
        var values: [Float] = stride(from: UInt64(0), to: 1 << 32, by: 1_021).map { Float(bitPattern: UInt32($0)) }
        values += extra
        values += [0, -0.0, .infinity, -.infinity, .nan, -.nan, Float(bitPattern: 0x7fa0_0001),
                   .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
                   -.greatestFiniteMagnitude]
        return values
    }

    /// How many of `xs` get other bits from `lanes` (eight at a time) than from `scalar`; two
    /// NaNs count as equal unless `nanBits` asks for the same payload and sign too.
    static func differing(_ xs: [Float], nanBits: Bool = false,
                          lanes: (SIMD8<Float>) -> SIMD8<Float>, scalar: (Float) -> Float) -> Int {
        var differ = 0
        for start in stride(from: 0, to: xs.count - 7, by: 8) {
            let v = lanes(SIMD8<Float>(xs[start..<(start + 8)]))
            for j in 0..<8 {
                let want = scalar(xs[start + j])
                let same = want.bitPattern == v[j].bitPattern || (!nanBits && want.isNaN && v[j].isNaN)
                if !same { differ += 1 }
            }
        }
        return differ
    }

    /// Whether `apply(x, y, count)` writes `scalar` of every element, for every length from
    /// 0 to 20 (whole vectors and padded tails), into other memory and in place.
    static func arraysMatch(_ scalar: (Float) -> Float,
                            apply: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Bool {
        let xs: [Float] = (0..<20).map { Float($0) * 0.37 - 3.1 }
        for count in 0...20 {
            var y = [Float](repeating: .nan, count: count)
            var inPlace = Array(xs[0..<count])
            xs.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { out in apply(x.baseAddress!, out.baseAddress!, count) }
            }
            inPlace.withUnsafeMutableBufferPointer { p in
                if let base = p.baseAddress { apply(base, base, count) }
            }
            let want = xs[0..<count].map { scalar($0).bitPattern }
            if y.map(\.bitPattern) != want || inPlace.map(\.bitPattern) != want { return false }
        }
        return true
    }

    /// Entries of `op` (with `args`) on a contiguous float32 matrix (300 × 301) of `value(i)`, but for a NaN,
    /// +∞ and -∞ at entries 5, 6 and 7, whose bits differ from the same op on the rows of a
    /// transposed copy (the element-by-element path: a strided row of 301 is below
    /// `Tensor.stridedCopyMinimum`, so no contiguous copy is made for it); any two NaNs count
    /// as equal.
    static func differingFromStridedPath(_ op: Op, _ args: [Arg] = [], _ value: (Int) -> Double) throws -> [Int] {
        var values = (0..<(300 * 301)).map(value)
        values[5] = .nan
        values[6] = .infinity
        values[7] = -.infinity
        let x = try Tensor(values, shape: [300, 301]).materialized(dtype: .float32)
        let strided = try x.t().contiguous().t()
        let fast = try op.apply(x, args)
        var differ: [Int] = []
        for r in 0..<300 {
            let row = try strided.sliceView(0, r, r + 1, step: 1)
            precondition(!row.isContiguous && row.numel < Tensor.stridedCopyMinimum)
            let slow = try op.apply(row, args).contiguous()
            for c in 0..<301 {
                let a = fast.element(r * 301 + c), b = slow.element(c)
                if a.bitPattern != b.bitPattern && !(a.isNaN && b.isNaN) { differ.append(r * 301 + c) }
            }
        }
        return differ
    }
}
