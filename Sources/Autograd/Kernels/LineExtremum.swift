/// The first position of a contiguous float32 line's largest (or smallest) element, eight
/// lanes at a time (and of columns side by side, `columns`).
///
/// The scalar loop of `extremum(along:)` compares and branches per element, a dependency
/// chain the compiler cannot vectorize: 2 ns per float for `argmax` of 256 lines of 1 024.
/// Here one pass keeps eight running extrema and a NaN flag in vectors, and a second finds
/// the first element equal to the extremum, which is the position the scalar loop gives (it
/// replaces its best only on a strict win, so ties keep the first). Zeros of either sign
/// compare equal, so the second pass takes the first of them, as the scalar loop does.
///
/// Float32 only, on concrete vector types: written generically over the element type, the
/// lane comparisons compiled to a loop over the lanes through the stack (slower than the
/// scalar loop).
enum LineExtremum {
    private typealias Floats = SIMD8<Float>

    /// The position of the first largest (`largest`) or smallest of the `n` (≥ 1) floats at
    /// `p`, or nil when the line holds a NaN (the caller then takes the first NaN).
    @inline(__always)
    static func first(_ p: UnsafePointer<Float>, _ n: Int, largest: Bool) -> Int? {
        var best = p[0]
        var i = 1
        if n >= 16 {
            var extreme = load(p), sawNaN = extreme .!= extreme
            i = 8
            while i &+ 8 <= n {
                let v = load(p + i)
                sawNaN .|= v .!= v
                extreme.replace(with: v, where: largest ? v .> extreme : v .< extreme)
                i &+= 8
            }
            if any(sawNaN) { return nil }
            best = largest ? extreme.max() : extreme.min()
        }
        // Selects, not branches: on a short line of random logits, a branch on each new best
        // was mispredicted about three times a line (most of 39 ns a line of 10).
        var sawNaN = false
        while i < n {
            let v = p[i]
            sawNaN = sawNaN || v.isNaN
            best = largest ? (v > best ? v : best) : (v < best ? v : best)
            i &+= 1
        }
        if sawNaN { return nil }
        if best.isNaN { return nil }
        var at = 0
        while p[at] != best { at &+= 1 }
        return at
    }

    /// The first largest (`largest`) or smallest of each of `columns` columns of `rows` floats
    /// at `p`, rows `stride` floats apart (a max along a dim that is not the last, `x:max(1)`),
    /// into `values` (when given) and `indices`: eight columns at a time, each lane keeping its
    /// running extremum and the row it came from.
    ///
    /// The scalar loop's rules, lane by lane: a strict win replaces (ties keep the first row),
    /// the first NaN wins and stays. (That loop walked each column down its stride, one element
    /// at a time: `x:max(1)` of 256 × 1 024 floats took 559 µs, PyTorch's 400.)
    static func columns(_ p: UnsafePointer<Float>, rows: Int, stride: Int, columns: Int, largest: Bool,
                        values: UnsafeMutablePointer<Float>?, indices: UnsafeMutablePointer<Int64>) {
        /// One lane set's running extremum and its row.
        struct Running {
            var best: Floats, at = SIMD8<Int32>()
            @inline(__always) mutating func take(_ v: Floats, row: Int32, largest: Bool) {
                let wins = (largest ? v .> best : v .< best) .| ((v .!= v) .& (best .== best))
                best.replace(with: v, where: wins)
                at.replace(with: SIMD8<Int32>(repeating: row), where: wins)
            }
            @inline(__always) func write(_ values: UnsafeMutablePointer<Float>?, _ indices: UnsafeMutablePointer<Int64>) {
                if let values { UnsafeMutableRawPointer(values).storeBytes(of: best, as: Floats.self) }
                for lane in 0..<8 { indices[lane] = Int64(at[lane]) }
            }
        }
        // 32 columns per walk down the rows, so each row's cache lines are read whole, once.
        var c = 0
        while c &+ 32 <= columns {
            var a = Running(best: load(p + c)), b = Running(best: load(p + (c &+ 8)))
            var d = Running(best: load(p + (c &+ 16))), e = Running(best: load(p + (c &+ 24)))
            var row = p + c
            for r in 1..<max(rows, 1) {
                row += stride
                let at = Int32(truncatingIfNeeded: r)
                a.take(load(row), row: at, largest: largest); b.take(load(row + 8), row: at, largest: largest)
                d.take(load(row + 16), row: at, largest: largest); e.take(load(row + 24), row: at, largest: largest)
            }
            a.write(values.map { $0 + c }, indices + c); b.write(values.map { $0 + c + 8 }, indices + c + 8)
            d.write(values.map { $0 + c + 16 }, indices + c + 16); e.write(values.map { $0 + c + 24 }, indices + c + 24)
            c &+= 32
        }
        while c &+ 8 <= columns {
            var a = Running(best: load(p + c))
            var row = p + c
            for r in 1..<max(rows, 1) {
                row += stride
                a.take(load(row), row: Int32(truncatingIfNeeded: r), largest: largest)
            }
            a.write(values.map { $0 + c }, indices + c)
            c &+= 8
        }
        while c < columns {
            var best = p[c], at = 0
            for r in 1..<max(rows, 1) {
                let v = p[c &+ r &* stride]
                if (largest ? v > best : v < best) || (v.isNaN && !best.isNaN) { best = v; at = r }
            }
            values?[c] = best
            indices[c] = Int64(at)
            c &+= 1
        }
    }

    /// The position of the first NaN among the `n` elements at `p` (one is there).
    static func firstNaN<T: TensorElement>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> Int {
        var at = 0
        while at < n - 1 && !p[at].isNaNValue { at &+= 1 }
        return at
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> Floats {
        UnsafeRawPointer(p).loadUnaligned(as: Floats.self)
    }
}
