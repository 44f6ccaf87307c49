/// The arrays of a backward pass, kept by each thread between passes.
///
/// A short pass (`loss:backward()` over a handful of nodes) spent much of its bookkeeping
/// allocating, growing and freeing its arrays; a pass now borrows them emptied, with the
/// capacity the previous pass left, and hands them back when it ends. A pass started while
/// another runs on the thread (`backward` from a hook) finds none and makes its own.
final class BackwardScratch {
    var nodes: [Unmanaged<Node>] = []
    var rootNumbers: [Int] = []
    var order: [Int] = []
    var feeds: [Int] = []
    var buffers: [OutputGrads] = []

    /// Passes over more nodes than this return their arrays to the allocator: a graph of
    /// 40 000 nodes should not keep megabytes per thread for the small passes that follow.
    static let keptNodes = 1 << 12

    /// The thread's scratch, taken out of its slot (nil while another pass holds it).
    static func take() -> BackwardScratch? {
        ThreadState.withCurrent { state in state.backwardScratch.take() }
    }

    /// Empties the arrays (the gradient buffers are empty already), keeping their capacity,
    /// and puts them back in the thread's slot unless another pass filled it meanwhile or
    /// they grew past `keptNodes`.
    func recycle() {
        guard nodes.capacity <= BackwardScratch.keptNodes else { return }
        nodes.empty()
        rootNumbers.empty()
        order.empty()
        feeds.empty()
        // `buffers` keeps its length: a pass that ends has moved every node's gradients out,
        // so each is an empty `OutputGrads` the next pass can use as it is.
        assert(buffers.allSatisfy(\.isEmpty), "a finished pass left a gradient in its buffers")
        ThreadState.withCurrent { state in
            if state.backwardScratch == nil { state.backwardScratch = self }
        }
    }
}

extension Array {
    /// Removes every element, keeping the buffer: `removeAll(keepingCapacity:)` runs a
    /// generic `replaceSubrange`, some 250 instructions per array, for the few elements of a
    /// short pass.
    fileprivate mutating func empty() {
        while !isEmpty { removeLast() }
    }
}
