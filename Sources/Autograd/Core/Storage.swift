#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A flat, aligned byte buffer shared by a tensor and all of its views.
///
/// The version counter lives here because every view of the same memory must see an
/// in-place change (PyTorch shares one counter between a tensor and its views).
///
/// Small buffers live in the storage object itself (a `ManagedBuffer`'s tail): a separate
/// malloc and free for the few bytes of a 0-d tensor was a tenth of a small op.
public final class Storage: ManagedBuffer<StorageHeader, UInt64> {
    /// Allocates room for `count` elements of `dtype`, uninitialized; throws instead of trapping.
    static func make(count: Int, dtype: DType) throws -> Storage {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard count >= 0, !overflow else {
            throw TorchError("cannot allocate a tensor of \(count) elements")
        }
        let storage = try make(byteCount: bytes)
        dtype.dispatch(BindMemory(bytes: storage.bytes, count: count))
        return storage
    }

    private struct BindMemory: ElementDispatch {
        let bytes: UnsafeMutableRawPointer, count: Int
        func callAsFunction<T: TensorElement>(_: T.Type) { bytes.bindMemory(to: T.self, capacity: count) }
    }

    /// Allocates `byteCount` uninitialized bytes; throws instead of trapping when it cannot.
    static func make(byteCount: Int) throws -> Storage {
        guard byteCount >= 0, byteCount <= maxBytes else {
            throw TorchError("cannot allocate a tensor of \(byteCount) bytes: the limit is \(maxBytes) bytes")
        }
        // The account is read in place from the thread's state: a local copy of it cost a
        // retain and a release per storage.
        return try ThreadState.withCurrent { state in
            try state.memoryAccount?.reserve(byteCount)
            if byteCount <= inlineBytes, let recycled = state.storagePool.take(words: (byteCount + 7) / 8) {
                // Set up through the pool's reference, which the caller then owns (a strong
                // local cost a retain and a release).
                recycled._withUnsafeGuaranteedRef { storage in
                    storage.header.byteCount = byteCount
                    storage.header.account = state.memoryAccount
                    storage.header.isPooled = false
                }
                Storage.live.add(1)
                Storage.liveBytes.add(byteCount)
                return recycled.takeRetainedValue()
            }
            var external: UnsafeMutableRawPointer?
            if byteCount > inlineBytes {
                external = allocateApart(byteCount)
                guard external != nil else {
                    state.memoryAccount?.release(byteCount)
                    throw TorchError("DefaultCPUAllocator: not enough memory: you tried to allocate \(byteCount) bytes.")
                }
            }
            let made = create(minimumCapacity: external == nil ? (byteCount + 7) / 8 : 0) { buffer in
                StorageHeader(bytes: external ?? buffer.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) },
                              byteCount: byteCount, isInline: external == nil, account: state.memoryAccount)
            }
            Storage.live.add(1)
            Storage.liveBytes.add(byteCount)
            return unsafeDowncast(made, to: Storage.self)
        }
    }

    /// A buffer of `byteCount` bytes outside the storage object, or nil when memory is out.
    ///
    /// Mid-sized buffers come from malloc (16-byte aligned, and much cheaper than
    /// posix_memalign); large ones are aligned for vector loads, and reused when one of the
    /// same size was freed recently.
    private static func allocateApart(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        if byteCount <= smallBytes { return malloc(byteCount) }
        if let cached = BufferCache.take(byteCount) { return cached }
        var raw: UnsafeMutableRawPointer?
        return posix_memalign(&raw, 64, byteCount) == 0 ? raw : nil
    }

    /// Offers a small storage that its last tensor is letting go of to the thread's pool
    /// (`StoragePool`), to be made again by `make` without an allocation. Only a storage
    /// nothing else refers to may be offered. It is returned to its memory account and
    /// uncounted as if freed; a full pool, or a thread without engine state, lets it be freed.
    static func recycle(_ storage: Storage) {
        ThreadState.withExisting { state in
            let byteCount = storage.header.byteCount
            guard state.storagePool.put(storage, words: (byteCount + 7) / 8) else { return }
            // As a fresh storage starts: no account, version 0, no in-place history. (The account
            // is moved out, not copied: a copy cost a retain and a release around the call.)
            var account: (any MemoryAccount)?
            swap(&account, &storage.header.account)
            account?.release(byteCount)
            storage.header.version = 0
            if storage.header.lastInPlaceNode != nil { storage.header.lastInPlaceNode = nil }
            storage.header.isPooled = true
            Storage.live.subtract(1)
            Storage.liveBytes.subtract(byteCount)
        }
    }

    deinit {
        // A pooled storage was returned to its account and uncounted when it was pooled.
        if header.isPooled { return }
        let byteCount = header.byteCount
        if !header.isInline {
            if byteCount >= BufferCache.minimumBytes { BufferCache.put(header.bytes, byteCount) }
            else { free(header.bytes) }
        }
        header.account?.release(byteCount)
        Storage.live.subtract(1)
        Storage.liveBytes.subtract(byteCount)
    }

    /// The first byte; 64-byte aligned for vector loads (8 for buffers held inline).
    @inline(__always) public var bytes: UnsafeMutableRawPointer { header.bytes }
    /// The size of the buffer in bytes.
    @inline(__always) public var byteCount: Int { header.byteCount }
    /// Whether the bytes live in the storage object itself (what `recycle` accepts).
    @inline(__always) var isInline: Bool { header.isInline }
    /// Bumped by every in-place write; checked when saved tensors are unpacked.
    public internal(set) var version: Int {
        @inline(__always) get { header.version }
        set { header.version = newValue }
    }
    /// The grad_fn name of the last recorded in-place op on this memory, for PyTorch's
    /// version-mismatch message ("which is output 0 of Add").
    var lastInPlaceNode: String? {
        get { header.lastInPlaceNode }
        set { header.lastInPlaceNode = newValue }
    }

    /// Marks an in-place write.
    @inline(__always) func bumpVersion() { header.version &+= 1 }

    // MARK: - Accounting

    /// Buffers up to this size live inside the storage object.
    static let inlineBytes = 256
    /// Buffers up to this size skip 64-byte alignment.
    static let smallBytes = 1024
    /// No single tensor may exceed this many bytes (64 GiB): far past any sane use, but small
    /// enough that size arithmetic never overflows.
    public static let maxBytes = 1 << 36
    /// Storages alive in the process (for leak tests).
    public static let live = LiveCount(.storages)
    /// Bytes held by live storages in the process.
    public static let liveBytes = LiveCount(.bytes)
}

/// What a `Storage` knows besides its bytes (the header of its `ManagedBuffer`).
public struct StorageHeader {
    /// The first byte: the object's own tail for small buffers, else a separate allocation.
    let bytes: UnsafeMutableRawPointer
    /// (Changes only while the storage is pooled: a reused one takes its new size.)
    var byteCount: Int
    /// Whether `bytes` is the object's tail (nothing to free).
    let isInline: Bool
    /// Whether the storage waits in a thread's `StoragePool` (no tensor refers to it).
    var isPooled = false
    /// Where these bytes are charged (the allocating thread's `memoryAccount`), if anywhere.
    var account: (any MemoryAccount)?
    var version = 0
    var lastInPlaceNode: String?
}

/// Where tensor bytes are charged: a script host's memory limit.
///
/// `Storage` reserves its bytes from the allocating thread's `ThreadState.memoryAccount` and
/// releases them to the same account when it is freed, from whatever thread that happens on,
/// so an account must be thread-safe.
public protocol MemoryAccount: AnyObject, Sendable {
    /// Charges `bytes`, or throws (charging nothing) when the account's limit does not allow them.
    func reserve(_ bytes: Int) throws
    /// Returns `bytes` charged earlier by `reserve`.
    func release(_ bytes: Int)
}
