import CThreadSlots

/// How many objects of one kind are alive in the process (tensors, storages and their bytes,
/// graph nodes): for leak tests, and for the Lua collector's pacing.
///
/// Each thread counts in a thread-local slot of its own that only it writes, with a plain load
/// and store (CThreadSlots): a shared atomic counter's read-modify-write on every object made
/// and freed cost 2–5% of a small op. `load` adds up every thread's slot. An object freed on
/// another thread than the one that made it leaves +1 in one slot and −1 in the other, which
/// sum to zero.
public struct LiveCount: Sendable {
    /// The kinds counted (indices of the C slots).
    enum Kind: Int32 { case tensors, storages, bytes, nodes }

    private let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// Counts `n` more on the calling thread.
    @inline(__always)
    public func add(_ n: Int) { ag_live_add(kind.rawValue, n) }

    /// Counts `n` fewer on the calling thread.
    @inline(__always)
    public func subtract(_ n: Int) { ag_live_add(kind.rawValue, 0 &- n) }

    /// The count over all threads (ended ones included).
    public func load() -> Int { ag_live_total(kind.rawValue) }
}
