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
        var c00 = Lanes(), c01 = Lanes(), c02 = Lanes(), c03 = Lanes()
        var c10 = Lanes(), c11 = Lanes(), c12 = Lanes(), c13 = Lanes()
        var c20 = Lanes(), c21 = Lanes(), c22 = Lanes(), c23 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c32 = Lanes(), c33 = Lanes()
        var c40 = Lanes(), c41 = Lanes(), c42 = Lanes(), c43 = Lanes()
        var c50 = Lanes(), c51 = Lanes(), c52 = Lanes(), c53 = Lanes()
        var pa = a, pb = b
        for _ in 0..<depth {
            let b0 = Lanes(at: pb), b1 = Lanes(at: pb + 16), b2 = Lanes(at: pb + 32), b3 = Lanes(at: pb + 48)
            var x = Lanes(repeating: pa[0])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            c02 = c02.addingProduct(x, b2); c03 = c03.addingProduct(x, b3)
            x = Lanes(repeating: pa[rs])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            c12 = c12.addingProduct(x, b2); c13 = c13.addingProduct(x, b3)
            x = Lanes(repeating: pa[2 &* rs])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            c22 = c22.addingProduct(x, b2); c23 = c23.addingProduct(x, b3)
            x = Lanes(repeating: pa[3 &* rs])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            c32 = c32.addingProduct(x, b2); c33 = c33.addingProduct(x, b3)
            x = Lanes(repeating: pa[4 &* rs])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            c42 = c42.addingProduct(x, b2); c43 = c43.addingProduct(x, b3)
            x = Lanes(repeating: pa[5 &* rs])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            c52 = c52.addingProduct(x, b2); c53 = c53.addingProduct(x, b3)
            pa += ds
            pb += ldb
        }
        storeRow(c00, c01, c02, c03, at: c, accumulate: accumulate)
        storeRow(c10, c11, c12, c13, at: c + ldc, accumulate: accumulate)
        storeRow(c20, c21, c22, c23, at: c + 2 &* ldc, accumulate: accumulate)
        storeRow(c30, c31, c32, c33, at: c + 3 &* ldc, accumulate: accumulate)
        storeRow(c40, c41, c42, c43, at: c + 4 &* ldc, accumulate: accumulate)
        storeRow(c50, c51, c52, c53, at: c + 5 &* ldc, accumulate: accumulate)
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

    /// Writes one row of a tile: the chains plus +0, or plus the row's old entries.
    @inline(__always)
    private static func storeRow(_ v0: Lanes, _ v1: Lanes, _ v2: Lanes, _ v3: Lanes,
                                 at p: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if accumulate {
            (v0 + Lanes(at: p)).store(at: p)
            (v1 + Lanes(at: p + 16)).store(at: p + 16)
            (v2 + Lanes(at: p + 32)).store(at: p + 32)
            (v3 + Lanes(at: p + 48)).store(at: p + 48)
        } else {
            (v0 + 0).store(at: p)
            (v1 + 0).store(at: p + 16)
            (v2 + 0).store(at: p + 32)
            (v3 + 0).store(at: p + 48)
        }
    }
}
