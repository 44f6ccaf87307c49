// MARK: - Which elements are shown (PyTorch's `get_summarized_data`)

/// The shape of a non-empty tensor and, when it is summarized, which items of each
/// dimension are shown: the first and last `edgeItems` of every dimension longer
/// than twice that.
struct SummarizedLayout {
    /// The tensor's sizes (none of them zero).
    let shape: [Int]
    /// Row-major element strides of `shape`.
    let strides: [Int]
    /// Whether the tensor has more than `threshold` elements.
    let summarize: Bool

    init(shape: [Int], summarize: Bool) {
        self.shape = shape
        self.summarize = summarize
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for dim in shape.indices.reversed() {
            strides[dim] = stride
            // Wrapping is harmless: a tensor whose element count overflows cannot exist.
            stride = stride &* shape[dim]
        }
        self.strides = strides
    }

    /// The indices shown along `dim`: all of them, or a head and a tail with `...` between.
    func shownIndices(along dim: Int) -> (head: Range<Int>, tail: Range<Int>?) {
        let size = shape[dim]
        let edge = PrintOptions.edgeItems
        guard summarize, size > 2 * edge else { return (0..<size, nil) }
        return (0..<edge, (size - edge)..<size)
    }

    /// Calls `body` with the flat index of every shown element, in row-major order:
    /// the elements the formatter measures, and the only ones read.
    func forEachShownIndex(_ body: (Int) -> Void) {
        func visit(dim: Int, offset: Int) {
            guard dim < shape.count else { return body(offset) }
            let (head, tail) = shownIndices(along: dim)
            for index in head { visit(dim: dim + 1, offset: offset &+ index &* strides[dim]) }
            for index in tail ?? 0..<0 { visit(dim: dim + 1, offset: offset &+ index &* strides[dim]) }
        }
        visit(dim: 0, offset: 0)
    }
}
