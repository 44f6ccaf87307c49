import Testing
@testable import Autograd

/// Products too small for BLAS (`TinyProducts.swift`) keep BLAS's rounding: each is checked
/// against the same rows computed inside a product large enough to go to BLAS, up to the
/// depth `TinyDepth` found for this machine's OpenBLAS, and against OpenBLAS on the same
/// operands past it.
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
            let small = try Tensor.matmulKernel(a, b)
            // Up to the probed depth, OpenBLAS keeps one chain per entry, whatever the rows: the
            // same rows of a BLAS-sized product. Past it (float32 from k = 8 on Zen kernels) the
            // tiny path is not taken and the product is OpenBLAS's own for these operands; its
            // kernels then round a row differently by how many rows share its tile.
            let depth = dtype == .float32 ? TinyDepth.float : TinyDepth.double
            let reference: Tensor
            if k <= depth {
                reference = try Tensor.matmulKernel(aTall, b)
            } else {
                reference = try Tensor.empty([n, m], dtype: dtype)
                try BlasProduct(a, b, reference).run()
            }
            for i in 0..<(n * m) {
                #expect(small.element(i).bitPattern == reference.element(i).bitPattern,
                        "\(n)x\(k) @ \(k)x\(m), entry \(i), depth \(depth)")
            }
        }
    }

    /// Where the probe allows the tiny path, OpenBLAS's result is one chain at every depth up to
    /// it, for any row count (1 to 40 rows, 1 to 32 columns).
    @Test(arguments: [DType.float32, .float64])
    func theProbedDepthKeepsOneChainForAnyRows(dtype: DType) throws {
        let depth = dtype == .float32 ? TinyDepth.float : TinyDepth.double
        #expect((0...Tensor.tinyProductDepth).contains(depth))
        var seed: UInt64 = 0x51_7CC1_B727_220A
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
        }
        for k in stride(from: 1, through: depth, by: 1) {
            for m in [1, 5, 8, 9, 16, 32] {
                for rows in [1, 2, 3, 4, 5, 9, 17, 40] {
                    let a = try Tensor((0..<(rows * k)).map { _ in next() }, shape: [rows, k]).materialized(dtype: dtype)
                    let b = try Tensor((0..<(k * m)).map { _ in next() }, shape: [k, m]).materialized(dtype: dtype)
                    let blas = try Tensor.empty([rows, m], dtype: dtype), chain = try Tensor.empty([rows, m], dtype: dtype)
                    try BlasProduct(a, b, blas).run()
                    if dtype == .float32 {
                        Tensor.tinyProduct(a, b, into: chain, accumulate: false, Float.self)
                    } else {
                        Tensor.tinyProduct(a, b, into: chain, accumulate: false, Double.self)
                    }
                    for i in 0..<(rows * m) where blas.element(i).bitPattern != chain.element(i).bitPattern {
                        Issue.record("\(rows)x\(k) @ \(k)x\(m): entry \(i) of the chain differs from OpenBLAS's")
                        break
                    }
                }
            }
        }
    }
}
