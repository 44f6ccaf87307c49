import COpenBLAS

/// Matrix-product kernels.
extension Tensor {
    /// `a @ b` for 2-d `a` (n×k) and `b` (k×m) of the same dtype, as a new contiguous n×m tensor.
    static func matmulKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let n = a.shape[0], m = b.shape[1]
        let dtype = a.dtype
        let out = try Tensor.empty([n, m], dtype: dtype)
        switch dtype {
        case .float32, .float64: try blasGemm(a, b, out)
        case .int64: try gemm(a, b, out, Int64.self)
        case .bool:
            let r = try matmulKernel(a.converted(to: .int64), b.converted(to: .int64))
            return try r.materialized(dtype: .bool)
        }
        return out
    }

    /// `out = a @ b` through OpenBLAS. A transposed view (`w:t()`) is passed as a transpose flag
    /// rather than copied, which is what every backward of `mm` produces.
    private static func blasGemm(_ a: Tensor, _ b: Tensor, _ out: Tensor) throws {
        let n = Int32(a.shape[0]), k = Int32(a.shape[1]), m = Int32(b.shape[1])
        guard n > 0, m > 0 else { return }
        if k == 0 {
            try out.copyElements(from: Tensor.zeros([], dtype: out.dtype))
            return
        }
        let (x, transA, lda) = try blasOperand(a)
        let (y, transB, ldb) = try blasOperand(b)
        _ = blasSingleThreaded
        // Large products are split across the engine's workers, each running a single-threaded
        // gemm: one thread pool for everything, instead of OpenBLAS's own threads spinning
        // (sched_yield) against the element-wise workers on a small machine. The split is along
        // the longer side of the result: each worker packs only its share of the operand on
        // that side (`X @ W1` with 64 rows and 256 columns splits W1's columns, so W1 is
        // packed once in all, not once per worker).
        let work = Int(n) * Int(m) * Int(k)
        let byColumns = m > n
        let extent = Int(byColumns ? m : n)
        let parts = work >= 1 << 21 && extent >= 2 * Parallel.workers ? Parallel.workers : 1
        let share = (extent + parts - 1) / parts
        let stop = Cancellation.probe()
        // Blocks of rows, so a cancelled script stops within a few tens of milliseconds: about
        // 2^30 multiply-adds per call (at least 64 rows). Smaller blocks cost more than they
        // buy: every call packs its whole share of B again (64-row blocks made a 1024² product
        // 20% slower).
        let block = max(64, (1 << 30) / max(Int(m) * Int(k), 1))
        Parallel.forEach(parts) { p in
            let lo = p * share, hi = min(extent, lo + share)
            guard lo < hi else { return }
            let (firstRow, lastRow) = byColumns ? (0, Int(n)) : (lo, hi)
            let (c0, c1) = byColumns ? (lo, hi) : (0, Int(m))
            var r0 = firstRow
            while r0 < lastRow {
                if r0 > firstRow && stop() { return }
                let r1 = min(lastRow, r0 + block)
                // Row r0 of A: r0 rows down when stored as is, r0 columns across when transposed;
                // column c0 of B: c0 across as is, c0 rows down when transposed.
                let aOffset = transA == CblasNoTrans ? r0 * Int(lda) : r0
                let bOffset = transB == CblasNoTrans ? c0 : c0 * Int(ldb)
                let cOffset = r0 * Int(m) + c0
                if out.dtype == .float32 {
                    cblas_sgemm(CblasRowMajor, transA, transB, Int32(r1 - r0), Int32(c1 - c0), k, 1,
                                x.pointer(Float.self) + aOffset, lda, y.pointer(Float.self) + bOffset, ldb, 0,
                                out.pointer(Float.self) + cOffset, m)
                } else {
                    cblas_dgemm(CblasRowMajor, transA, transB, Int32(r1 - r0), Int32(c1 - c0), k, 1,
                                x.pointer(Double.self) + aOffset, lda, y.pointer(Double.self) + bOffset, ldb, 0,
                                out.pointer(Double.self) + cOffset, m)
                }
                r0 = r1
            }
        }
    }

    /// OpenBLAS runs single-threaded inside the engine's own workers (set once per process).
    private static let blasSingleThreaded: Void = openblas_set_num_threads(1)

    /// A matrix as BLAS wants it: row-major with unit column stride, or its transpose.
    private static func blasOperand(_ t: Tensor) throws -> (Tensor, CBLAS_TRANSPOSE, Int32) {
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

    /// The i-k-j loop over contiguous operands: streams rows of `b` and `out` for cache locality.
    private static func gemm<T: GemmElement>(_ a: Tensor, _ b: Tensor, _ out: Tensor, _: T.Type) throws {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        let ac = a.isContiguous ? a : try a.materialized()
        let bc = b.isContiguous ? b : try b.materialized()
        let pa = ac.pointer(T.self), pb = bc.pointer(T.self), po = out.pointer(T.self)
        for i in 0..<(n * m) { po[i] = T.zeroValue }
        for i in 0..<n {
            let row = po + i * m
            for p in 0..<k {
                let s = pa[i * k + p]
                let brow = pb + p * m
                for j in 0..<m { row[j] = T.mulAdd(row[j], s, brow[j]) }
            }
        }
    }
}

/// An element type of matrix products.
protocol GemmElement: TensorElement {
    static var zeroValue: Self { get }
    /// `acc + x * y`; integers wrap on overflow as PyTorch's do, instead of trapping.
    static func mulAdd(_ acc: Self, _ x: Self, _ y: Self) -> Self
}

extension Float: GemmElement {
    static var zeroValue: Float { 0 }
    @inline(__always) static func mulAdd(_ acc: Float, _ x: Float, _ y: Float) -> Float { acc + x * y }
}

extension Double: GemmElement {
    static var zeroValue: Double { 0 }
    @inline(__always) static func mulAdd(_ acc: Double, _ x: Double, _ y: Double) -> Double { acc + x * y }
}

extension Int64: GemmElement {
    static var zeroValue: Int64 { 0 }
    @inline(__always) static func mulAdd(_ acc: Int64, _ x: Int64, _ y: Int64) -> Int64 { acc &+ x &* y }
}
