#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Single-precision matrix products in AVX-512 registers, for the machines that have them.
///
/// Why not OpenBLAS there: on a Zen 5 machine each core runs two 512-bit fused multiply-adds
/// per cycle, 255 GFLOP/s of floats (measured), and OpenBLAS 0.3.21, BLIS and PyTorch's MKL
/// all stay near the 256-bit ceiling, 100–107 GFLOP/s per core. The 6 × 64 register tile here
/// runs at 190–210 GFLOP/s per core on the training shapes (docs/performance.md).
///
/// Every entry is one chain of fused multiply-adds over the shared dim in order, from +0,
/// then `+ 0` (or the old entry added): the rounding of `TinyProducts`' loops, and the same
/// whatever the tiling, the blocks a product is cut into, or the thread that runs them.
///
/// This target is compiled for AVX-512F (Package.swift): nothing in it may run before its
/// caller has checked the CPU (`lg_cpu_has_avx512f`, in the engine's `WideProducts`).
public enum WideSgemm {
    /// The deepest shared dim a product may have here; deeper ones go to OpenBLAS. Up to it, a
    /// panel of `b` (64 columns) fits the 1 MB L2 of a Zen 5 core, and the scratch stays
    /// under 1.2 MB whatever the operands' other sizes.
    public static let maximumDepth = 4096

    /// `c = a @ b`, or `c += a @ b` when `accumulate`, for an m×k `a`, a k×n `b` and an m×n `c`,
    /// single-threaded. Entry (i, p) of `a` is `a[i·aRowStep + p·aDepthStep]`, entry (p, j) of
    /// `b` is `b[p·bDepthStep + j·bColumnStep]`, entry (i, j) of `c` is `c[i·ldc + j]`; `c`
    /// shares memory with neither operand. Without `accumulate`, `c` is not read. `k` is at
    /// most `maximumDepth`.
    public static func multiply(rows m: Int, columns n: Int, depth k: Int,
                                a: UnsafePointer<Float>, aRowStep: Int, aDepthStep: Int,
                                b: UnsafePointer<Float>, bDepthStep: Int, bColumnStep: Int,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if !accumulate { for i in 0..<m { (c + i &* ldc).update(repeating: 0, count: n) } }
            return
        }
        precondition(k <= maximumDepth, "WideSgemm: shared dim \(k) over \(maximumDepth)")
        let slivers = (m + tileRows - 1) / tileRows, height = m &- (slivers &- 1) &* tileRows
        // Scratch: the last six rows of `a` when fewer than six are left (zero-padded), one
        // panel of `b` when it cannot be read in place, and one tile for the ragged edges.
        let lastRows = tileRows &* k, panel = k &* tileColumns, edge = tileRows &* tileColumns
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, 64, (lastRows + panel + edge) &* 4) == 0, let scratch = memory else {
            // Out of memory: the same chains, entry by entry, with no scratch at all.
            chains(m, n, k, a, aRowStep, aDepthStep, b, bDepthStep, bColumnStep, c, ldc, accumulate: accumulate)
            return
        }
        defer { free(scratch) }
        let pa = scratch.bindMemory(to: Float.self, capacity: lastRows + panel + edge)
        let pb = pa + lastRows, pc = pb + panel
        if height < tileRows {
            packRows(m &- height, height, depth: k, of: a, rowStep: aRowStep, depthStep: aDepthStep, into: pa)
        }
        var j = 0
        while j < n {
            let width = min(tileColumns, n &- j)
            // Panels of 16 columns or fewer go to the narrow tile, the rest to the wide one.
            let tileWidth = width <= narrowColumns ? narrowColumns : tileColumns
            // A whole panel of row-major `b` is read where it is: each of its rows is 64 (or
            // 16) contiguous floats. Any other panel is copied into rows of the tile's width.
            let inPlace = bColumnStep == 1 && width == tileWidth
            let rowsOfB: UnsafePointer<Float>, ldb: Int
            if inPlace {
                rowsOfB = b + j
                ldb = bDepthStep
            } else {
                packColumns(j, width, tileWidth, depth: k, of: b, depthStep: bDepthStep, columnStep: bColumnStep,
                            into: pb)
                rowsOfB = UnsafePointer(pb)
                ldb = tileWidth
            }
            let wide = tileWidth == tileColumns
            func compute(_ sliver: UnsafePointer<Float>, _ rs: Int, _ ds: Int, into out: UnsafeMutablePointer<Float>,
                         _ ldOut: Int) {
                if wide {
                    tile(WideRow.self, depth: k, sliver, rs, ds, rowsOfB, ldb, out, ldOut, accumulate: accumulate)
                } else {
                    tile(NarrowRow.self, depth: k, sliver, rs, ds, rowsOfB, ldb, out, ldOut, accumulate: accumulate)
                }
            }
            for s in 0..<slivers {
                // Six rows of `a` are read where they are, each step's entries `aDepthStep`
                // apart; only a last sliver of fewer rows is read from its zero-padded copy.
                let i = s &* tileRows, rows = min(tileRows, m &- i)
                let (sliver, rs, ds) = rows == tileRows ? (a + i &* aRowStep, aRowStep, aDepthStep)
                                                        : (UnsafePointer(pa), 1, tileRows)
                let corner = c + (i &* ldc &+ j)
                if rows == tileRows && width == tileWidth {
                    compute(sliver, rs, ds, into: corner, ldc)
                } else {
                    // A ragged tile: computed whole in `pc` (the padding rows and columns of
                    // the operands are zeros) and only its real entries copied out.
                    if accumulate { copy(rows, width, from: corner, ldc, to: pc, tileWidth) }
                    compute(sliver, rs, ds, into: pc, tileWidth)
                    copy(rows, width, from: pc, tileWidth, to: corner, ldc)
                }
            }
            j &+= width
        }
    }

    /// Every entry's chain computed alone, as the tiles would: for when there is no memory for
    /// their scratch.
    private static func chains(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ aRowStep: Int,
                               _ aDepthStep: Int, _ b: UnsafePointer<Float>, _ bDepthStep: Int, _ bColumnStep: Int,
                               _ c: UnsafeMutablePointer<Float>, _ ldc: Int, accumulate: Bool) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    sum = sum.addingProduct(a[i &* aRowStep &+ p &* aDepthStep], b[p &* bDepthStep &+ j &* bColumnStep])
                }
                let entry = c + (i &* ldc &+ j)
                entry.pointee = accumulate ? sum + entry.pointee : sum + 0
            }
        }
    }

    // MARK: - Packing

    /// Copies rows `first..<first + count` of `a` (count < 6) into a sliver: for each step `p`
    /// of the shared dim, six entries side by side, zeros past `count`.
    private static func packRows(_ first: Int, _ count: Int, depth k: Int, of a: UnsafePointer<Float>,
                                 rowStep: Int, depthStep: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: tileRows &* k)
        let base = a + first &* rowStep
        if rowStep == 1 {
            // A transposed operand (`xᵀ`): the six entries of a step are contiguous.
            for p in 0..<k {
                let from = base + p &* depthStep, to = out + p &* tileRows
                for r in 0..<count { to[r] = from[r] }
            }
        } else {
            for r in 0..<count {
                let row = base + r &* rowStep
                for p in 0..<k { out[p &* tileRows &+ r] = row[p &* depthStep] }
            }
        }
    }

    /// Copies columns `first..<first + count` of `b` (count ≤ `width`) into rows of `width`
    /// floats, one per step of the shared dim, zeros past `count`.
    private static func packColumns(_ first: Int, _ count: Int, _ width: Int, depth k: Int, of b: UnsafePointer<Float>,
                                    depthStep: Int, columnStep: Int, into out: UnsafeMutablePointer<Float>) {
        if count < width { out.update(repeating: 0, count: width &* k) }
        let base = b + first &* columnStep
        if columnStep == 1 {
            for p in 0..<k { (out + p &* width).update(from: base + p &* depthStep, count: count) }
        } else {
            // A transposed operand (`wᵀ` of a linear layer): each column is contiguous in `w`.
            for q in 0..<count {
                let column = base + q &* columnStep
                for p in 0..<k { out[p &* width &+ q] = column[p &* depthStep] }
            }
        }
    }

    /// Copies a `rows` × `columns` block between row-major matrices.
    private static func copy(_ rows: Int, _ columns: Int, from: UnsafePointer<Float>, _ ldFrom: Int,
                             to: UnsafeMutablePointer<Float>, _ ldTo: Int) {
        for r in 0..<rows { (to + r &* ldTo).update(from: from + r &* ldFrom, count: columns) }
    }
}
