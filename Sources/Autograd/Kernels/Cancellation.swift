/// Lets a script host stop long kernels: its deadline, or cancellation from another thread.
///
/// A host sets `ThreadState.isCancelled` while its script runs. Kernels whose loops can run
/// long check it between chunks of work and return early when it says so; what they leave in
/// their output does not matter, because the host raises its stop as soon as the kernel
/// returns and the script never sees the result (tensors written in place may keep a partial
/// update). Outside a host the check is a call to a closure that returns false.
public enum Cancellation {
    /// Elements per chunk between two checks: tens of microseconds of work, so a check costs
    /// nothing measurable and a stop is noticed within a millisecond.
    public static let chunk = 1 << 16

    /// Whether the current thread's host asks its work to stop.
    @inline(__always)
    public static var isRequested: Bool { ThreadState.current.isCancelled() }

    /// The calling thread's stop check, to use inside `Parallel` workers: they run on other
    /// threads, whose own `ThreadState` belongs to no host. Take it before splitting the work.
    @inline(__always)
    public static func probe() -> @Sendable () -> Bool { ThreadState.current.isCancelled }

    /// Calls `body` with consecutive ranges covering `0..<count`, checking for a stop between
    /// ranges. Returns false when it stopped early.
    /// `isCancelled` is the check to use (`probe()` of the thread that started the work).
    @inline(__always) @discardableResult
    public static func forEachChunk(
        _ count: Int, isCancelled: (@Sendable () -> Bool)? = nil, _ body: (Range<Int>) -> Void
    ) -> Bool {
        guard count > chunk else {
            if count > 0 { body(0..<count) }
            return true
        }
        let stop = isCancelled ?? probe()
        var start = 0
        while start < count {
            let end = count - start > chunk ? start + chunk : count
            body(start..<end)
            start = end
            if start < count && stop() { return false }
        }
        return true
    }
}
