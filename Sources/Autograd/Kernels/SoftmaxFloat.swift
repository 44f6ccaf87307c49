#if canImport(Glibc)
import Glibc
#endif

/// `softmax` and `log_softmax` of float32 lines the way PyTorch's CPU kernels compute them, in float.
///
/// PyTorch's `_vec_log_softmax_lastdim` (aten/src/ATen/native/cpu/SoftMaxKernel.cpp) takes
/// each line's maximum, sums `exp(x - max)` in float through `vec::map_reduce_all`, takes the
/// log of the sum, and writes `x - max - log(sum)`, all in the element type. Its
/// `_vec_softmax_lastdim` writes `exp(x - max)`, sums those through `vec::reduce_all` (the same
/// order) and multiplies them by `1 / sum`. Doing the same here, instead of every step in
/// double precision, gives PyTorch's rounding and replaces the double `exp` per element (most
/// of the op's cost) by `expf`, eight lanes at a time (`ExpFloat`).
enum SoftmaxFloat {
    /// Elements from which lines are split over the pool (`Parallel.lines`): an `exp` per
    /// element costs ~1.6 ns, so 4 096 of them pay for a job; memory-bound work waits for 2^16.
    static let parallelMinimum = 1 << 12

    /// The lanes of PyTorch's float vectors on this machine's build (AVX-512, 16 floats):
    /// `map_reduce_all` adds in an order set by this width.
    static let lanes = 16

    // MARK: - Sums in PyTorch's order

    /// The float sum of `value(0..<n)` (`n` ≥ 1) in the order of PyTorch's
    /// `vec::map_reduce_all` with `x + y` over 16-lane vectors.
    ///
    /// Shorter than a vector, the lanes are added one after the other into lane 0. Otherwise
    /// each lane accumulates every 16th value, the tail is added into the first lanes, and
    /// `vec_reduce_all` folds the vector in halves: lane i with lane i + 8, then + 4, + 2, + 1.
    @inline(__always)
    static func sum(_ n: Int, _ value: (Int) -> Float) -> Float {
        if n < lanes {
            var total = value(0)
            for i in 1..<n { total += value(i) }
            return total
        }
        var acc = SIMD16<Float>()
        for lane in 0..<lanes { acc[lane] = value(lane) }
        var d = lanes
        while d + lanes <= n {
            for lane in 0..<lanes { acc[lane] += value(d &+ lane) }
            d &+= lanes
        }
        for lane in 0..<(n - d) { acc[lane] += value(d &+ lane) }
        let eight = acc.lowHalf + acc.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    // MARK: - One line

    /// The largest of the `n` contiguous floats at `x` (`n` ≥ 1), 32 lanes at a time.
    ///
    /// The maximum is exact in any order. A NaN, which the comparisons skip, is returned only
    /// from `x[0]`; anywhere else it makes the exponentials' sum NaN, so the line takes the
    /// general path either way. (The loop of one comparison per float it replaces was over a
    /// quarter of a softmax's time: 256 lines of 1 024 floats, 385 → 272 µs on one core.)
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        typealias Lanes = SIMD8<Float>
        @inline(__always) func load(_ i: Int) -> Lanes { UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self) }
        @inline(__always) func larger(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .> a) }
        var m = x[0], i = 1
        if n >= 32 {
            var a = load(0), b = load(8), c = load(16), d = load(24)
            i = 32
            while i &+ 32 <= n {
                a = larger(a, load(i)); b = larger(b, load(i &+ 8))
                c = larger(c, load(i &+ 16)); d = larger(d, load(i &+ 24))
                i &+= 32
            }
            a = larger(larger(a, b), larger(c, d))
            m = a[0]
            for lane in 1..<8 where a[lane] > m { m = a[lane] }
        }
        while i < n {
            if x[i] > m { m = x[i] }
            i &+= 1
        }
        return m
    }

    /// Writes `exp(x - max)` of the `n` contiguous floats at `x` (`n` ≥ 1) to `y` (other
    /// memory) and returns the maximum and the exponentials' sum in PyTorch's order; nil when
    /// either is not finite (NaN, or ±infinity), a line the caller then writes again by its
    /// general path. The sum is at least 1 (the maximum's term) and at most `n`, so only a
    /// NaN makes it not finite.
    @inline(__always)
    private static func exponentials(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                     _ n: Int) -> (max: Float, total: Float)? {
        let m = maximum(x, n)
        guard m.isFinite else { return nil }
        ExpFloat.apply(x, into: y, count: n, minus: m)
        let total = sum(n) { y[$0] }
        return total.isFinite ? (m, total) : nil
    }

    /// Writes `log_softmax` of the `n` contiguous floats at `x` (`n` ≥ 1) to `y` (other
    /// memory); false for a line with a NaN or an infinity (`exponentials`).
    @inline(__always)
    static func logSoftmaxLine(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
        // The exponentials go through `y`, which the last pass overwrites.
        guard let (m, total) = exponentials(x, y, n) else { return false }
        let logTotal = logf(total)
        // PyTorch keeps this order (x - max first): adding max and log(sum) first loses the
        // small differences of large inputs (pytorch/pytorch#11752).
        for i in 0..<n { y[i] = x[i] - m - logTotal }
        return true
    }

    /// Writes `softmax` of the `n` contiguous floats at `x` (`n` ≥ 1) to `y` (other memory);
    /// false for a line with a NaN or an infinity (`exponentials`).
    @inline(__always)
    static func softmaxLine(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
        guard let (_, total) = exponentials(x, y, n) else { return false }
        // PyTorch multiplies by the reciprocal, which rounds differently from dividing.
        let scale = 1 / total
        for i in 0..<n { y[i] *= scale }
        return true
    }
}

extension UnsafeMutablePointer where Pointee: FloatElement {
    /// The same memory as floats, for a generic kernel that has checked `Pointee.self == Float.self`.
    var asFloats: UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(self).assumingMemoryBound(to: Float.self)
    }
}
