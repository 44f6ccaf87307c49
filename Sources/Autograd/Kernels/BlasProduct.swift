import AVX512Kernels
import COpenBLAS

/// One float matrix product `out = alpha · (a @ b) + beta · out` prepared for OpenBLAS on the
/// calling thread: the operands in a layout BLAS reads (a transposed view passed as a flag,
/// any other layout copied), so that the product, or any block of its output, can then run
/// on whichever thread of the pool claims it. On a CPU with AVX-512F, float32 blocks run on
/// LuaGrad's own register tile instead (`WideProducts`), whose entries are one chain each
/// whatever the block.
///
/// Every entry of the output is the same sum over `k` in the same order whichever thread
/// computes it: OpenBLAS runs single-threaded inside each call (`BlasThreads`) with the same
/// kernels everywhere, and blocks start where the kernels' tiles do (`ProductGrain`), so
/// where a product runs never changes its bits. (A product split along `k`,
/// `Tensor.blasGemmAlongDepth`, is two of these added: its bits depend on the shape's split
/// point, still not on the thread.)
struct BlasProduct {
    let a: Tensor, b: Tensor, out: Tensor
    let transA: CBLAS_TRANSPOSE, transB: CBLAS_TRANSPOSE
    let lda: Int32, ldb: Int32
    /// Output rows, output columns and the shared dim.
    let n: Int, m: Int, k: Int
    let alpha: Double, beta: Double

    /// Prepares `out = alpha · (a @ b) + beta · out` for float `a` (n×k, k > 0), `b` (k×m) and a
    /// contiguous n×m `out` of one dtype (with `beta` 0, `out` is not read).
    init(_ a: Tensor, _ b: Tensor, _ out: Tensor, alpha: Double = 1, beta: Double = 0) throws {
        // OpenBLAS is opened for the products it computes: a script whose products all run
        // on `WideSgemm` never loads it (2–3 ms of dynamic linking at the first product).
        if !(out.dtype == .float32 && WideProducts.handles(alpha: alpha, beta: beta, depth: a.shape[1])) {
            try BlasThreads.load()
        }
        let (x, transA, lda) = try BlasProduct.operand(a)
        let (y, transB, ldb) = try BlasProduct.operand(b)
        self.a = x
        self.b = y
        self.out = out
        self.transA = transA
        self.transB = transB
        self.lda = lda
        self.ldb = ldb
        n = a.shape[0]
        m = b.shape[1]
        k = a.shape[1]
        self.alpha = alpha
        self.beta = beta
    }

    /// Computes the output rows `range` (`byRows`) or its columns `range`, in one BLAS call.
    func run(_ range: Range<Int>, byRows: Bool) {
        let start = range.lowerBound
        // The block's first row of A (`start` rows down as stored, `start` columns across when
        // transposed), or its first column of B (likewise), and its corner of C.
        let (rows, cols) = byRows ? (range.count, m) : (n, range.count)
        let aOffset = byRows ? (transA == CblasNoTrans ? start * Int(lda) : start) : 0
        let bOffset = byRows ? 0 : (transB == CblasNoTrans ? start : start * Int(ldb))
        let cOffset = byRows ? start * m : start
        if out.dtype == .float32 && WideProducts.handles(alpha: alpha, beta: beta, depth: k) {
            // The same operand and block as the BLAS call below, as element steps.
            let (aRowStep, aDepthStep) = transA == CblasNoTrans ? (Int(lda), 1) : (1, Int(lda))
            let (bDepthStep, bColumnStep) = transB == CblasNoTrans ? (Int(ldb), 1) : (1, Int(ldb))
            WideSgemm.multiply(rows: rows, columns: cols, depth: k,
                               a: a.pointer(Float.self) + aOffset, aRowStep: aRowStep, aDepthStep: aDepthStep,
                               b: b.pointer(Float.self) + bOffset, bDepthStep: bDepthStep, bColumnStep: bColumnStep,
                               c: out.pointer(Float.self) + cOffset, ldc: m, accumulate: beta == 1)
        } else if out.dtype == .float32 {
            lg_sgemm(CblasRowMajor, transA, transB, Int32(rows), Int32(cols), Int32(k), Float(alpha),
                     a.pointer(Float.self) + aOffset, lda, b.pointer(Float.self) + bOffset, ldb,
                     Float(beta), out.pointer(Float.self) + cOffset, Int32(m))
        } else {
            lg_dgemm(CblasRowMajor, transA, transB, Int32(rows), Int32(cols), Int32(k), alpha,
                     a.pointer(Double.self) + aOffset, lda, b.pointer(Double.self) + bOffset, ldb,
                     beta, out.pointer(Double.self) + cOffset, Int32(m))
        }
    }

    /// Computes the whole product in one BLAS call on this thread.
    func run() { run(0..<n, byRows: true) }

    /// A matrix as BLAS wants it: row-major with unit column stride, or its transpose.
    private static func operand(_ t: Tensor) throws -> (Tensor, CBLAS_TRANSPOSE, Int32) {
        let rows = t.shape[0], cols = t.shape[1]
        if t.strides[1] == 1 && (t.strides[0] >= max(cols, 1) || rows == 1) {
            return (t, CblasNoTrans, Int32(max(t.strides[0], max(cols, 1))))
        }
        if t.strides[0] == 1 && (t.strides[1] >= max(rows, 1) || cols == 1) {
            return (t, CblasTrans, Int32(max(t.strides[1], max(rows, 1))))
        }
        let copy = try t.materialized()
        return (copy, CblasNoTrans, Int32(max(cols, 1)))
    }
}
