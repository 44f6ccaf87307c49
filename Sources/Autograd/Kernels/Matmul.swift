/// Matrix-product kernels.
extension Tensor {
    /// `a @ b` for 2-d `a` (n×k) and `b` (k×m) of the same dtype, as a new contiguous n×m tensor.
    static func matmulKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let n = a.shape[0], m = b.shape[1]
        let dtype = a.dtype
        let out = try Tensor.empty([n, m], dtype: dtype)
        switch dtype {
        case .float32 where try productWithRepeatedValue(a, b, into: out, Float.self): break
        case .float64 where try productWithRepeatedValue(a, b, into: out, Double.self): break
        case .float32, .float64: try blasGemm(a, b, out)
        case .int64: try gemm(a, b, out, Int64.self)
        case .bool:
            let r = try matmulKernel(a.converted(to: .int64), b.converted(to: .int64))
            return try r.materialized(dtype: .bool)
        }
        return out
    }

    /// `beta * bias + alpha * (a @ b)` for float `a` (n×k, k > 0) and `b` (k×m) and a `bias` that
    /// broadcasts to n×m, all of one dtype, or nil for other operands. PyTorch's CPU `addmm`:
    /// the bias is written into the output (unless `beta` is 0, which ignores it, NaN and all)
    /// and BLAS adds the products onto it with `beta`, in place of a product, a scaled copy
    /// and a broadcasting add, each a pass over the output.
    static func addmmKernel(_ bias: Tensor, _ a: Tensor, _ b: Tensor, alpha: Double, beta: Double) throws -> Tensor? {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        guard a.dtype.isFloatingPoint, b.dtype == a.dtype, bias.dtype == a.dtype, k > 0 else { return nil }
        let out = try Tensor.empty([n, m], dtype: a.dtype)
        guard n > 0, m > 0 else { return out }
        if beta != 0 { try out.copyElements(from: bias) }
        try blasGemm(a, b, out, alpha: alpha, beta: beta)
        return out
    }

    /// `out += a @ b` for float `a` (n×k) and `b` (k×m) of `out`'s dtype, `out` a contiguous
    /// n×m tensor sharing memory with neither: BLAS with `beta = 1`, so a gradient lands in an
    /// existing `.grad` without a product tensor and a second pass to add it. Returns false,
    /// leaving `out` alone, for operands `matmulKernel` would not send to BLAS as they are (an
    /// empty shared dim; an operand repeating one value, which it sums instead, with other
    /// roundings).
    static func addProduct(_ a: Tensor, _ b: Tensor, into out: Tensor) throws -> Bool {
        guard canAddProduct(a, b, into: out) else { return false }
        try blasGemm(a, b, out, alpha: 1, beta: 1)
        out.storage.bumpVersion()
        return true
    }

    /// Whether `addProduct(a, b, into: out)` would add the product into `out`.
    static func canAddProduct(_ a: Tensor, _ b: Tensor, into out: Tensor) -> Bool {
        guard a.ndim == 2, b.ndim == 2 else { return false }
        let k = a.shape[1]
        return a.dtype.isFloatingPoint && b.dtype == a.dtype && out.dtype == a.dtype
            && out.isContiguous && out.ndim == 2 && out.shape[0] == a.shape[0] && out.shape[1] == b.shape[1]
            && b.shape[0] == k && k > 0
            && (k == 1 || !(a.isBroadcastScalar || b.isBroadcastScalar))
            && out.storage !== a.storage && out.storage !== b.storage
    }

    /// `out = a @ b` when one operand is a single value repeated (an expanded scalar: what the
    /// gradient of `sum()` or `mean()` is when it reaches a matrix product). Each entry is then
    /// that value times a sum of the other operand along the shared dim: one pass over it
    /// instead of n·m·k multiply-adds. Sums run in double precision. Returns false, leaving
    /// the product to BLAS, when neither operand repeats one value, or when the value or a sum
    /// is not finite (`0 * inf` must come out as the sum of the products would).
    private static func productWithRepeatedValue<T: FloatElement>(_ a: Tensor, _ b: Tensor, into out: Tensor,
                                                                   _: T.Type) throws -> Bool {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        guard n > 0, m > 0, k > 1 else { return false }
        let po = out.pointer(T.self)
        if a.isBroadcastScalar {
            // out[i, j] = v · Σ_p b[p, j]: every row the same.
            let v = a.pointer(T.self)[0].doubleValue
            let sums = lineSums(b, alongRows: true, T.self)
            guard v.isFinite, sums.allSatisfy(\.isFinite) else { return false }
            for j in 0..<m { po[j] = T(converting: v * sums[j]) }
            for i in 1..<n { (po + i * m).update(from: po, count: m) }
            return true
        }
        if b.isBroadcastScalar {
            // out[i, j] = (Σ_p a[i, p]) · v: every column the same.
            let v = b.pointer(T.self)[0].doubleValue
            let sums = lineSums(a, alongRows: false, T.self)
            guard v.isFinite, sums.allSatisfy(\.isFinite) else { return false }
            for i in 0..<n {
                let value = T(converting: sums[i] * v)
                for j in 0..<m { po[i * m + j] = value }
            }
            return true
        }
        return false
    }

    /// The sums of a matrix down its columns (`alongRows`: one per column) or across its
    /// rows (one per row), in double precision, for any strides.
    private static func lineSums<T: FloatElement>(_ t: Tensor, alongRows: Bool, _: T.Type) -> [Double] {
        let rows = t.shape[0], cols = t.shape[1], p = t.pointer(T.self)
        // Sum along dim `d` of a matrix: `count` lines of `length` elements, `step` apart
        // within a line and `gap` apart between lines.
        let (count, length, step, gap) = alongRows ? (cols, rows, t.strides[0], t.strides[1])
                                                   : (rows, cols, t.strides[1], t.strides[0])
        var sums = [Double](repeating: 0, count: count)
        sums.withUnsafeMutableBufferPointer { s in
            if step == 1 {
                for line in 0..<count { s[line] = Tensor.fastSum(p + line * gap, length) }
            } else if gap == 1 {
                // Lines run side by side in memory: add whole runs across them (vectorizes).
                for e in 0..<length {
                    let run = p + e * step
                    for line in 0..<count { s[line] += run[line].doubleValue }
                }
            } else {
                for line in 0..<count {
                    var total = 0.0
                    for e in 0..<length { total += p[line * gap + e * step].doubleValue }
                    s[line] = total
                }
            }
        }
        return sums
    }

    /// `out = alpha * (a @ b) + beta * out` through OpenBLAS (with `beta` 0, `out` is not
    /// read). A transposed view (`w:t()`) is passed as a transpose flag rather than copied,
    /// which is what every backward of `mm` produces.
    ///
    /// OpenBLAS runs on the calling thread only; a large product is cut into blocks of the
    /// output's rows or columns, one single-threaded call each, that `WorkerPool` hands out
    /// like any element-wise job (see `blockLength`). Blocks start at multiples of the rows
    /// OpenBLAS's kernels tile by (`ProductGrain`), so each entry is the same sum over `k` in
    /// the same order as in one call: the bits depend neither on the split nor on the thread
    /// count. Where blocks do change the bits (no grain found; float32 columns on Zen
    /// kernels), their count is fixed by the shape and the machine's cores, so one thread
    /// computes the same blocks as several (`blockLengthChangingBits`). A product with a small
    /// output and a tall right operand is split along `k` instead (`depthSplit`): its entries
    /// are two partial sums added, a rounding fixed by the shape alone, the same on one thread
    /// or several.
    private static func blasGemm(_ a: Tensor, _ b: Tensor, _ out: Tensor, alpha: Double = 1, beta: Double = 0) throws {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        guard n > 0, m > 0 else { return }
        if k == 0 {
            try out.copyElements(from: Tensor.zeros([], dtype: out.dtype))
            return
        }
        // A tiny product costs less than the BLAS call's set-up (TinyProducts.swift).
        if alpha == 1, beta == 0 || beta == 1, tinyProduct(a, b, into: out, accumulate: beta == 1) { return }
        if let split = depthSplit(n: n, m: m, k: k) {
            try blasGemmAlongDepth(a, b, out, at: split, alpha: alpha, beta: beta)
            return
        }
        let product = try BlasProduct(a, b, out, alpha: alpha, beta: beta)
        // Too small to split at all (`blockLength`): one call here, without asking for the
        // grain, whose probe (two dozen products, ~3 ms) then waits for a product that splits.
        if n * m * k < pairMinimum {
            product.run()
            return
        }
        // Blocks split the longer side of the output: each block packs all of the other
        // operand again, which costs least relative to the block's work that way. But where
        // column blocks change the bits and row blocks do not, rows from 128 of them on (the
        // repacking then costs a few percent at most).
        let grain = ProductGrain.shared
        let byRows = n >= m || (!grain.columns && grain.rows != nil && n >= 128)
        let size = (byRows ? grain.rows != nil : grain.columns)
            ? blockLength(along: byRows ? n : m, multiplyAdds: n * m * k, rowsKeepBits: byRows)
            : blockLengthChangingBits(along: byRows ? n : m, multiplyAdds: n * m * k)
        let blocks = ((byRows ? n : m) + size - 1) / size
        let stop = Cancellation.probe()
        WorkerPool.shared.run(parts: blocks) { p in
            product.run(p * size..<min(p * size + size, byRows ? n : m), byRows: byRows)
            return !stop()
        }
    }

    /// The multiply-adds (n·m·k) from which a product is split across the pool (`blockLength`).
    static let serialProductLimit = 1 << 20

    /// The length of one block of a product of `multiplyAdds` (n·m·k) split along a side of
    /// `length`: the whole side below 2^20 multiply-adds (below `pairMinimum` when the side is
    /// rows that `ProductGrain` can cut, `rowsKeepBits`), else a share per worker (a multiple
    /// of the kernels' row tile), and short enough that a block stays near 2^30 multiply-adds,
    /// so a cancelled script stops within tens of milliseconds.
    ///
    /// Why serial below 2^20: a second thread costs microseconds to start and join, and when
    /// the other core is busy a split call waits for a descheduled thread: milliseconds for a
    /// product of microseconds. Why rows split from `pairMinimum`: the MLP step's `h @ W2`
    /// (OpenBLAS's kernels run 16 wide over its 10 columns) took 8.6 µs whole and 5.9 µs in two
    /// row blocks at batch 64 (64×256×10), 31.1 and 17.1 µs at 256 (best of 15 under
    /// `chrt -f 50`); column blocks change the bits of float32 products on Zen kernels, row
    /// blocks on the grain do not. Why not shorter blocks: every block packs the other operand
    /// again (64-row blocks made a 1024² product 20% slower).
    private static func blockLength(along length: Int, multiplyAdds: Int, rowsKeepBits: Bool) -> Int {
        let limit = rowsKeepBits && length >= 2 * ProductGrain.shared.rowStep ? pairMinimum : serialProductLimit
        let threads = multiplyAdds < limit ? 1 : Parallel.workers
        let forCancellation = (multiplyAdds + (1 << 30) - 1) >> 30
        let count = min(max(threads, forCancellation), WorkerPool.maxParts)
        guard count > 1 else { return length }
        let share = (length + count - 1) / count
        let grain = ProductGrain.shared
        return grain.roundedUp(max(forCancellation > threads ? 64 : 16, share))
    }

    /// The length of one block of a product whose blocks round differently from one call
    /// (float32 column blocks on Zen kernels; any blocks where the probe found no row grain):
    /// the whole side below 2^20 multiply-adds, else one block per core of the machine
    /// (`Parallel.machineCores`, whatever `OMP_NUM_THREADS` says), or more for cancellation as
    /// in `blockLength`. The blocks decide the rounding, so they depend on the shape and the
    /// machine only: one thread computes the same blocks one after another, and a script
    /// prints the same bits on any thread count.
    ///
    /// Why per core rather than a fixed count: each block packs the short operand again. Two
    /// blocks on one thread cost nothing measurable (64×256 @ 256×512: 202–206 µs against
    /// 201–204 whole, best of 9 under `chrt -f 50`); eight cost 6–7% on one thread and 4–11%
    /// on two (100×300 @ 300×700: 284 µs against 257).
    private static func blockLengthChangingBits(along length: Int, multiplyAdds: Int) -> Int {
        guard multiplyAdds >= serialProductLimit else { return length }
        let forCancellation = (multiplyAdds + (1 << 30) - 1) >> 30
        let count = min(max(Parallel.machineCores, forCancellation), WorkerPool.maxParts)
        let share = (length + count - 1) / count
        return (max(forCancellation > Parallel.machineCores ? 64 : 16, share) + 15) / 16 * 16
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
