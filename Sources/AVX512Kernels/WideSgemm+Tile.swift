/// Sixteen floats: one AVX-512 register.
typealias Lanes = SIMD16<Float>

extension Lanes {
    /// The 16 floats at `p`, which need not be aligned.
    @inline(__always) init(at p: UnsafePointer<Float>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    /// Writes the 16 floats to `p`, which need not be aligned.
    @inline(__always) func store(at p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Lanes.self)
    }
}

// MARK: - The register tile

extension WideSgemm {
    /// The rows of one register tile.
    static let tileRows = 6
    /// The columns of one register tile: four registers.
    static let tileColumns = 64
    /// The columns of the narrow tile: one register.
    static let narrowColumns = 16

    /// One 6 × 64 block of the output: `c[r, j] = Σₚ a[r·rs + p·ds] · b[p·ldb + j]` over `p`
    /// in `0..<depth`, one fused multiply-add after another in order from +0 (the chain), then
    /// `+ 0` (a -0 chain stores +0), or added to `c[r, j]` when `accumulate`.
    ///
    /// `a` is six rows of the left operand as stored (`rs`, `ds`: its row and depth steps) or
    /// packed (1 and 6), `b` a panel of 64 columns whose rows are `ldb` floats apart, `c` the
    /// block's first entry with rows `ldc` floats apart.
    ///
    /// Why 6 × 64: the 24 accumulators, the four registers of a row of `b` and one broadcast
    /// `a` value fill 29 of the 32 registers, and each step of the shared dim is 24 multiply-
    /// adds for 4 + 6 loads. Measured single-threaded on Zen 5 against 8 × 32 (16
    /// accumulators), 12 × 32 and 14 × 32, for 64×784 @ 784×256 and 1024²: 205–210 GFLOP/s
    /// against 175–200 (the cores' peak is 255).
    @inline(never)
    static func tile(depth: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ds: Int, _ b: UnsafePointer<Float>,
                     _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, accumulate: Bool) {
        var c0 = WideRow(), c1 = WideRow(), c2 = WideRow(), c3 = WideRow(), c4 = WideRow(), c5 = WideRow()
        var pa = a, pb = b
        for _ in 0..<depth {
            let row = WideRow(at: pb)
            c0.addProduct(pa[0], row)
            c1.addProduct(pa[rs], row)
            c2.addProduct(pa[2 &* rs], row)
            c3.addProduct(pa[3 &* rs], row)
            c4.addProduct(pa[4 &* rs], row)
            c5.addProduct(pa[5 &* rs], row)
            pa += ds
            pb += ldb
        }
        c0.store(at: c, accumulate: accumulate)
        c1.store(at: c + ldc, accumulate: accumulate)
        c2.store(at: c + 2 &* ldc, accumulate: accumulate)
        c3.store(at: c + 3 &* ldc, accumulate: accumulate)
        c4.store(at: c + 4 &* ldc, accumulate: accumulate)
        c5.store(at: c + 5 &* ldc, accumulate: accumulate)
    }

    /// One 6 × 16 block of the output, as `tile` computes a 6 × 64 one: for panels of `b`
    /// 16 columns wide or less (the 10 classes of a classifier's last layer), which the wide
    /// tile would pad to 64. Its six chains wait on each other's latency more than the wide
    /// tile's 24, but do a quarter of the padded work.
    @inline(never)
    static func narrowTile(depth: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ds: Int, _ b: UnsafePointer<Float>,
                           _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, accumulate: Bool) {
        var c0 = Lanes(), c1 = Lanes(), c2 = Lanes(), c3 = Lanes(), c4 = Lanes(), c5 = Lanes()
        var pa = a, pb = b
        for _ in 0..<depth {
            let row = Lanes(at: pb)
            c0 = c0.addingProduct(Lanes(repeating: pa[0]), row)
            c1 = c1.addingProduct(Lanes(repeating: pa[rs]), row)
            c2 = c2.addingProduct(Lanes(repeating: pa[2 &* rs]), row)
            c3 = c3.addingProduct(Lanes(repeating: pa[3 &* rs]), row)
            c4 = c4.addingProduct(Lanes(repeating: pa[4 &* rs]), row)
            c5 = c5.addingProduct(Lanes(repeating: pa[5 &* rs]), row)
            pa += ds
            pb += ldb
        }
        @inline(__always) func store(_ v: Lanes, row r: Int) {
            let p = c + r &* ldc
            (accumulate ? v + Lanes(at: p) : v + 0).store(at: p)
        }
        store(c0, row: 0); store(c1, row: 1); store(c2, row: 2)
        store(c3, row: 3); store(c4, row: 4); store(c5, row: 5)
    }
}

/// Sixty-four floats in four registers: one row of a wide tile's accumulators, or one row of a
/// panel of `b`.
struct WideRow {
    var v0 = Lanes(), v1 = Lanes(), v2 = Lanes(), v3 = Lanes()

    init() {}

    /// The 64 floats at `p`.
    @inline(__always) init(at p: UnsafePointer<Float>) {
        v0 = Lanes(at: p)
        v1 = Lanes(at: p + 16)
        v2 = Lanes(at: p + 32)
        v3 = Lanes(at: p + 48)
    }

    /// Adds `x · row` lane by lane, each a fused multiply-add.
    @inline(__always) mutating func addProduct(_ x: Float, _ row: WideRow) {
        let s = Lanes(repeating: x)
        v0 = v0.addingProduct(s, row.v0)
        v1 = v1.addingProduct(s, row.v1)
        v2 = v2.addingProduct(s, row.v2)
        v3 = v3.addingProduct(s, row.v3)
    }

    /// Writes the row to `p`: the chains plus +0, or plus the 64 floats there.
    @inline(__always) func store(at p: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let old = accumulate ? WideRow(at: p) : WideRow()
        (v0 + old.v0).store(at: p)
        (v1 + old.v1).store(at: p + 16)
        (v2 + old.v2).store(at: p + 32)
        (v3 + old.v3).store(at: p + 48)
    }
}
