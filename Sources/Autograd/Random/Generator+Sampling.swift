// Sampling of indices: permutations and categorical draws, as PyTorch's CPU code does them.

// MARK: - randperm

extension Generator {
    /// `torch.randperm(n)`: a random permutation of 0..<n (0-based; Lua adds 1).
    ///
    /// Follows `randperm_cpu` (aten/src/ATen/native/TensorFactories.cpp): for
    /// n < 2³²/20 a forward Fisher–Yates that swaps slot i with i + (32-bit draw
    /// mod (n − i)), n − 1 draws in all; above that, the "inside-out" variant with
    /// 64-bit draws that PyTorch switches to.
    public func randperm(_ n: Int) throws -> [Int64] {
        guard n >= 0 else { throw RandomError("Trying to create tensor with negative dimension \(n): [\(n)]") }
        var result = [Int64](repeating: 0, count: n)
        result.withUnsafeMutableBufferPointer { fillRandperm($0) }
        return result
    }

    /// Writes `torch.randperm(out.count)` into `out` (see `randperm(_:)`).
    public func fillRandperm(_ out: UnsafeMutableBufferPointer<Int64>) {
        let n = out.count
        if n < Int(UInt32.max / 20) {
            for i in 0..<n { out[i] = Int64(i) }
            guard n > 1 else { return }
            for i in 0..<(n - 1) {
                let z = Int(random()) % (n - i)
                out.swapAt(i, i + z)
            }
        } else {
            for i in 0..<n {
                let z = Int(random64() % UInt64(i + 1))
                out[i] = out[z]
                out[z] = Int64(i)
            }
        }
    }
}

// MARK: - multinomial

extension Generator {
    /// `torch.multinomial(probabilities, numSamples, replacement)` on float32 rows.
    ///
    /// `probabilities` holds `rows` rows of `categories` non-negative weights (a 1-D
    /// input is one row). The result holds `rows × numSamples` category indices,
    /// 0-based (Lua adds 1), row after row.
    public func multinomial(_ probabilities: UnsafeBufferPointer<Float>, rows: Int, categories: Int,
                            numSamples: Int, replacement: Bool) throws -> [Int64] {
        try multinomialRows(probabilities, rows: rows, categories: categories,
                            numSamples: numSamples, replacement: replacement)
    }

    /// `torch.multinomial` on float64 rows (see the float32 version).
    public func multinomial(_ probabilities: UnsafeBufferPointer<Double>, rows: Int, categories: Int,
                            numSamples: Int, replacement: Bool) throws -> [Int64] {
        try multinomialRows(probabilities, rows: rows, categories: categories,
                            numSamples: numSamples, replacement: replacement)
    }

    /// `torch.multinomial` of a 1-D float64 distribution.
    public func multinomial(_ probabilities: [Double], numSamples: Int, replacement: Bool = false) throws -> [Int64] {
        try probabilities.withUnsafeBufferPointer {
            try multinomialRows($0, rows: 1, categories: $0.count, numSamples: numSamples, replacement: replacement)
        }
    }

    /// `torch.multinomial` of a 1-D float32 distribution.
    public func multinomial(_ probabilities: [Float], numSamples: Int, replacement: Bool = false) throws -> [Int64] {
        try probabilities.withUnsafeBufferPointer {
            try multinomialRows($0, rows: 1, categories: $0.count, numSamples: numSamples, replacement: replacement)
        }
    }

    /// `multinomial_out` (aten/src/ATen/native/Distributions.cpp), for float and double.
    ///
    /// Without replacement, or for a single sample, PyTorch takes the "Gumbel" fast
    /// path: `q = p / Exp(1)` element-wise in the input's dtype (one exponential per
    /// element, row-major), then `argmax` (one sample) or `topk` (several). With
    /// replacement and several samples it runs `multinomial_with_replacement_apply`
    /// (native/cpu/MultinomialKernel.cpp): a normalised cumulative sum in the input's
    /// dtype and one double uniform plus a binary search per sample.
    private func multinomialRows<T: BinaryFloatingPoint>(
        _ probabilities: UnsafeBufferPointer<T>, rows: Int, categories: Int,
        numSamples: Int, replacement: Bool
    ) throws -> [Int64] {
        guard rows >= 0, categories >= 0,
              case let (total, overflow) = rows.multipliedReportingOverflow(by: categories), !overflow,
              total == probabilities.count
        else {
            throw RandomError("multinomial: \(probabilities.count) probabilities do not form \(rows) rows of \(categories)")
        }
        guard numSamples > 0 else { throw RandomError("cannot sample n_sample <= 0 samples") }
        guard replacement || numSamples <= categories else {
            throw RandomError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        }
        guard categories <= 1 << 24 else { throw RandomError("number of categories cannot exceed 2^24") }
        let (resultCount, tooMany) = rows.multipliedReportingOverflow(by: numSamples)
        guard !tooMany else { throw RandomError("multinomial: \(rows) × \(numSamples) samples is too many") }
        if resultCount == 0 { return [] }

        if !replacement || numSamples == 1 {
            return try gumbelSamples(probabilities, rows: rows, categories: categories, numSamples: numSamples)
        }
        return try samplesWithReplacement(probabilities, rows: rows, categories: categories, numSamples: numSamples)
    }

    /// The fast path: `argmax`/`topk` of `p / q` with `q ~ Exp(1)`.
    private func gumbelSamples<T: BinaryFloatingPoint>(
        _ p: UnsafeBufferPointer<T>, rows: Int, categories: Int, numSamples: Int
    ) throws -> [Int64] {
        guard !p.isEmpty else {
            throw RandomError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
        }
        // `(self.max() < INFINITY) & (self.min() >= 0)`: any NaN fails both.
        guard p.allSatisfy({ $0 >= 0 && $0 < .infinity }) else {
            throw RandomError("probability tensor contains either `inf`, `nan` or element < 0")
        }
        for row in 0..<rows where p[(row * categories)..<((row + 1) * categories)].allSatisfy({ $0 == 0 }) {
            throw RandomError("invalid multinomial distribution (sum of probabilities <= 0)")
        }
        // q.exponential_(1) in the input's dtype, then q = p / q.
        var q = [T](repeating: 0, count: p.count)
        for i in q.indices { q[i] = T(exponentialSample(lambda: 1)) }
        for i in q.indices { q[i] = p[i] / q[i] }

        var result = [Int64]()
        result.reserveCapacity(rows * numSamples)
        for row in 0..<rows {
            let values = q[(row * categories)..<((row + 1) * categories)]
            if numSamples == 1 {
                result.append(Int64(Self.argmax(values)))
            } else {
                result.append(contentsOf: Self.topIndices(values, count: numSamples).map { Int64($0) })
            }
        }
        return result
    }

    /// `argmax`: the first largest value, a NaN counting as larger than any number.
    private static func argmax<T: BinaryFloatingPoint>(_ values: ArraySlice<T>) -> Int {
        var best = values.startIndex
        for i in values.indices.dropFirst() {
            let candidate = values[i], current = values[best]
            if current.isNaN { break }
            if candidate.isNaN || candidate > current { best = i }
        }
        return best - values.startIndex
    }

    /// The indices of `topk(k, largest=True, sorted=True)`, as `topk_impl_loop`
    /// (aten/src/ATen/native/TopKImpl.h) finds them: NaN counts as largest, and
    /// (value, index) pairs go through libstdc++'s `partial_sort` when `64·k ≤ n`,
    /// else `nth_element` then `sort` of the first k − 1. Replaying those unstable
    /// algorithms exactly decides the order of equal values, which occur among
    /// zero-probability categories once every positive one has been drawn.
    private static func topIndices<T: BinaryFloatingPoint>(_ values: ArraySlice<T>, count k: Int) -> [Int] {
        var queue = values.enumerated().map { (value: $0.element, index: $0.offset) }
        let order = LargestFirst<T>()
        let n = queue.count
        if k * 64 <= n {
            LibstdcxxSelection.partialSort(&queue, 0, k, n, order)
        } else {
            LibstdcxxSelection.nthElement(&queue, 0, k - 1, n, order)
            LibstdcxxSelection.sort(&queue, 0, k - 1, order)
        }
        return queue.prefix(k).map(\.index)
    }

    /// `multinomial_with_replacement_apply` for one dtype.
    private func samplesWithReplacement<T: BinaryFloatingPoint>(
        _ p: UnsafeBufferPointer<T>, rows: Int, categories: Int, numSamples: Int
    ) throws -> [Int64] {
        var result = [Int64]()
        result.reserveCapacity(rows * numSamples)
        var cumulative = [T](repeating: 0, count: categories)
        for row in 0..<rows {
            // Checks interleave with the running sum, as in PyTorch: an earlier row
            // has already been sampled when a later one is rejected.
            var sum: T = 0
            for j in 0..<categories {
                let value = p[row * categories + j]
                guard value >= 0 else {
                    throw RandomError("invalid multinomial distribution (encountering probability entry < 0)")
                }
                guard value.isFinite else {
                    throw RandomError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
                }
                sum += value
                cumulative[j] = sum
            }
            guard sum > 0 else { throw RandomError("invalid multinomial distribution (sum of probabilities <= 0)") }
            for j in 0..<categories { cumulative[j] /= sum }
            cumulative[categories - 1] = 1      // the last bucket ends exactly at 1
            for _ in 0..<numSamples {
                let u = standardUniformDouble()
                var left = 0, right = categories
                while right - left > 0 {
                    let mid = left + (right - left) / 2
                    if Double(cumulative[mid]) < u { left = mid + 1 } else { right = mid }
                }
                result.append(Int64(left))
            }
        }
        return result
    }
}

/// "Comes first" for `topIndices`' (value, index) pairs: the larger value; NaN is largest.
private struct LargestFirst<T: BinaryFloatingPoint>: StrictOrder {
    @inline(__always)
    func before(_ x: (value: T, index: Int), _ y: (value: T, index: Int)) -> Bool {
        (x.value.isNaN && !y.value.isNaN) || x.value > y.value
    }
}
