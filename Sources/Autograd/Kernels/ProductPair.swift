/// Two independent matrix products run side by side, one per core: the two gradients of a
/// matrix product's backward, `grad @ mat2ᵀ` and `mat1ᵀ @ grad`.
///
/// Why: below 2^20 multiply-adds a product runs whole on one thread (`blockLength`: splitting
/// it costs more than it saves), but for one whose rows split on the kernels' tile from
/// `pairMinimum`, so the two gradients of a small `mm` ran one after the other while the other
/// core waited. Side by side, each product is still one single-threaded OpenBLAS call with the
/// same operands, so each comes out with the same bits as alone (and as in row blocks).
extension Tensor {
    /// One product of a pair: `a @ b` into a new tensor, or added into `into`.
    struct PairedProduct {
        let a: Tensor, b: Tensor
        /// The tensor the product is added into (a leaf's `.grad`, as `addProduct` does), or
        /// nil for a new n×m tensor (as `matmulKernel` makes).
        let into: Tensor?
    }

    /// The fewest multiply-adds (n·m·k, the same for both gradients of one `mm`) a product
    /// of a pair must have for the pair to run side by side. Handing a part to the pool's
    /// worker and waiting for it costs about what the smaller product saves below that,
    /// measured per `mm` forward and backward under `chrt -f 10` (best of 11 × 3000): at
    /// 32×32×16 3.7 µs one after the other against 4.1 µs side by side, at 64×128×16
    /// (131 072) 11.2 against 11.6 µs, at the MLP's 64×256×10 (163 840) 16.7 against
    /// 13.0–16.5 µs, at 256×256×10 52.0 against 44.7 µs.
    static let pairMinimum = 150_000

    /// Both products of a pair, computed at the same time on two threads of the pool, each
    /// whole in one BLAS call; nil, computing neither, when the pair does not qualify: one
    /// worker thread only, a product `blasGemm` would not run whole on one thread as it is
    /// (integer or mixed dtypes, an empty or tiny product, an operand repeating one value, a
    /// product of 2^20 multiply-adds or more, which is split across the pool itself), or
    /// one smaller than `pairMinimum`, or a destination one of the other product reads.
    static func productPair(_ first: PairedProduct, _ second: PairedProduct) throws -> (Tensor, Tensor)? {
        guard Parallel.workers > 1, first.runsWholeOnOneThread, second.runsWholeOnOneThread,
              !first.writes(intoOperandsOf: second), !second.writes(intoOperandsOf: first) else { return nil }
        let p = try first.prepared(), q = try second.prepared()
        WorkerPool.shared.run(parts: 2) { part in
            (part == 0 ? p : q).run()
            return true
        }
        first.into?.storage.bumpVersion()
        second.into?.storage.bumpVersion()
        return (p.out, q.out)
    }
}

extension Tensor.PairedProduct {
    /// Whether `blasGemm` would compute this product in one call on one thread, and it is
    /// large enough to pay for a part of its own.
    fileprivate var runsWholeOnOneThread: Bool {
        guard a.ndim == 2, b.ndim == 2, a.dtype.isFloatingPoint, b.dtype == a.dtype,
              !a.isBroadcastScalar, !b.isBroadcastScalar else { return false }
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        guard b.shape[0] == k, n > 0, m > 0, k > 0 else { return false }
        if let into, !Tensor.canAddProduct(a, b, into: into) { return false }
        let multiplyAdds = n * m * k
        let tiny = k <= Tensor.tinyProductDepth && multiplyAdds <= Tensor.tinyProductLimit
        return !tiny && multiplyAdds >= Tensor.pairMinimum && multiplyAdds < Tensor.serialProductLimit
    }

    /// Whether this product's destination is memory the other product reads or writes.
    fileprivate func writes(intoOperandsOf other: Self) -> Bool {
        guard let into else { return false }
        return into.storage === other.a.storage || into.storage === other.b.storage
            || into.storage === other.into?.storage
    }

    /// The product prepared for BLAS, with its new output made here, on the calling thread.
    fileprivate func prepared() throws -> BlasProduct {
        if let into { return try BlasProduct(a, b, into, beta: 1) }
        return try BlasProduct(a, b, Tensor.empty([a.shape[0], b.shape[1]], dtype: a.dtype))
    }
}
