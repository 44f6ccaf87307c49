#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// How many objects of one kind are alive in the process (tensors, storages and their bytes,
/// graph nodes): for leak tests, and for the Lua collector's pacing.
///
/// Each thread counts in slots of its own that only it writes, with a plain load and store: a
/// shared atomic counter's read-modify-write on every object made and freed cost 2–5% of a
/// small op. `load` adds up every thread's slot. An object freed on another thread than the
/// one that made it leaves +1 in one slot and −1 in the other, which sum to zero.
public final class LiveCount: Sendable {
    private let kind: LiveSlots.Kind

    init(_ kind: LiveSlots.Kind) { self.kind = kind }

    /// Counts `n` more on the calling thread.
    @inline(__always)
    public func add(_ n: Int, ordering: AtomicUpdateOrdering = .relaxed) {
        LiveSlots.current.bump(kind, by: n)
    }

    /// Counts `n` fewer on the calling thread.
    @inline(__always)
    public func subtract(_ n: Int, ordering: AtomicUpdateOrdering = .relaxed) {
        LiveSlots.current.bump(kind, by: 0 &- n)
    }

    /// The count over all threads.
    public func load(ordering: AtomicLoadOrdering = .relaxed) -> Int {
        LiveSlots.registry.withLock { all in
            all.reduce(LiveSlots.retired.value(kind)) { $0 &+ $1.value(kind) }
        }
    }
}

/// One thread's counts, registered while the thread runs; when it ends they are folded into
/// `retired`, so they still add up and the registry holds only live threads.
final class LiveSlots: Sendable {
    enum Kind: CaseIterable { case tensors, storages, bytes, nodes }

    private let tensors = Atomic<Int>(0)
    private let storages = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let nodes = Atomic<Int>(0)

    /// Adds `n` to this thread's count: only the owning thread writes, so a relaxed load and
    /// store (plain moves) cannot lose an update.
    @inline(__always)
    func bump(_ kind: Kind, by n: Int) {
        switch kind {
        case .tensors: tensors.store(tensors.load(ordering: .relaxed) &+ n, ordering: .relaxed)
        case .storages: storages.store(storages.load(ordering: .relaxed) &+ n, ordering: .relaxed)
        case .bytes: bytes.store(bytes.load(ordering: .relaxed) &+ n, ordering: .relaxed)
        case .nodes: nodes.store(nodes.load(ordering: .relaxed) &+ n, ordering: .relaxed)
        }
    }

    func value(_ kind: Kind) -> Int {
        switch kind {
        case .tensors: tensors.load(ordering: .relaxed)
        case .storages: storages.load(ordering: .relaxed)
        case .bytes: bytes.load(ordering: .relaxed)
        case .nodes: nodes.load(ordering: .relaxed)
        }
    }

    /// The slots of the threads that have counted and not ended.
    static let registry = Mutex<[LiveSlots]>([])
    /// The counts of ended threads (written only under the registry's lock).
    static let retired = LiveSlots()

    /// Moves an ending thread's counts into `retired`.
    private static func retire(_ slots: LiveSlots) {
        registry.withLock { all in
            all.removeAll { $0 === slots }
            for kind in Kind.allCases { retired.bump(kind, by: slots.value(kind)) }
        }
    }

    /// The calling thread's slots, made and registered on first use.
    static var current: LiveSlots {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<LiveSlots>.fromOpaque(raw).takeUnretainedValue()
        }
        let slots = LiveSlots()
        registry.withLock { $0.append(slots) }
        pthread_setspecific(key, Unmanaged.passRetained(slots).toOpaque())
        return slots
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // A thread that frees objects in later destructors gets fresh slots, retired in turn.
        pthread_key_create(&key) { raw in
            if let raw { retire(Unmanaged<LiveSlots>.fromOpaque(raw).takeRetainedValue()) }
        }
        return key
    }()
}
