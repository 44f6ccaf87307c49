/// Reduction kernels: one loop structure for sums, means, norms and extrema over any dims.
extension Tensor {
    /// Normalizes a dim list: wraps negatives, rejects repeats, sorts. nil or empty means all dims.
    func reductionDims(_ dims: [Int]?) throws -> [Int] {
        guard let dims, !dims.isEmpty else { return Tensor.allDims(ndim) }
        var seen = Set<Int>()
        for d in dims {
            let w = try Shapes.wrapDim(d, ndim)
            guard seen.insert(w).inserted else {
                throw TorchError("dim \(ThreadState.userPosition(w)) appears multiple times in the list of dims")
            }
        }
        return seen.sorted().filter { $0 < ndim }
    }

    /// `[0, 1, …, n - 1]`: every dim. The usual ranks share one array each (a reduction over
    /// everything, `x:sum()`, asked for a new one per call).
    static func allDims(_ n: Int) -> [Int] {
        n < allDimsByRank.count ? allDimsByRank[n] : Array(0..<n)
    }

    private static let allDimsByRank: [[Int]] = (0...8).map { Array(0..<$0) }

    /// The shape left after reducing `dims`.
    func reducedShape(_ dims: [Int], keepdim: Bool) -> [Int] {
        // Everything reduced: no dims, or all 1s (a gradient summed to a bias's shape).
        if dims.count == ndim { return keepdim ? Shapes.ones(ndim) : [] }
        var out: [Int] = []
        for (i, size) in shape.enumerated() {
            if dims.contains(i) { if keepdim { out.append(1) } } else { out.append(size) }
        }
        return out
    }

    /// Folds the elements over `dims` into each output element.
    ///
    /// `initial` starts each fold, `combine` adds one element, `finish` turns the fold and the
    /// number of folded elements into the stored value.
    @inline(__always)
    func reduce<T: TensorElement, A, R: TensorElement>(
        dims: [Int], keepdim: Bool, as _: T.Type, into dtype: DType, initial: A,
        combine: (A, T) -> A, finish: (A, Int) -> R
    ) throws -> Tensor {
        let out = try Tensor.empty(reducedShape(dims, keepdim: keepdim), dtype: dtype)
        let src = pointer(T.self), dst = out.pointer(R.self)
        let (keptShape, keptStrides, redShape, redStrides) = splitDims(dims)
        let count = Shapes.numel(redShape) ?? 0
        if keptShape.isEmpty && isContiguous {
            var acc = initial
            for i in 0..<numel { acc = combine(acc, src[i]) }
            dst[0] = finish(acc, count)
            return out
        }
        var o = 0
        StridedLoop.run(keptShape, keptStrides, keptStrides) { base, _ in
            var acc = initial
            StridedLoop.run(redShape, redStrides, redStrides) { r, _ in acc = combine(acc, src[base &+ r]) }
            dst[o] = finish(acc, count)
            o &+= 1
        }
        return out
    }

    /// The shape and strides of the dims kept and of the dims in `dims` (reduced), in order.
    func splitDims(_ dims: [Int]) -> (keptShape: [Int], keptStrides: [Int], redShape: [Int], redStrides: [Int]) {
        var keptShape: [Int] = [], keptStrides: [Int] = [], redShape: [Int] = [], redStrides: [Int] = []
        for i in 0..<ndim {
            if dims.contains(i) { redShape.append(shape[i]); redStrides.append(strides[i]) }
            else { keptShape.append(shape[i]); keptStrides.append(strides[i]) }
        }
        return (keptShape, keptStrides, redShape, redStrides)
    }

    /// Sums over `dims` (all when empty) in `dtype`, accumulating floats in double precision.
    func sumKernel(dims: [Int], keepdim: Bool, dtype: DType, mean: Bool = false) throws -> Tensor {
        let x = try converted(to: dtype)
        if dtype.isFloatingPoint {
            return try dtype.dispatchFloat(FloatSum(source: x, dims: dims, keepdim: keepdim, mean: mean), op: "sum")
        }
        let ints = try x.converted(to: .int64)
        return try ints.reduce(dims: dims, keepdim: keepdim, as: Int64.self, into: .int64, initial: Int64(0),
                               combine: { $0 &+ $1 }, finish: { (acc: Int64, _: Int) -> Int64 in acc })
    }

    /// A float sum (or mean), accumulated in double precision: all of a long contiguous
    /// tensor through `fastSum`, leading or trailing dims of a contiguous one through
    /// `contiguousSum`, anything else through the general `reduce`.
    private struct FloatSum: FloatDispatch {
        let source: Tensor, dims: [Int], keepdim: Bool, mean: Bool

        func callAsFunction<T: FloatElement>(_: T.Type) throws -> Tensor {
            let x = source
            if dims.count == x.ndim, x.isContiguous {
                // Short tensors add in order, as `reduce` does; long ones through `fastSum`.
                // Neither builds `reduce`'s four arrays of kept and reduced dims.
                let p = x.pointer(T.self), n = x.numel
                let total = n >= 64 ? Tensor.fastSum(p, n) : (0..<n).reduce(0.0) { $0 + Double(p[$1]) }
                let out = try Tensor.empty(x.reducedShape(dims, keepdim: keepdim), dtype: T.dtype)
                out.pointer(T.self).pointee = T(mean ? total / Double(n) : total)
                return out
            }
            if let out = try x.contiguousSum(dims: dims, keepdim: keepdim, T.self, mean: mean) { return out }
            return try x.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: 0.0,
                                combine: { $0 + Double($1) },
                                finish: { (acc: Double, n: Int) -> T in T(mean ? acc / Double(n) : acc) })
        }
    }
}

extension Tensor {
    /// Sums a contiguous tensor over its leading dims or its trailing dims (a bias gradient,
    /// `x:sum(2)`) without the general strided loop; nil for other dim sets. Accumulates in
    /// double precision like `reduce`: rows in order over leading dims, and through `fastSum`
    /// over trailing ones, as the sum of all elements does.
    fileprivate func contiguousSum<T: FloatElement>(dims: [Int], keepdim: Bool, _: T.Type,
                                                    mean: Bool) throws -> Tensor? {
        // Leading dims are 0, 1, …; trailing ones run up to the last dim (checked in place: two
        // arrays to compare with cost more than the sum of a small gradient).
        guard isContiguous, !dims.isEmpty, dims.count < ndim,
              dims[0] == 0 || dims[0] == ndim - dims.count,
              dims.indices.dropFirst().allSatisfy({ dims[$0] == dims[$0 - 1] + 1 }) else { return nil }
        let leading = dims[0] == 0
        var reduced = 1, kept = 1
        for d in 0..<ndim { if dims.contains(d) { reduced &*= shape[d] } else { kept &*= shape[d] } }
        let out = try Tensor.empty(reducedShape(dims, keepdim: keepdim), dtype: dtype)
        let src = pointer(T.self), dst = out.pointer(T.self)
        if leading {
            // out[k] = Σ_r x[r, k]: whole rows added into double accumulators (vectorizes; on the
            // stack, a heap array cost more than summing a small gradient).
            // Column blocks split over the pool: each column adds its rows in order whoever
            // sums it, so the split leaves the bits as they were.
            withUnsafeTemporaryAllocation(of: Double.self, capacity: kept) { a in
                let blocks = (kept + 15) / 16
                Parallel.lines(blocks, length: 16 &* reduced) { range in
                    let first = range.lowerBound &* 16, end = min(range.upperBound &* 16, kept)
                    let columns = UnsafeMutableBufferPointer(rebasing: a[first..<end])
                    if T.self == Float.self {
                        Tensor.floatColumnSums(src.asFloats + first, rows: reduced, columns: end - first,
                                               stride: kept, into: columns)
                    } else {
                        columns.initialize(repeating: 0)
                        for r in 0..<reduced {
                            let row = src + (r &* kept &+ first)
                            for k in 0..<columns.count { columns[k] += row[k].doubleValue }
                        }
                    }
                    for k in first..<end { dst[k] = T(converting: mean ? a[k] / Double(reduced) : a[k]) }
                }
            }
        } else {
            // Lines split over the pool (`x:sum(2)`); each is one `fastSum`, as before.
            Parallel.lines(kept, length: reduced) { lines in
                for k in lines {
                    let total = Tensor.fastSum(src + k * reduced, reduced)
                    dst[k] = T(converting: mean ? total / Double(reduced) : total)
                }
            }
        }
        return out
    }

    /// The sums of `columns` columns of a `rows`-row float matrix whose rows are `stride` floats
    /// apart, in double precision, each adding its rows in order (as the row-by-row loop does,
    /// so the same bits): sixteen, then eight, columns at a time kept in registers across all
    /// rows, where adding every row into an accumulator array loaded and stored the array once
    /// per row (a bias gradient: 64 rows of 256).
    private static func floatColumnSums(_ src: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                        stride: Int, into a: UnsafeMutableBufferPointer<Double>) {
        var k = 0
        while k + 16 <= columns {
            var low = SIMD8<Double>(), high = SIMD8<Double>()
            var row = UnsafeRawPointer(src + k)
            for _ in 0..<rows {
                let v = row.loadUnaligned(as: SIMD16<Float>.self)
                low += SIMD8<Double>(v.lowHalf)
                high += SIMD8<Double>(v.highHalf)
                row += stride &* MemoryLayout<Float>.stride
            }
            for lane in 0..<8 { a[k &+ lane] = low[lane]; a[k &+ 8 &+ lane] = high[lane] }
            k &+= 16
        }
        if k + 8 <= columns {
            var sums = SIMD8<Double>()
            var row = UnsafeRawPointer(src + k)
            for _ in 0..<rows {
                sums += SIMD8<Double>(row.loadUnaligned(as: SIMD8<Float>.self))
                row += stride &* MemoryLayout<Float>.stride
            }
            for lane in 0..<8 { a[k &+ lane] = sums[lane] }
            k &+= 8
        }
        while k < columns {
            var total = 0.0
            for r in 0..<rows { total += Double(src[r &* stride &+ k]) }
            a[k] = total
            k &+= 1
        }
    }

    /// The sum of a contiguous run of floats in double precision: independent accumulators
    /// per part (`simdSum`, so the adds pipeline and vectorize), the parts' sums added in order.
    ///
    /// A long run is cut into `sumParts` equal parts whatever the thread count, which only
    /// decides who sums which part: the same tensor sums to the same bits on one core or
    /// eight. (Cut into one part per worker, as before, a float64 sum's last bits changed
    /// with `OMP_NUM_THREADS`.)
    static func fastSum<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> Double {
        // One part: no partials. A heap allocation per call was most of the cost of summing
        // the short lines of a `sum(dim)` (256 lines of 10 in a training step).
        // `0 +` keeps the sign that adding the one partial to 0 gives (-0 becomes +0).
        if n < Parallel.reductionThreshold { return 0 + simdSum(p, 0, n) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: sumParts) { partials in
            let size = (n + sumParts - 1) / sumParts
            Parallel.forEach(sumParts) { part in
                let start = min(part * size, n)
                partials[part] = simdSum(p, start, min(start + size, n))
            }
            return partials.reduce(0, +)
        }
    }

    /// Parts a sum of `Parallel.reductionThreshold` elements or more is cut into: 2^14
    /// elements each at least (a few microseconds), and enough for eight threads.
    static let sumParts = 8

    /// The sum of `p[start..<end]` in double precision through eight accumulators (32 for
    /// floats, `floatSum`).
    @inline(__always)
    private static func simdSum<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ start: Int, _ end: Int) -> Double {
        if T.self == Float.self { return floatSum(UnsafePointer(p.asFloats), start, end) }
        var acc = SIMD8<Double>()
        var i = start
        while i + 8 <= end {
            acc += SIMD8<Double>(p[i].doubleValue, p[i + 1].doubleValue, p[i + 2].doubleValue,
                                 p[i + 3].doubleValue, p[i + 4].doubleValue, p[i + 5].doubleValue,
                                 p[i + 6].doubleValue, p[i + 7].doubleValue)
            i += 8
        }
        var total = acc.sum()
        while i < end { total += p[i].doubleValue; i += 1 }
        return total
    }

    /// `simdSum` of floats: four vectors of accumulators, added pairwise at the end. With one,
    /// each add waited for the one before it (2^18 floats: 27.7 µs, PyTorch's sum on two
    /// threads 9.9).
    @inline(never)
    private static func floatSum(_ p: UnsafePointer<Float>, _ start: Int, _ end: Int) -> Double {
        let raw = UnsafeRawPointer(p)
        @inline(__always) func load(_ i: Int) -> SIMD8<Double> {
            EightLanes.widened(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        }
        // (Declared and added up outside any branch: with the three inside an `if`, LLVM
        // split the loop into lanes, 44 µs for 2^18 floats against 18.5.)
        var a = SIMD8<Double>(), b = SIMD8<Double>(), c = SIMD8<Double>(), d = SIMD8<Double>()
        var i = start
        while i &+ 32 <= end {
            a += load(i); b += load(i &+ 8); c += load(i &+ 16); d += load(i &+ 24)
            i &+= 32
        }
        a = (a + b) + (c + d)
        while i &+ 8 <= end {
            a += load(i)
            i &+= 8
        }
        var total = a.sum()
        while i < end { total += Double(p[i]); i &+= 1 }
        return total
    }
}
