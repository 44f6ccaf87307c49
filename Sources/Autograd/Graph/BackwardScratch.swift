/// The lists of a backward pass, kept by each thread between passes.
///
/// A short pass (`loss:backward()` over a handful of nodes) spent much of its bookkeeping
/// allocating, growing and freeing its arrays; a pass now uses the thread's scratch emptied,
/// with the capacity the previous pass left, and hands it back when it ends. A pass started
/// while another runs on the thread (`backward` from a hook) finds none and makes its own.
///
/// The pass works in the lists here, in place: they own their memory, and this object frees
/// it when it goes (also when a pass ends by an error and never hands the scratch back).
final class BackwardScratch {
    /// The nodes of the pass, unretained (see `BackwardPass`), by number.
    var nodes = PlainList<Unmanaged<Node>>(capacity: 16)
    /// The number of each root's node (-1 for a root edge with no node).
    var rootNumbers = PlainList<Int>(capacity: 4)
    /// The numbers of the nodes in the order they became ready: the queue of the run.
    var order = PlainList<Int>(capacity: 16)
    /// Per node, the edges into it whose node has not run yet (see `BackwardPass`).
    var feeds = PlainList<Int>(capacity: 16)
    /// The gradients collected for each node's outputs.
    var buffers: [OutputGrads] = []

    /// Passes over more nodes than this return their lists to the allocator: a graph of
    /// 40 000 nodes should not keep megabytes per thread for the small passes that follow.
    static let keptNodes = 1 << 12

    deinit {
        nodes.deallocate()
        rootNumbers.deallocate()
        order.deallocate()
        feeds.deallocate()
    }

    /// The thread's scratch, taken out of its slot (nil while another pass holds it).
    static func take() -> BackwardScratch? {
        ThreadState.withCurrent { state in state.backwardScratch.take() }
    }

    /// Empties the lists (the gradient buffers are empty already), keeping their memory, and
    /// puts them back in the thread's slot unless another pass filled it meanwhile or they
    /// grew past `keptNodes`.
    func recycle() {
        guard nodes.capacity <= BackwardScratch.keptNodes else { return }
        nodes.removeAll()
        rootNumbers.removeAll()
        order.removeAll()
        feeds.removeAll()
        // `buffers` keeps its length: a pass that ends has moved every node's gradients out,
        // so each is an empty `OutputGrads` the next pass can use as it is.
        assert(buffers.allSatisfy(\.isEmpty), "a finished pass left a gradient in its buffers")
        ThreadState.withCurrent { state in
            if state.backwardScratch == nil { state.backwardScratch = self }
        }
    }
}

/// A growable list of plain values (nothing to retain or release) in memory it manages
/// itself, for the backward pass's bookkeeping.
///
/// An array checked its buffer's uniqueness (a runtime call) on every append and every write,
/// several per node, and emptying one while keeping its capacity took a call per element
/// (`removeAll(keepingCapacity:)` was dearer still); here an append is a compare and a store,
/// and emptying is one store. Its owner frees the memory, once (`BackwardScratch.deinit`),
/// and never hands the list out by value: a copy would share it.
struct PlainList<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    /// Element `i`, which must be below `count`.
    @inline(__always)
    subscript(i: Int) -> Element {
        get {
            assert(i >= 0 && i < count, "list index out of range")
            return base[i]
        }
        nonmutating set {
            assert(i >= 0 && i < count, "list index out of range")
            base[i] = newValue
        }
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count &+= 1
    }

    /// Room for at least `minimum` elements.
    mutating func reserveCapacity(_ minimum: Int) {
        while capacity < minimum { grow() }
    }

    /// Forgets every element, keeping the memory.
    mutating func removeAll() { count = 0 }

    /// The elements, as an array (for the rare phases that want one).
    var array: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Frees the memory; the list must not be used after.
    func deallocate() { base.deallocate() }

    /// Doubles the capacity, moving the elements.
    @inline(never)
    private mutating func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }
}
