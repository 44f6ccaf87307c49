import Autograd
import CLua
import CLuaShim

// MARK: - The limits block, seen from Swift

/// Owns one host's `lg_Limits` block and is the host's tensor `MemoryAccount`.
///
/// The block outlives the host when it must: every tensor storage charged to it holds this
/// object, so storages freed after the host closed (or on other threads) still return their
/// bytes to a live block. Thread safety: the C side keeps every field that other threads touch
/// (the stop reason, the tensor bytes) in C11 atomics; everything else is used on the host's
/// thread only.
final class HostLimits: MemoryAccount, @unchecked Sendable {
    /// The C block (`lg_Limits *`).
    let block: OpaquePointer
    /// The host's main Lua thread while it is open: the tensor account runs the collector
    /// there before refusing an allocation. Only touched on the host's thread.
    var collectorState: OpaquePointer?

    init() throws {
        guard let block = lg_limits_create() else {
            throw ScriptError(kind: .memory, message: "cannot create a Lua state: not enough memory")
        }
        self.block = block
    }

    deinit {
        lg_limits_destroy(block)
    }

    /// The cap on Lua heap plus tensor bytes (nil: none).
    var memoryLimit: Int? {
        get {
            let bytes = lg_limits_memory_limit(block)
            return bytes == 0 ? nil : Int(clamping: bytes)
        }
        set { lg_limits_set_memory_limit(block, newValue.map { max(1, $0) } ?? 0) }
    }

    /// Why the running script must stop, if it must.
    var stopReason: StopReason? { StopReason(rawValue: lg_limits_stop_reason(block)) }

    /// Records `reason` unless another is recorded already (from any thread).
    func requestStop(_ reason: StopReason) {
        lg_limits_request_stop(block, reason.rawValue)
    }

    func clearStop() {
        lg_limits_clear_stop(block)
    }

    // MARK: - MemoryAccount

    /// Charges a tensor allocation. Over the limit, garbage tensors are collected first (the
    /// allocation may be garbage's fault); if it still does not fit, the script is stopped
    /// (`pcall` cannot catch that) and the allocation throws.
    func reserve(_ bytes: Int) throws {
        let size = Self.charge(bytes)
        if lg_limits_charge_tensor(block, size) != 0 { return }
        if let L = collectorState {
            lg_gc_collect(L)
            if lg_limits_charge_tensor(block, size) != 0 { return }
        }
        requestStop(.memory)
        let limit = memoryLimit ?? 0
        throw TorchError(
            "not enough memory: allocating \(ByteCount.format(size)) for a tensor would exceed the memory limit of \(ByteCount.format(limit))")
    }

    func release(_ bytes: Int) {
        lg_limits_release_tensor(block, Self.charge(bytes))
    }

    /// What a storage of `bytes` costs: its bytes and the Swift objects around it (a storage,
    /// a tensor, the allocator's rounding), so that millions of tiny tensors are not free.
    private static func charge(_ bytes: Int) -> Int {
        bytes < 0 ? storageOverhead : bytes &+ storageOverhead
    }

    static let storageOverhead = 256

    // MARK: - Kernels

    /// Whether long kernels must stop now (cancellation or a passed deadline).
    @Sendable func shouldStop() -> Bool {
        lg_limits_poll(block) != 0
    }
}

/// Why a script was stopped (the C side's `LG_STOP_*`).
enum StopReason: Int32 {
    case memory = 1
    case instructions = 2
    case timeout = 3
    case cancelled = 4
}

// MARK: - Cancellation

/// Stops a host's script from another thread.
///
/// Get it from `ScriptHost.canceller` on the host's thread, hand it to any other thread (it is
/// `Sendable`) and call `cancel()` there. The script in progress stops with a
/// `ScriptError` of kind `.cancelled` at its next instruction, at the return of the Swift
/// function it is in, or inside a long kernel between two chunks of work; `pcall` in the
/// script cannot catch it. If no call is in progress, the next call stops at once. Once the
/// error has been reported the request is cleared and the host can be used again.
public final class ScriptCanceller: Sendable {
    private let limits: HostLimits

    init(limits: HostLimits) {
        self.limits = limits
    }

    /// Asks the host's script to stop. Safe from any thread, any number of times.
    public func cancel() {
        limits.requestStop(.cancelled)
    }

    /// Whether a cancellation is pending (asked and not yet reported).
    public var isCancelled: Bool { limits.stopReason == .cancelled }
}

// MARK: - Memory in use

/// What a host's memory limit counts.
public struct MemoryUsage: Sendable, Equatable {
    /// Bytes of the Lua heap (tables, strings, closures, userdata headers).
    public var luaBytes: Int
    /// Bytes of tensor storage allocated by this host's scripts and still alive anywhere.
    /// Counted only while a memory limit is set.
    public var tensorBytes: Int
    /// The sum the memory limit applies to.
    public var totalBytes: Int { luaBytes + tensorBytes }
}

// MARK: - Sizes in messages

/// Byte counts as people write them: "512 MB", "100 KB", "1.5 GB" (powers of 1024).
enum ByteCount {
    static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(units[unit])"
    }
}
