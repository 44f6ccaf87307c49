/// A thread's small storages waiting to be made again (`Storage.recycle`, `Storage.make`).
///
/// A tensor's storage is a Swift object of its own: allocating and freeing it cost about 600
/// instructions (the allocator's cache refills and flushes included), a tenth of a small op,
/// and scripts make the same few sizes over and over. When a tensor dies holding the last
/// reference to a storage whose bytes are inline, the storage waits here and the next output
/// of that size takes it.
///
/// One list per inline size in 8-byte words, so that a storage is reused only for its own
/// size and no object is larger than a fresh one would be. The lists are linked through the
/// first word of each waiting storage's own bytes (a size of zero words is never pooled), so
/// keeping one allocates nothing. The pool is deep (`capacityBytes`), because the Lua
/// collector finalizes dead tensors in batches of hundreds: a shallow pool filled at the start
/// of each batch and let the rest be freed, and the allocations after it missed.
struct StoragePool {
    /// The most bytes of storage objects one thread keeps.
    static let capacityBytes = 1 << 20
    /// An object's bytes besides its elements (Swift's header and `StorageHeader`), roughly.
    private static let objectOverhead = 80
    private static let sizes = Storage.inlineBytes / 8 + 1

    /// The first waiting storage of each size (retained), or nil. A buffer rather than an
    /// array: an array's uniqueness check and the retains around it were a third of a `take`.
    private let heads: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// The bytes of the objects waiting.
    private var heldBytes = 0

    init() {
        heads = .allocate(capacity: Self.sizes)
        heads.initialize(repeating: nil, count: Self.sizes)
    }

    /// A waiting storage of `words` inline words, taken out of the pool (the caller owns the
    /// pool's reference); nil when none waits.
    @inline(__always)
    mutating func take(words: Int) -> Unmanaged<Storage>? {
        guard let head = heads[words] else { return nil }
        // The next one is linked through the first word of this one's bytes.
        heads[words] = Self.bytes(of: head).load(as: UnsafeMutableRawPointer?.self)
        heldBytes &-= Self.objectOverhead &+ words &* 8
        return Unmanaged<Storage>.fromOpaque(head)
    }

    /// Keeps `storage`, whose inline bytes are `words` words; false (keeping nothing) when it
    /// has no word to link through or the pool is full.
    @inline(__always)
    mutating func put(_ storage: Storage, words: Int) -> Bool {
        let size = Self.objectOverhead &+ words &* 8
        guard words > 0, heldBytes &+ size <= Self.capacityBytes else { return false }
        storage.bytes.storeBytes(of: heads[words], as: UnsafeMutableRawPointer?.self)
        heads[words] = Unmanaged.passRetained(storage).toOpaque()
        heldBytes &+= size
        return true
    }

    /// The bytes of a waiting storage, read without retaining it.
    @inline(__always)
    private static func bytes(of storage: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        Unmanaged<Storage>.fromOpaque(storage)._withUnsafeGuaranteedRef { $0.bytes }
    }

    /// Frees every waiting storage and the list heads (the thread's state is going away).
    mutating func drain() {
        for words in 0..<Self.sizes {
            while let storage = take(words: words) { storage.release() }
        }
        heads.deallocate()
    }
}
