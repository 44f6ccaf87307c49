import Testing
@testable import Autograd

/// Products too small for BLAS (`TinyProducts.swift`) keep BLAS's rounding: each is checked
/// against the same rows computed inside a product large enough to go to BLAS.
@Suite struct TinyProductTests {
    /// n × k @ k × m shapes under the tiny-product limits (n·m·k ≤ 512, k ≤ 15).
    static let shapes: [(n: Int, k: Int, m: Int)] = [(10, 2, 1), (2, 10, 1), (1, 1, 1), (7, 5, 3), (3, 15, 4), (4, 8, 16), (2, 12, 16), (3, 15, 8)]

    @Test(arguments: [DType.float32, .float64], [false, true])
    func tinyProductsGiveBLASBits(dtype: DType, transposedRight: Bool) throws {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
        }
        for (n, k, m) in Self.shapes {
            // The tall left operand's first n rows are the small product's left operand.
            let tall = 512 / (k * m) + n + 1
            let values = (0..<(tall * k)).map { _ in next() }
            let aTall = try Tensor(values, shape: [tall, k]).materialized(dtype: dtype)
            let a = try Tensor(Array(values[..<(n * k)]), shape: [n, k]).materialized(dtype: dtype)
            var b = try Tensor((0..<(k * m)).map { _ in next() }, shape: [k, m]).materialized(dtype: dtype)
            // A transposed view goes to BLAS as a transpose flag, and is read through its strides here.
            if transposedRight { b = try b.t().contiguous().t() }
            let small = try Tensor.matmulKernel(a, b), large = try Tensor.matmulKernel(aTall, b)
            for i in 0..<(n * m) {
                #expect(small.element(i).bitPattern == large.element(i).bitPattern, "\(n)x\(k) @ \(k)x\(m), entry \(i)")
            }
        }
    }
}
