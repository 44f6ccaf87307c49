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
    /// The columns of the wide tile: four registers.
    static let tileColumns = WideRow.width
    /// The columns of the narrow tile: one register.
    static let narrowColumns = NarrowRow.width

    /// One 6-row block of the output, `Row.width` columns wide: `c[r, j] = Σₚ a[r·rs + p·ds] ·
    /// b[p·ldb + j]` over `p` in `0..<depth`, one fused multiply-add after another in order from
    /// +0 (the chain), then `+ 0` (a -0 chain stores +0), or added to `c[r, j]` when `accumulate`.
    ///
    /// `a` is six rows of the left operand as stored (`rs`, `ds`: its row and depth steps) or
    /// packed (1 and 6), `b` a panel of `Row.width` columns whose rows are `ldb` floats apart,
    /// `c` the block's first entry with rows `ldc` floats apart.
    ///
    /// Why 6 × 64 (`WideRow`): the 24 accumulators, the four registers of a row of `b` and one
    /// broadcast `a` value fill 29 of the 32 registers, and each step of the shared dim is 24
    /// multiply-adds for 4 + 6 loads. Measured single-threaded on Zen 5 with 8 × 32, 12 × 32
    /// and 14 × 32: 6 × 64 and 14 × 32 led, 196–211 GFLOP/s on the training shapes and 185–188
    /// on 1024² (8 × 32: 144 there; the cores' peak is 255; docs/performance.md), and 64
    /// columns divide the usual widths. 6 × 16
    /// (`NarrowRow`) is for panels of 16 columns or fewer (the 10 classes of a classifier's last
    /// layer), which the wide tile would pad to 64: its six chains wait on each other's latency
    /// more, but do a quarter of the padded work.
    @inline(never)
    static func tile<Row: TileRow>(_: Row.Type, depth: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ds: Int,
                                   _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                                   accumulate: Bool) {
        var c0 = Row(), c1 = Row(), c2 = Row(), c3 = Row(), c4 = Row(), c5 = Row()
        var pa = a, pb = b
        for _ in 0..<depth {
            let row = Row(at: pb)
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
}

// MARK: - Rows of a tile

/// One row of a tile's accumulators, or one row of a panel of `b`: `width` floats in registers.
protocol TileRow {
    static var width: Int { get }
    /// Zeros.
    init()
    /// The `width` floats at `p`.
    init(at p: UnsafePointer<Float>)
    /// Adds `x · row` lane by lane, each a fused multiply-add.
    mutating func addProduct(_ x: Float, _ row: Self)
    /// Writes the row to `p`: the chains plus +0, or plus the floats there when `accumulate`.
    func store(at p: UnsafeMutablePointer<Float>, accumulate: Bool)
}

/// Sixty-four floats in four registers: a row of the wide tile.
struct WideRow: TileRow {
    static var width: Int { 64 }
    var v0 = Lanes(), v1 = Lanes(), v2 = Lanes(), v3 = Lanes()

    init() {}

    @inline(__always) init(at p: UnsafePointer<Float>) {
        v0 = Lanes(at: p)
        v1 = Lanes(at: p + 16)
        v2 = Lanes(at: p + 32)
        v3 = Lanes(at: p + 48)
    }

    @inline(__always) mutating func addProduct(_ x: Float, _ row: WideRow) {
        let s = Lanes(repeating: x)
        v0 = v0.addingProduct(s, row.v0)
        v1 = v1.addingProduct(s, row.v1)
        v2 = v2.addingProduct(s, row.v2)
        v3 = v3.addingProduct(s, row.v3)
    }

    @inline(__always) func store(at p: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let old = accumulate ? WideRow(at: p) : WideRow()
        (v0 + old.v0).store(at: p)
        (v1 + old.v1).store(at: p + 16)
        (v2 + old.v2).store(at: p + 32)
        (v3 + old.v3).store(at: p + 48)
    }
}

/// Sixteen floats in one register: a row of the narrow tile.
struct NarrowRow: TileRow {
    static var width: Int { 16 }
    var v = Lanes()

    init() {}

    @inline(__always) init(at p: UnsafePointer<Float>) { v = Lanes(at: p) }

    @inline(__always) mutating func addProduct(_ x: Float, _ row: NarrowRow) {
        v = v.addingProduct(Lanes(repeating: x), row.v)
    }

    @inline(__always) func store(at p: UnsafeMutablePointer<Float>, accumulate: Bool) {
        (v + (accumulate ? Lanes(at: p) : Lanes())).store(at: p)
    }
}
