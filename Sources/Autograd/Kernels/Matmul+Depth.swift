/// Matrix products split along the shared dim.
extension Tensor {
    // MARK: - Choosing the split

    /// Where a product n×k @ k×m splits its shared dim `k`, or nil when it splits its output
    /// instead (`blasGemm`'s blocks). A function of the shape only, never of the thread count
    /// or the load: the split decides the rounding.
    ///
    /// Which products: those the pool would split (2^20 multiply-adds or more, `blockLength`)
    /// whose output is no taller than wide (n ≤ m) and whose right operand is at least twice as
    /// tall as wide (k ≥ 2m): a batch times a weight matrix, `X @ W1` of the MLP step (64×784 @
    /// 784×256). Split by output columns, each core read a column half of every row of `W1`,
    /// while the backward's `Xᵀ @ g` writes `W1.grad` by row halves and the update's
    /// element-wise ops write `W1` by flat halves (about row halves): half of `W1`'s lines moved
    /// between the cores every step. Split along `k`, each core reads the rows of `W1` it
    /// later writes. Products of 2^30 multiply-adds or more keep the output blocks, whose
    /// count grows with the product so a cancelled script stops soon.
    ///
    /// Where: half of `k` rounded up to a multiple of the kernels' row tile (`ProductGrain`:
    /// 12 on Zen 3), the row boundary at which `blockLength` splits an output of `k` rows
    /// between two workers, so `W1.grad`'s row blocks in `Xᵀ @ g` (784 rows: 396 + 388 on
    /// Zen 3) match the rows each core read.
    static func depthSplit(n: Int, m: Int, k: Int) -> Int? {
        let multiplyAdds = n * m * k
        guard n <= m, k >= 2 * m, multiplyAdds >= serialProductLimit, multiplyAdds < 1 << 30 else { return nil }
        return ProductGrain.shared.roundedUp((k + 1) / 2)
    }

    // MARK: - The split product

    /// `out = alpha · (a @ b) + beta · out` as two partial products along the shared dim:
    /// `alpha · (a[:, :split] @ b[:split, :]) + beta · out` into `out` and `alpha ·
    /// (a[:, split:] @ b[split:, :])` into a scratch matrix, one pool part each (the poster
    /// takes the first, so the rows of `b` it reads are those it writes in the backward's first
    /// block and the update's first half), then the scratch added onto `out`, entry by entry.
    ///
    /// Each entry is the sum of the same two partial sums in the same order whichever thread
    /// computes each part, and on one thread when the pool runs alone: the bits depend on the
    /// shape only. They differ from one BLAS call over all of `k` by that extra rounding.
    static func blasGemmAlongDepth(_ a: Tensor, _ b: Tensor, _ out: Tensor, at split: Int,
                                   alpha: Double, beta: Double) throws {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        let front = try BlasProduct(a.sliceView(1, 0, split, step: 1), b.sliceView(0, 0, split, step: 1), out,
                                    alpha: alpha, beta: beta)
        let scratch = try Tensor.empty([n, m], dtype: out.dtype)
        let back = try BlasProduct(a.sliceView(1, split, k, step: 1), b.sliceView(0, split, k, step: 1), scratch,
                                   alpha: alpha, beta: 0)
        let stop = Cancellation.probe()
        WorkerPool.shared.run(parts: 2) { p in
            (p == 0 ? front : back).run()
            return !stop()
        }
        // Split like the element-wise op that reads `out` next (`+ b1`), so each core adds
        // the half it then reads: done on the posting thread alone, the whole of `out` then
        // had to move to the other core for its half of that op.
        if out.dtype == .float32 {
            let partial = scratch.pointer(Float.self), total = out.pointer(Float.self)
            Parallel.chunks(n * m) { r in addPartial(partial + r.lowerBound, into: total + r.lowerBound, count: r.count) }
        } else {
            let partial = scratch.pointer(Double.self), total = out.pointer(Double.self)
            Parallel.chunks(n * m) { r in addPartial(partial + r.lowerBound, into: total + r.lowerBound, count: r.count) }
        }
    }

    /// `out[i] += partial[i]` for `count` entries (vectorizes).
    private static func addPartial<T: FloatingPoint>(_ partial: UnsafeMutablePointer<T>,
                                                     into out: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { out[i] += partial[i] }
    }
}
