/// Matrix products too small for BLAS to pay for its call.
extension Tensor {
    /// The most multiply-adds (n·m·k) a product may have to skip BLAS: a `cblas_sgemm` call
    /// costs about 2 000 instructions of set-up (operand checks, the worker pool's job, the
    /// library's own dispatch and packing) before its first multiply-add, and a plain loop
    /// spends three or four per multiply-add.
    static let tinyProductLimit = 512

    /// The longest shared dim a product may have to skip BLAS. Up to here, each entry of
    /// OpenBLAS's result (0.3.21, this machine's kernels) is one chain of fused multiply-adds
    /// over the shared dim in order, starting from zero, which `tinyProduct` repeats bit for
    /// bit (checked on 30 million random entries of both dtypes, every transpose, with and
    /// without accumulation); from 16 on its kernels split the chain.
    static let tinyProductDepth = 15

    /// `out = a @ b`, or `out += a @ b` when `accumulate`, for float `a` (n×k) and `b` (k×m)
    /// of `out`'s dtype with n·m·k at most `tinyProductLimit` and k at most
    /// `tinyProductDepth`; `out` is contiguous n×m and shares memory with neither. Returns
    /// false, leaving `out` alone, for other products.
    ///
    /// BLAS's rounding is kept: each entry is `fma` over the shared dim from 0, then added to
    /// the old entry (accumulating) or to +0 (as BLAS's `C = alpha·acc + C` on a zeroed C, which
    /// turns a -0 sum into +0).
    static func tinyProduct(_ a: Tensor, _ b: Tensor, into out: Tensor, accumulate: Bool) -> Bool {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        guard k <= tinyProductDepth, n &* m &* k <= tinyProductLimit else { return false }
        switch out.dtype {
        case .float32: tinyProduct(a, b, into: out, accumulate: accumulate, Float.self)
        case .float64: tinyProduct(a, b, into: out, accumulate: accumulate, Double.self)
        case .int64, .bool: return false
        }
        return true
    }

    private static func tinyProduct<T: FloatElement>(_ a: Tensor, _ b: Tensor, into out: Tensor,
                                                     accumulate: Bool, _: T.Type) {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
        let rowStep = a.strides[0], stepA = a.strides[1], stepB = b.strides[0], columnStep = b.strides[1]
        for i in 0..<n {
            let row = pa + i &* rowStep, outRow = po + i &* m
            for j in 0..<m {
                var x = row, y = pb + j &* columnStep
                var sum: T = 0
                for _ in 0..<k {
                    sum = sum.addingProduct(x.pointee, y.pointee)
                    x += stepA
                    y += stepB
                }
                outRow[j] = accumulate ? sum + outRow[j] : sum + 0
            }
        }
    }
}
