/// Where this process's OpenBLAS can cut a product's output into blocks without changing a
/// single bit: the row count every block boundary must be a multiple of, and whether column
/// blocks keep the bits at all; found once, on the first product the pool splits.
///
/// Why measured: an entry's chain of multiply-adds depends on where it falls in the kernel's
/// register tile, and the tile restarts at each block. With OpenBLAS 0.3.21's Zen kernels (a
/// Zen 3 machine) float32 rows come in tiles of 12: blocks of a multiple of 16 rows, as the
/// pool cut them, gave a 1024² product other bits on two threads than on one (`OMP_NUM_THREADS`
/// changed results); blocks of 12, 24 or 48 rows give the one-call bits, float32 column
/// blocks never did (every width up to 160 tried), float64 blocks always did. (Float32 blocks
/// that run on `WideSgemm`, on AVX-512 CPUs, keep their bits at any cut.)
struct ProductGrain: Sendable {
    /// The smallest of `candidates` at which row blocks kept the bits of one call for both
    /// float dtypes, or nil when none did (blocks then fall back to multiples of 16).
    let rows: Int?
    /// Whether column blocks at multiples of `rows` kept them too.
    let columns: Bool

    static let candidates = [4, 8, 12, 16, 24, 48]

    /// Found on first use (opening OpenBLAS if needed); without OpenBLAS nothing splits.
    static let shared: ProductGrain = {
        guard (try? BlasThreads.load()) != nil else { return ProductGrain(rows: nil, columns: false) }
        guard let rows = candidates.first(where: { g in
            [DType.float32, .float64].allSatisfy { blocksKeepBits(g, byRows: true, $0) }
        }) else { return ProductGrain(rows: nil, columns: false) }
        let columns = [DType.float32, .float64].allSatisfy { blocksKeepBits(rows, byRows: false, $0) }
        return ProductGrain(rows: rows, columns: columns)
    }()

    /// The row count block boundaries are rounded to.
    var rowStep: Int { rows ?? 16 }

    /// `length` rounded up to a multiple of the row step.
    func roundedUp(_ length: Int) -> Int { (length + rowStep - 1) / rowStep * rowStep }

    /// Whether a product cut into blocks of `grain` rows (or columns) equals the same product
    /// in one call, entry by entry: 101 × 700 @ 700 × 37 (or its mirror, 37 × 700 @ 700 × 101),
    /// deep enough for OpenBLAS to block the shared dim too.
    static func blocksKeepBits(_ grain: Int, byRows: Bool, _ dtype: DType) -> Bool {
        var seed: UInt64 = 0x5851_F42D_4C95_7F2D
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
        }
        let (n, k, m) = byRows ? (101, 700, 37) : (37, 700, 101)
        guard let a = try? Tensor((0..<(n * k)).map { _ in next() }, shape: [n, k]).materialized(dtype: dtype),
              let b = try? Tensor((0..<(k * m)).map { _ in next() }, shape: [k, m]).materialized(dtype: dtype),
              let whole = try? Tensor.empty([n, m], dtype: dtype), let cut = try? Tensor.empty([n, m], dtype: dtype),
              let one = try? BlasProduct(a, b, whole), let blocks = try? BlasProduct(a, b, cut) else { return false }
        one.run()
        let length = byRows ? n : m
        for start in stride(from: 0, to: length, by: grain) {
            blocks.run(start..<min(start + grain, length), byRows: byRows)
        }
        return (0..<(n * m)).allSatisfy { whole.element($0).bitPattern == cut.element($0).bitPattern }
    }
}
