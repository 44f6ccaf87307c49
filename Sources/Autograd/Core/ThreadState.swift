#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CThreadSlots

/// Per-thread engine state: grad mode, the random generator and the caller's conventions.
///
/// PyTorch keeps grad mode thread-local; so do we, which also lets many script hosts run on
/// many threads without sharing mutable state.
public final class ThreadState {
    /// Whether operations record the graph (`torch.is_grad_enabled()`).
    public var gradEnabled = true
    /// Whether `inference_mode` is active.
    public var inferenceMode = false
    /// Whether backward checks every gradient for NaN/Inf (`set_detect_anomaly`).
    public var detectAnomaly = false
    /// Describes where the script is now (its traceback), for anomaly reports; set by a host.
    public var scriptTraceback: (() -> String)?
    /// Scratch space of `Node.releaseLast`, kept so that freeing a graph allocates nothing.
    var teardownStack: [Node] = []
    /// The arrays of the last backward pass, for the next one (`BackwardScratch`).
    var backwardScratch: BackwardScratch?
    /// Small storages freed on this thread, waiting to be made again.
    var storagePool = StoragePool()
    /// Recently wrapped numbers (`x * 0.999` in a loop wraps 0.999 once).
    var wrappedNumbers = WrappedNumberCache()
    /// The forward-mode dual level (0: outside any `dual_level`).
    public internal(set) var dualLevel = 0
    /// Tensors given tangents in the current dual level.
    var dualTensors: [WeakTensor] = []
    /// 0 when positions in messages are Swift's (0-based), 1 when they are Lua's.
    public var indexBase = 0
    /// The default generator of this thread (`torch.manual_seed` reseeds it).
    public lazy var generator = Generator()
    /// Where tensor storage allocated on this thread is charged (a script host's memory limit),
    /// if anywhere. Each storage remembers its account and returns its bytes there when freed,
    /// on whichever thread that happens.
    public var memoryAccount: (any MemoryAccount)?
    /// Set by a host to stop long kernels (its deadline, or cancellation from another thread);
    /// kernels check it between chunks of work and stop early when it says so.
    public var isCancelled: @Sendable () -> Bool = { false }
    /// Callbacks queued during the backward pass running on this thread (Engine+Callbacks.swift),
    /// and how many passes are running (nested ones included).
    var finalCallbacks: [() throws -> Void] = []
    var backwardDepth = 0
    /// Counts warnings already shown, so each is shown once (as PyTorch's `TORCH_WARN_ONCE`).
    public var warnedOnce: Set<String> = []
    /// Where warnings go; stderr by default.
    public var warningHandler: (String) -> Void = { message in
        let line = "UserWarning: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    init() {}

    deinit {
        // The cached numbers first: their storages may go to the pool, which is drained last.
        wrappedNumbers.drain()
        storagePool.drain()
    }

    /// The calling thread's state, created on first use.
    ///
    /// Read from a C thread-local slot (one load, several times per op); the pthread key only
    /// owns the reference, so that the state is released when its thread ends.
    public static var current: ThreadState {
        if let raw = ag_thread_state() {
            return Unmanaged<ThreadState>.fromOpaque(raw).takeUnretainedValue()
        }
        let state = ThreadState()
        let raw = Unmanaged.passRetained(state).toOpaque()
        pthread_setspecific(key, raw)
        ag_set_thread_state(raw)
        return state
    }

    /// Runs `body` on the calling thread's state without retaining it (the thread's key holds
    /// it while the thread runs): for the per-op path, where `current` paid a retain and a
    /// release per read.
    @inline(__always)
    public static func withCurrent<R>(_ body: (ThreadState) throws -> R) rethrows -> R {
        guard let raw = ag_thread_state() else { return try body(current) }
        return try Unmanaged<ThreadState>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// Runs `body` on the calling thread's state if it has one (nothing is created for a
    /// thread that only frees tensors).
    @inline(__always)
    static func withExisting(_ body: (ThreadState) -> Void) {
        guard let raw = ag_thread_state() else { return }
        Unmanaged<ThreadState>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// Emits `message` once per thread.
    func warnOnce(_ message: String) {
        if warnedOnce.insert(message).inserted { warningHandler(message) }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            ag_set_thread_state(nil)
            if let raw { Unmanaged<ThreadState>.fromOpaque(raw).release() }
        }
        return key
    }()
}

// MARK: - Grad modes

/// Runs `body` with grad mode set to `enabled`, restoring the previous mode afterwards.
public func withGradMode<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
    let state = ThreadState.current
    let saved = state.gradEnabled
    state.gradEnabled = enabled
    defer { state.gradEnabled = saved }
    return try body()
}

/// Runs `body` without recording the graph (`torch.no_grad()`).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try withGradMode(false, body)
}
