import Autograd

/// A tensor on its way to another thread: how hosts on different threads pass tensors to each
/// other through Swift.
///
/// Hosts on one thread can share a tensor directly (`getGlobal` from one, `setGlobal` on the
/// other: no copy). Across threads a tensor must not be shared: its graph may hold callbacks
/// into the script that made it, and both sides could write its memory at once. A handoff holds
/// a private copy made on the sending thread (no graph, no hooks, no views), which only the
/// receiver uses, so it can cross threads.
///
/// ```swift
/// let handoff = try TensorHandoff(copying: weights)   // on the producer's thread
/// queue.send(handoff)                                  // any Sendable channel
/// try consumer.setGlobal("w", .tensor(handoff.tensor)) // on the consumer's thread
/// ```
public struct TensorHandoff: @unchecked Sendable {
    // @unchecked: `tensor` is a fresh copy that nothing else references, and the receiver
    // is the only one to use it after the handoff.
    private let copy: Tensor

    /// Copies `tensor`'s values (shape and dtype kept; `requires_grad` off).
    public init(copying tensor: Tensor) throws {
        copy = try withNoGrad { try tensor.detach().clone(contiguous: true) }
    }

    /// The copy, for the receiving side (which then owns it).
    public var tensor: Tensor { copy }
}
