import Testing
@testable import Autograd

/// Products the pool cuts into blocks (`ProductGrain`, `Tensor.blasGemm`): with the probed
/// grain their bits are those of one OpenBLAS call over the whole product, so they do not
/// depend on the thread count.
@Suite struct ProductGrainTests {
    /// Tall and square outputs split by rows, a wide one with 128 rows or more (by rows where
    /// column blocks change the bits), a wide one with few rows (by columns), and the
    /// backward's `Xᵀ @ g` of the MLP step (784 rows), and the step's `h @ W2` at batch 64 and
    /// 256 (split by rows below 2^20 multiply-adds).
    static let shapes: [(n: Int, k: Int, m: Int)] = [(300, 500, 200), (130, 400, 700), (40, 300, 1000), (784, 64, 256),
                                                     (64, 256, 10), (256, 256, 10)]

    @Test func theGrainIsOneOfTheCandidates() {
        let grain = ProductGrain.shared
        if let rows = grain.rows { #expect(ProductGrain.candidates.contains(rows)) }
        #expect(grain.roundedUp(1) == grain.rowStep)
        #expect(grain.roundedUp(grain.rowStep * 3) == grain.rowStep * 3)
    }

    @Test(arguments: [DType.float32, .float64], [false, true])
    func splitProductsHaveTheBitsOfOneCall(dtype: DType, transposedLeft: Bool) throws {
        let grain = ProductGrain.shared
        guard grain.rows != nil else { return }   // no grain found: splits may change bits
        var values = DepthSplitProductTests.Values()
        for (n, k, m) in Self.shapes {
            var a = try Tensor((0..<(n * k)).map { _ in values.next() }, shape: [n, k]).materialized(dtype: dtype)
            let b = try Tensor((0..<(k * m)).map { _ in values.next() }, shape: [k, m]).materialized(dtype: dtype)
            if transposedLeft { a = try a.t().contiguous().t() }
            // Columns keep the bits only where the probe says so.
            let byColumns = n < m && n < 128
            if byColumns && !grain.columns { continue }
            let pooled = try Tensor.matmulKernel(a, b)
            let whole = try Tensor.empty([n, m], dtype: dtype)
            try BlasProduct(a, b, whole).run()
            let differ = (0..<(n * m)).filter { pooled.element($0).bitPattern != whole.element($0).bitPattern }
            #expect(differ.isEmpty, "\(n)x\(k) @ \(k)x\(m): \(differ.count) entries differ")
        }
    }
}
