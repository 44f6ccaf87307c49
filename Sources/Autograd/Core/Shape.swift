/// Shape arithmetic shared by every op: sizes, strides, broadcasting, dimension wrapping.
public enum Shapes {
    /// The number of elements of `shape`, or nil when it overflows.
    public static func numel(_ shape: [Int]) -> Int? {
        var n = 1
        for size in shape {
            let (product, overflow) = n.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            n = product
        }
        return n
    }

    /// Row-major strides of a contiguous tensor of `shape`.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        // A vector's strides are a constant literal, shared: no array to allocate for the
        // commonest shape of small tensors (a bias, a reduced loss, a gathered row).
        if shape.count == 1 { return [1] }
        // A matrix's strides are shared too for the usual row lengths (a product's result, a
        // batch of samples, a kept dim).
        if shape.count == 2, matrixStrides.indices.contains(shape[1]) { return matrixStrides[shape[1]] }
        var strides = [Int](filling: 1, count: shape.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = running
            running &*= max(shape[i], 1)
        }
        return strides
    }

    /// The strides of a contiguous matrix with rows of 0, 1, 2, … elements.
    private static let matrixStrides: [[Int]] = (0..<64).map { [max($0, 1), 1] }

    /// `rank` 1s: the shape of a reduction over everything with `keepdim`, shared for the
    /// usual ranks.
    static func ones(_ rank: Int) -> [Int] {
        rank < onesByRank.count ? onesByRank[rank] : [Int](filling: 1, count: rank)
    }

    private static let onesByRank: [[Int]] = (0...8).map { [Int](filling: 1, count: $0) }

    /// Checks that every size is non-negative and the element count is representable.
    public static func validate(_ shape: [Int]) throws {
        for size in shape where size < 0 {
            throw TorchError("Trying to create tensor with negative dimension \(size): \(format(shape))")
        }
        guard let n = numel(shape), n <= Storage.maxBytes else {
            throw TorchError("tensor of shape \(format(shape)) is too large")
        }
    }

    /// PyTorch's `[2, 3]` spelling of a shape.
    public static func format(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// The broadcast shape of `a` and `b`, with PyTorch's error when they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        if a == b { return a }
        // Usually one operand's shape is the result (a bias, a scalar, a column): return it
        // rather than build an equal array.
        if broadcasts(b, to: a) { return a }
        if broadcasts(a, to: b) { return b }
        let n = max(a.count, b.count)
        var out = [Int](filling: 0, count: n)
        // From the last dimension, as PyTorch compares them (its message names the first mismatch).
        for i in stride(from: n - 1, through: 0, by: -1) {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else {
                throw TorchError("The size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(ThreadState.userPosition(i))")
            }
        }
        return out
    }

    /// Whether broadcasting `shape` against `target` gives `target` itself: every trailing size
    /// of `shape` equals `target`'s or is 1.
    @inline(__always)
    static func broadcasts(_ shape: [Int], to target: [Int]) -> Bool {
        guard shape.count <= target.count else { return false }
        let lead = target.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 && shape[i] != target[lead + i] { return false }
        return true
    }

    /// Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 where broadcast).
    public static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        if shape == target { return strides }
        let lead = target.count - shape.count
        var out = [Int](filling: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[lead + i] == 1 {
            out[lead + i] = shape[i] == 1 ? 0 : strides[i]
        }
        return out
    }

    /// Wraps a possibly negative dim into `0..<ndim` (a 0-d tensor accepts dims as if it had one).
    public static func wrapDim(_ dim: Int, _ ndim: Int) throws -> Int {
        let n = max(ndim, 1)
        guard dim >= -n, dim < n else {
            let base = ThreadState.current.indexBase
            let range = base == 1 ? "[-\(n), -1] or [1, \(n)]" : "[\(-n), \(n - 1)]"
            throw TorchError("Dimension out of range (expected to be in range of \(range), but got \(ThreadState.userPosition(dim)))")
        }
        return dim < 0 ? dim + n : dim
    }
}

extension Array {
    /// `count` copies of `value`, like `Array(repeating:count:)` but allocated through code
    /// specialized for `Element`: the standard library's initializer calls an unspecialized
    /// allocator that looks the array type's metadata up at run time, several hundred
    /// instructions per call on the per-op path (every new shape's strides, every broadcast).
    /// Long arrays (a backward pass's per-node tables) still take the standard library's
    /// filling loop, where that lookup is amortized.
    @inline(__always)
    init(filling value: Element, count: Int) {
        if count > 64 {
            self.init(repeating: value, count: count)
            return
        }
        self.init()
        reserveCapacity(count)
        for _ in 0..<count { append(value) }
    }
}
