import COpenBLAS
import Testing
@testable import Autograd

/// Products that overwrite their output (beta 0), which `lg_sgemm` and `lg_dgemm` send to
/// OpenBLAS as a memset and a product added onto it (`openblas_loader.c`): what the output held
/// before never shows, and every entry has the bits of OpenBLAS's own beta-0 call.
@Suite struct BlasOverwriteTests {
    /// `cblas_sgemm` of the process's OpenBLAS, called directly, without the shim.
    typealias RawSgemm = @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
                                         Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                         Float, UnsafeMutablePointer<Float>?, Int32) -> Void

    /// A matrix of small integers, exact in either dtype, as are the products' sums.
    static func integers(_ rows: Int, _ columns: Int, seed: Int, dtype: DType) throws -> Tensor {
        try Tensor((0..<(rows * columns)).map { Double(($0 * seed + 3) % 11 - 5) }, shape: [rows, columns])
            .materialized(dtype: dtype)
    }

    @Test(arguments: [DType.float32, .float64])
    func anOutputFullOfNaNIsOverwrittenWholeAndByColumnBlocks(dtype: DType) throws {
        let n = 37, k = 19, m = 53
        let a = try Self.integers(n, k, seed: 7, dtype: dtype), b = try Self.integers(k, m, seed: 5, dtype: dtype)
        let whole = try Tensor.full([n, m], .nan, dtype: dtype)
        try BlasProduct(a, b, whole).run()
        // Column blocks write rows of `range.count` entries `m` apart: the zeroing must keep to them.
        let blocks = try Tensor.full([n, m], .nan, dtype: dtype)
        let product = try BlasProduct(a, b, blocks)
        product.run(0..<20, byRows: false)
        product.run(20..<m, byRows: false)
        for i in 0..<n {
            for j in 0..<m {
                let exact = (0..<k).reduce(0.0) { $0 + a.element(i * k + $1) * b.element($1 * m + j) }
                #expect(whole.element(i * m + j) == exact, "whole: entry (\(i), \(j))")
                #expect(blocks.element(i * m + j) == exact, "blocks: entry (\(i), \(j))")
            }
        }
    }

    /// The training step's shapes whose zeroing OpenBLAS's Zen kernels did slowest (an
    /// `Xᵀ @ g` row half, the `W2` gradient's `g @ W2ᵀ`) and a square one, with random floats.
    @Test(arguments: [(400, 64, 256, true), (64, 10, 256, false), (96, 96, 96, false)])
    func theBitsAreThoseOfOpenBLASsOwnBetaZero(n: Int, k: Int, m: Int, transposedLeft: Bool) throws {
        var values = DepthSplitProductTests.Values()
        let a = try Tensor((0..<(n * k)).map { _ in values.next() }, shape: transposedLeft ? [k, n] : [n, k])
            .materialized(dtype: .float32)
        let b = try Tensor((0..<(k * m)).map { _ in values.next() }, shape: [k, m]).materialized(dtype: .float32)
        // The shim itself: on an AVX-512 machine `BlasProduct` sends float32 to `WideSgemm`.
        try BlasThreads.load()
        let shimmed = try Tensor.full([n, m], .nan)
        lg_sgemm(CblasRowMajor, transposedLeft ? CblasTrans : CblasNoTrans, CblasNoTrans, Int32(n), Int32(m), Int32(k), 1,
                 a.pointer(Float.self), Int32(transposedLeft ? n : k), b.pointer(Float.self), Int32(m),
                 0, shimmed.pointer(Float.self), Int32(m))
        let raw = unsafeBitCast(try #require(lg_openblas_symbol("cblas_sgemm")), to: RawSgemm.self)
        let direct = try Tensor.full([n, m], .nan)
        raw(CblasRowMajor, transposedLeft ? CblasTrans : CblasNoTrans, CblasNoTrans, Int32(n), Int32(m), Int32(k), 1,
            a.pointer(Float.self), Int32(transposedLeft ? n : k), b.pointer(Float.self), Int32(m),
            0, direct.pointer(Float.self), Int32(m))
        for i in 0..<(n * m) where shimmed.element(i).bitPattern != direct.element(i).bitPattern {
            Issue.record("\(n)x\(k)x\(m): entry \(i) is \(shimmed.element(i)), OpenBLAS's beta 0 gives \(direct.element(i))")
            break
        }
    }
}
