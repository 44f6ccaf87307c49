/// `copy_`: PyTorch's memory-overlap checks, and the direct path that writes the source
/// straight into the tensor when no graph is recorded.
extension Tensor {
    // MARK: - Overlap

    /// How two tensors' elements share memory (PyTorch's `MemOverlapStatus`).
    enum MemoryOverlap {
        /// No element of one is an element of the other.
        case none
        /// The same elements in the same layout.
        case full
        /// Some elements are shared, or the same ones in another layout.
        case partial
        /// Cannot be told cheaply (a layout with gaps or repeats): PyTorch lets it through.
        case unknown
    }

    /// Whether the elements fill one unbroken block of memory, each exactly once, in some order
    /// of the dims (PyTorch's `is_non_overlapping_and_dense`): contiguous, or a permutation of
    /// a contiguous layout (`x:t()`).
    var isNonOverlappingAndDense: Bool {
        if isContiguous { return true }
        // Dims of size 0 or 1 do not constrain the layout; the others, taken from the smallest
        // stride up, must each step over exactly the block the previous ones cover.
        var expected = 1
        for d in (0..<ndim).filter({ shape[$0] > 1 }).sorted(by: { strides[$0] < strides[$1] }) {
            guard strides[d] == expected else { return false }
            expected &*= shape[d]
        }
        return true
    }

    /// Whether several of this tensor's elements are one stored value (PyTorch's
    /// `has_internal_overlap`): `.partial` for a dim of stride 0 (an expanded tensor).
    var internalOverlap: MemoryOverlap {
        if isNonOverlappingAndDense { return .none }
        return Swift.zip(shape, strides).contains { $0 > 1 && $1 == 0 } ? .partial : .unknown
    }

    /// How this tensor's elements and `other`'s share memory (PyTorch's `get_overlap_status`):
    /// compared as byte ranges when both are non-overlapping and dense.
    func overlap(with other: Tensor) -> MemoryOverlap {
        if other === self { return .full }
        if numel == 0 || other.numel == 0 || other.storage !== storage { return .none }
        guard isNonOverlappingAndDense && other.isNonOverlappingAndDense else { return .unknown }
        let begin = offset &* dtype.itemSize, end = begin &+ numel &* dtype.itemSize
        let otherBegin = other.offset &* other.dtype.itemSize, otherEnd = otherBegin &+ other.numel &* other.dtype.itemSize
        if begin == otherBegin && end == otherEnd { return strides == other.strides ? .full : .partial }
        return begin < otherEnd && otherBegin < end ? .partial : .none
    }

    /// PyTorch's checks before `copy_` writes `source` into this tensor: the same data is
    /// always allowed; otherwise no element of this tensor may be stored twice, and `source`
    /// may not share only some of its elements (or share them in another layout).
    func checkCopyOverlap(_ source: Tensor) throws {
        if isSameData(as: source) { return }
        if internalOverlap == .partial {
            throw TorchError("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.")
        }
        if overlap(with: source) == .partial {
            throw TorchError("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.")
        }
    }

    /// Whether `other` is this tensor or a view of exactly its elements, laid out alike and of
    /// the same dtype (PyTorch's `copy_` then has nothing to do).
    private func isSameData(as other: Tensor) -> Bool {
        other === self || (other.storage === storage && other.offset == offset && other.dtype == dtype
                           && other.shape == shape && other.strides == strides)
    }

    // MARK: - The direct path

    /// Writes `source` (broadcast to this shape, converted to this dtype) straight into this
    /// tensor's memory: the non-recording `copy_`. Returns false when the general path must
    /// run instead: a forward-mode tangent to carry, or a source sharing this memory in a way
    /// that reading it while writing could see new values (the general path copies it first).
    ///
    /// The general path ran the out-of-place op into a new tensor and copied that back: two
    /// passes, a fresh buffer and the op's bookkeeping. Expects `checkCopyOverlap` to have
    /// passed; does not bump the version (the caller does).
    func copyInPlace(from source: Tensor) throws -> Bool {
        guard tangent == nil && source.tangent == nil else { return false }
        if isSameData(as: source) {
            // Every element is read and written at one address: nothing to move, but the
            // broadcast must still be valid (it is: same shape).
            return true
        }
        guard overlap(with: source) == .none else { return false }
        try copyElements(from: source)
        return true
    }
}
