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
public final class Storage {
    /// The first byte; 64-byte aligned for vector loads (16 for small buffers).
    public let bytes: UnsafeMutableRawPointer
    /// The size of the buffer in bytes.
    public let byteCount: Int
    /// Bumped by every in-place write; checked when saved tensors are unpacked.
    public internal(set) var version = 0
    /// Where these bytes are charged (the allocating thread's `memoryAccount`), if anywhere.
    private let account: (any MemoryAccount)?
    /// The grad_fn name of the last recorded in-place op on this memory, for PyTorch's
    /// version-mismatch message ("which is output 0 of Add").
    var lastInPlaceNode: String?

    /// Allocates room for `count` elements of `dtype`, uninitialized; throws instead of trapping.
    convenience init(count: Int, dtype: DType) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard count >= 0, !overflow else {
            throw TorchError("cannot allocate a tensor of \(count) elements")
        }
        try self.init(byteCount: bytes)
        switch dtype {
        case .bool: self.bytes.bindMemory(to: Bool.self, capacity: count)
        case .int64: self.bytes.bindMemory(to: Int64.self, capacity: count)
        case .float32: self.bytes.bindMemory(to: Float.self, capacity: count)
        case .float64: self.bytes.bindMemory(to: Double.self, capacity: count)
        }
    }

    /// Allocates `byteCount` uninitialized bytes; throws instead of trapping when it cannot.
    init(byteCount: Int) throws {
        guard byteCount >= 0, byteCount <= Storage.maxBytes else {
            throw TorchError("cannot allocate a tensor of \(byteCount) bytes: the limit is \(Storage.maxBytes) bytes")
        }
        let account = ThreadState.withCurrent { $0.memoryAccount }
        try account?.reserve(byteCount)
        var raw: UnsafeMutableRawPointer?
        // Small buffers come from malloc (16-byte aligned, and much cheaper than
        // posix_memalign); large ones are aligned for vector loads.
        if byteCount <= Storage.smallBytes {
            raw = malloc(max(byteCount, 16))
        } else if let cached = BufferCache.take(byteCount) {
            raw = cached
        } else if posix_memalign(&raw, 64, byteCount) != 0 {
            raw = nil
        }
        guard let raw else {
            account?.release(byteCount)
            throw TorchError("DefaultCPUAllocator: not enough memory: you tried to allocate \(byteCount) bytes.")
        }
        bytes = raw
        self.byteCount = byteCount
        self.account = account
        Storage.live.add(1)
        Storage.liveBytes.add(byteCount)
    }

    deinit {
        if byteCount >= BufferCache.minimumBytes { BufferCache.put(bytes, byteCount) } else { free(bytes) }
        account?.release(byteCount)
        Storage.live.subtract(1)
        Storage.liveBytes.subtract(byteCount)
    }

    /// Marks an in-place write.
    @inline(__always) func bumpVersion() { version &+= 1 }

    // MARK: - Accounting

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
