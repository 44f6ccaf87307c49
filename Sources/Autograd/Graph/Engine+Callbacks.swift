/// Final callbacks: work queued during a backward pass to run once the whole pass has finished
/// (PyTorch's `Variable._execution_engine.queue_callback`).
///
/// DistributedDataParallel needs it: its gradient hooks start bucket all-reduces while the pass
/// runs, and a final callback waits for them and writes the averaged gradients before
/// `backward()` returns.
extension Engine {
    /// Queues `body` to run after the backward pass now running on this thread; callbacks run
    /// in the order queued, and may queue more.
    public static func queueCallback(_ body: @escaping () throws -> Void) throws {
        let state = ThreadState.current
        guard state.backwardDepth > 0 else {
            throw TorchError("Final callbacks can only be installed during backward pass.")
        }
        state.finalCallbacks.append(body)
    }

    /// Runs one pass (`body`), then the callbacks it queued. A nested pass (backward called
    /// from a hook) keeps its own queue.
    static func withFinalCallbacks<R>(_ body: () throws -> R) throws -> R {
        let state = ThreadState.current
        let outer = state.finalCallbacks
        state.finalCallbacks = []
        state.backwardDepth += 1
        defer {
            state.backwardDepth -= 1
            state.finalCallbacks = outer
        }
        let result = try body()
        var next = 0
        while next < state.finalCallbacks.count {
            let callback = state.finalCallbacks[next]
            next += 1
            try callback()
        }
        return result
    }
}
