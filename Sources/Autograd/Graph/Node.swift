import Synchronization

/// Where a gradient goes: input `inputNr` of `node`, with the shape and dtype it must have.
public struct Edge {
    /// The node that receives the gradient (nil when that input does not require grad).
    /// (Settable only so that the iterative teardown can move it out, see `Edges.moveNodes`.)
    public fileprivate(set) var node: Node?
    /// The input's shape: gradients that broadcast to it are sum-reduced to it by the engine.
    let shape: [Int]
    // Packed with the dtype into one word: two edges live in every node of the graph.
    private let output: Int32
    let dtype: DType

    /// Which output of `node` the tensor was.
    public var inputNr: Int { Int(output) }

    init(node: Node?, inputNr: Int, shape: [Int], dtype: DType) {
        self.node = node
        self.shape = shape
        self.output = Int32(truncatingIfNeeded: inputNr)
        self.dtype = dtype
    }
}

/// A node's edges, the first two held inline: most ops have one or two inputs, and an array
/// per recorded op was a heap allocation (and a capacity query) on the per-op path.
public struct Edges: RandomAccessCollection {
    private var first: Edge?
    private var second: Edge?
    private var rest: [Edge] = []
    public private(set) var count = 0

    /// No edges.
    public init() {}

    /// The edges of `inputs`, in order.
    init(_ inputs: some Sequence<Edge>) {
        for edge in inputs { append(edge) }
    }

    mutating func append(_ edge: Edge) {
        switch count {
        case 0: first = edge
        case 1: second = edge
        default: rest.append(edge)
        }
        count += 1
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> Edge {
        precondition(i >= 0 && i < count, "edge index out of range")
        switch i {
        case 0: return first.unsafelyUnwrapped
        case 1: return second.unsafelyUnwrapped
        default: return rest[i - 2]
        }
    }

    /// Moves every edge's node into `stack`, leaving the edges pointing nowhere (the iterative
    /// teardown of a dying node): moved rather than copied, each node goes to the stack with
    /// the edge's own reference, where a copy retained it and dropping the edges released it.
    mutating func moveNodes(into stack: inout [Node]) {
        // `consume`: appending the bound node as it was retained it for the stack and released
        // the binding after, a pair per edge of every node torn down.
        if count > 0, let node = first?.node.take() { stack.append(consume node) }
        if count > 1, let node = second?.node.take() { stack.append(consume node) }
        for i in rest.indices { if let node = rest[i].node.take() { stack.append(consume node) } }
    }

    /// One more than the deepest node the edges lead to, 0 without any (`Node.depth`).
    @inline(__always)
    func depthAbove() -> Int {
        var deepest = -1
        for i in 0..<count {
            if let node = unmanagedNode(i) { deepest = Swift.max(deepest, node._withUnsafeGuaranteedRef(\.depth)) }
        }
        return deepest &+ 1
    }

    /// Whether every edge leads nowhere or to a leaf's accumulator (read in place).
    func leadOnlyToLeaves() -> Bool {
        for i in 0..<count {
            guard let node = node(i) else { continue }
            if !(node is AccumulateGrad) { return false }
        }
        return true
    }

    /// What the engine needs of edge `i` to pass it a gradient of shape `shape`: the output
    /// of its node it enters, the dtype it must have, and whether `shape` is already its
    /// input's shape. Read in place, where `self[i]` copied the edge (a retain and release
    /// of its node and shape).
    ///
    /// Not inlined: inlined into the engine's loop, the optional edge's borrow tripped the
    /// compiler's ownership verifier (Swift 6.3.1, CopyPropagation).
    @inline(never)
    func route(_ i: Int, forShape shape: [Int]) -> (inputNr: Int, dtype: DType, sameShape: Bool) {
        precondition(i >= 0 && i < count, "edge index out of range")
        switch i {
        case 0: return route(first.unsafelyUnwrapped, shape)
        case 1: return route(second.unsafelyUnwrapped, shape)
        default: return route(rest[i - 2], shape)
        }
    }

    @inline(__always)
    private func route(_ edge: borrowing Edge, _ shape: [Int]) -> (inputNr: Int, dtype: DType, sameShape: Bool) {
        (edge.inputNr, edge.dtype, edge.shape == shape)
    }

    /// The node edge `i` leads to, unretained: for the engine's pass, whose roots keep every
    /// node it reaches alive (see `BackwardPass.nodes`).
    @inline(__always)
    func unmanagedNode(_ i: Int) -> Unmanaged<Node>? {
        precondition(i >= 0 && i < count, "edge index out of range")
        switch i {
        case 0: return first?.node.map { Unmanaged.passUnretained($0) }
        case 1: return second?.node.map { Unmanaged.passUnretained($0) }
        default: return rest[i - 2].node.map { Unmanaged.passUnretained($0) }
        }
    }

    /// The node edge `i` leads to: the engine's walks read only that, and a whole `Edge`
    /// retained (and released) its shape array too.
    @inline(__always)
    func node(_ i: Int) -> Node? {
        precondition(i >= 0 && i < count, "edge index out of range")
        // Through optional chaining, which reads the one field: `unsafelyUnwrapped` copied the
        // whole edge first (its node and shape retained, then released).
        switch i {
        case 0: return first?.node
        case 1: return second?.node
        default: return rest[i - 2].node
        }
    }
}

/// The gradients collected for one node's outputs during a backward pass (nil for an output
/// that got none): output 0 inline, since most nodes have one output and an array per node
/// was a heap allocation per node per pass.
public struct OutputGrads {
    private var first: Tensor?
    /// Outputs past the first; nil rather than empty, so that an empty buffer holds no
    /// reference at all (the engine makes one per node per pass).
    private var rest: [Tensor?]?

    /// No gradient for any output yet.
    init() {}

    /// How many outputs have a place (at least one).
    public var count: Int { 1 + (rest?.count ?? 0) }

    public var indices: Range<Int> { 0..<count }

    /// The gradient of output `i`, or nil (also past the end).
    public subscript(i: Int) -> Tensor? {
        get {
            if i == 0 { return first }
            guard let rest, i - 1 < rest.count else { return nil }
            return rest[i - 1]
        }
        set {
            if i == 0 { first = newValue; return }
            var more = rest.take() ?? []
            if more.count < i { more.append(contentsOf: repeatElement(nil, count: i - more.count)) }
            more[i - 1] = newValue
            rest = more
        }
    }

    /// Moves the gradient of output `i` out, leaving nil.
    mutating func take(_ i: Int) -> Tensor? {
        if i == 0 { return first.take() }
        guard var more = rest.take() else { return nil }
        defer { rest = more }
        return i - 1 < more.count ? more[i - 1].take() : nil
    }

    /// Whether any output got a gradient.
    var isEmpty: Bool { first == nil && !(rest?.contains { $0 != nil } ?? false) }
}

/// A step of the recorded graph: turns gradients of its outputs into gradients of its inputs.
///
/// Nodes hold data (saved tensors, arguments, edges), never closures that capture their own
/// outputs: under ARC such closures would form cycles nothing collects.
public class Node {
    /// One edge per differentiable input, in input order.
    public internal(set) final var edges: Edges
    /// PyTorch's class name of this node (`MulBackward0`).
    public var name: String { "Node" }
    /// The name PyTorch's `grad_fn.name()` and its messages use: C++ nodes that are not
    /// generated from derivatives.yaml carry their namespace (`torch::autograd::CopySlices`).
    public var qualifiedName: String {
        switch name {
        case "CopySlices", "CopyBackwards", "AccumulateGrad": "torch::autograd::" + name
        default: name
        }
    }
    /// How many outputs the forward op produced.
    var outputCount: Int { 1 }
    /// Non-leaf tensors made by this node that keep their `.grad`, by output number.
    final var retainedGrads: [(output: Int, tensor: WeakTensor)] {
        get { extras?.retainedGrads ?? [] }
        set { extrasForWriting.retainedGrads = newValue }
    }
    /// Where the forward call that recorded this node was made (anomaly mode only).
    final var forwardTrace: String? {
        get { extras?.forwardTrace }
        set { extrasForWriting.forwardTrace = newValue }
    }
    /// Hooks on the gradients of this node's outputs (`register_hook` on a non-leaf).
    final var hooks: [(output: Int, hook: GradHook)] {
        get { extras?.hooks ?? [] }
        set { extrasForWriting.hooks = newValue }
    }
    /// Whether hooks or retained grads may be set (the engine asks per node: reading the
    /// arrays themselves retained and released them).
    final var hasHooksOrRetainedGrads: Bool {
        guard let extras else { return false }
        return !extras.hooks.isEmpty || !extras.retainedGrads.isEmpty
    }
    /// What few nodes carry (hooks, retained grads, an anomaly trace), kept apart so that a
    /// node of the per-op graph stays small: the scalar chain holds 40 000 of them.
    private final var extras: NodeExtras?
    private final var extrasForWriting: NodeExtras {
        if let extras { return extras }
        let made = NodeExtras()
        extras = made
        return made
    }

    /// The backward pass that last numbered this node, and its number there (the engine's
    /// scratch space: a dictionary lookup per node cost more than many small ops).
    final var pass = 0
    final var passIndex = 0
    /// How many edges (roots included) lead to this node in that pass: a leaf fed by one
    /// edge alone may have its gradient written straight into its `.grad`.
    final var passFeeds = 0

    /// More than the depth of every node the edges lead to, leaves' accumulators aside (0
    /// without any): every node that consumes a tensor is deeper than the node that made it,
    /// which bounds the walk of `Tensor.historyReplaced(from:)`. (PyTorch numbers nodes in
    /// creation order instead.)
    final var depth = 0

    /// Nodes alive in the process (for leak tests).
    public static let live = LiveCount(.nodes)

    init(edges: Edges) {
        // Read from the argument: `self.edges.depthAbove()` copied the stored edges first.
        depth = edges.depthAbove()
        self.edges = edges
        Node.live.add(1)
    }

    deinit { Node.live.subtract(1) }

    /// Computes input gradients from output gradients (`grads[i]` is nil when output i got none).
    ///
    /// `grads` is the engine's buffer, handed over: a node may move gradients out of it
    /// (`OpNode` does, so that a gradient nothing else holds can be written in place).
    func apply(_ grads: inout OutputGrads, context: BackwardRun) throws -> InputGrads {
        fatalError("subclasses implement apply")
    }

    /// Drops saved tensors after a backward pass that did not retain the graph.
    func releaseSaved() {}

    /// Moves out every node this one holds strongly, for the iterative teardown.
    func takeStrongReferences(into stack: inout [Node]) {
        // Moved out in place: swapping the edges out copied them through a generic swap, and
        // reading each node then dropping the edges retained and released every node.
        edges.moveNodes(into: &stack)
    }

    /// Whether every node this one holds is a leaf's accumulator (which holds no node), and
    /// nothing else it carries (hooks) may hold a graph: dropping it then frees no chain.
    ///
    /// Subclasses that keep more references (saved tensors, user closures) refine it.
    func leadsOnlyToLeaves() -> Bool {
        guard extras == nil else { return false }
        return edges.leadOnlyToLeaves()
    }

    // MARK: - Iterative teardown

    /// Releases `node`, whose last reference the caller hands over, and whatever chain only it
    /// kept alive, without recursion.
    public static func releaseLast(_ node: consuming Node) {
        // The result of an op on leaves (`w * x`, dropped each step) has a node that leads
        // only to their accumulators: its own deinit frees it without recursing, and the
        // stack (taken from the thread and handed back) is not needed.
        if node.leadsOnlyToLeaves() { return }
        // A stack per thread, kept between calls: a fresh array per dying node was an
        // allocation on the per-op path (every result that dies with its node comes here).
        var stack = ThreadState.withCurrent { state in
            var taken: [Node] = []
            swap(&taken, &state.teardownStack)
            return taken
        }
        stack.append(node)
        release(&stack)
        ThreadState.withCurrent { state in swap(&stack, &state.teardownStack) }
    }

    /// Releases the nodes in `stack`, freeing whatever chains only they kept alive, without
    /// recursion. The caller must hold no other reference to them.
    public static func release(_ stack: inout [Node]) {
        while var current = stack.popLast() {
            // Only a node nobody else holds is about to die: take its references first so its
            // own deinit does not recurse into them.
            if isKnownUniquelyReferenced(&current) {
                current.takeStrongReferences(into: &stack)
            }
        }
    }
}

/// The rarely used parts of a node.
final class NodeExtras {
    var retainedGrads: [(output: Int, tensor: WeakTensor)] = []
    var forwardTrace: String?
    var hooks: [(output: Int, hook: GradHook)] = []
}

/// A weak reference to a tensor, so nodes can point at their outputs without cycles.
struct WeakTensor {
    weak var tensor: Tensor?
}

// MARK: - Leaves

/// The node that adds incoming gradients into a leaf's `.grad`.
///
/// It does not keep its leaf alive: `x.grad` made with `create_graph` points back into the
/// graph, and a strong reference here would close a cycle `x → x.grad → … → AccumulateGrad → x`.
public final class AccumulateGrad: Node {
    /// The leaf, nil once it is gone: the leaf's deinit clears it (a leaf has one accumulator,
    /// made once, see `gradAccumulator`), so it never refers to a freed tensor.
    ///
    /// Unowned rather than weak: a weak reference gave every leaf a side table, which sent
    /// each retain and release of the leaf (a parameter, used by every step) down the slow path.
    /// A leaf and the graphs over it are used by one thread at a time (a script host's), so
    /// the leaf cannot die while a pass on another thread reads this.
    unowned var variable: Tensor?
    let shape: [Int]

    init(variable: Tensor) {
        self.variable = variable
        self.shape = variable.shape
        super.init(edges: Edges())
    }

    override public var name: String { "AccumulateGrad" }

    override func apply(_ grads: inout OutputGrads, context: BackwardRun) throws -> InputGrads {
        var incoming = grads.take(0)
        try accumulate(&incoming, context: context)
        return []
    }

    /// The leaf's `.grad`, when a formula of backward pass `pass` may add its gradient into
    /// it in place instead of handing the gradient over (`BackwardContext.leafGradDestination`).
    ///
    /// Only where this node would have done exactly that add: the formula's edge is the one
    /// edge of the pass leading here (a second gradient would be summed with it first), no
    /// hook may see or replace the gradient, and `.grad` is plain contiguous data of the
    /// leaf's shape and dtype that would have been updated in place (not recorded).
    func gradDestination(pass: Int) -> Tensor? {
        guard self.pass == pass, passFeeds == 1, !hasHooksOrRetainedGrads,
              let variable, !variable.hasLeafHooks, let grad = variable.gradStorage,
              !grad.requiresGrad, grad.gradFn == nil, grad.tangent == nil, !grad.isWrappedNumber,
              grad.isContiguous, grad.dtype == variable.dtype, grad.shape == variable.shape
        else { return nil }
        return grad
    }

    /// Accumulates a gradient the engine hands over: when nothing else holds it, the leaf
    /// adopts it as `.grad` instead of copying it (as PyTorch's AccumulateGrad steals it).
    func accumulate(_ incoming: inout Tensor?, context: BackwardRun) throws {
        // Moved out, never copied: a `let` bound to it lived to the end of this function
        // (lexical lifetimes), so the gradient was never uniquely referenced and every
        // first gradient was copied into `.grad` instead of adopted.
        guard let variable, var grad = incoming.take() else { return }
        if variable.hasLeafHooks { grad = try variable.runLeafHooks(grad) }
        try variable.accumulateGrad(adopting: &grad, createGraph: context.createGraph)
    }
}

extension Tensor {
    /// The edge gradients of this tensor flow into (PyTorch's `gradient_edge`).
    func gradientEdge() -> Edge? {
        guard requiresGrad else { return nil }
        if let gradFn { return Edge(node: gradFn, inputNr: outputNr, shape: shape, dtype: dtype) }
        return Edge(node: gradAccumulator(), inputNr: 0, shape: shape, dtype: dtype)
    }

    /// The edge of an op's input: where its gradient flows, or nowhere (a nil node) when it
    /// does not require grad.
    var edgeOrNone: Edge {
        gradientEdge() ?? Edge(node: nil, inputNr: 0, shape: shape, dtype: dtype)
    }

    /// `edgeOrNone`, with `deepest` raised to the depth of `gradFn` (read from the reference
    /// the edge keeps, not taken a second time).
    @inline(__always)
    func edgeOrNone(deepest: inout Int) -> Edge {
        if let gradFn {
            deepest = Swift.max(deepest, gradFn.depth)
            if requiresGrad { return Edge(node: gradFn, inputNr: outputNr, shape: shape, dtype: dtype) }
        } else if requiresGrad {
            return Edge(node: gradAccumulator(), inputNr: 0, shape: shape, dtype: dtype)
        }
        return Edge(node: nil, inputNr: 0, shape: shape, dtype: dtype)
    }

    /// The leaf's accumulator, created on first use and kept while the leaf lives.
    func gradAccumulator() -> AccumulateGrad {
        if let accumulator { return accumulator }
        let made = AccumulateGrad(variable: self)
        accumulator = made
        return made
    }

    /// Adds `incoming` into `.grad` (in place, unless building a graph of the gradient).
    func accumulateGrad(_ incoming: Tensor, createGraph: Bool) throws {
        var g = incoming
        try accumulateGrad(adopting: &g, createGraph: createGraph)
    }

    /// Adds `incoming` into `.grad`; a first gradient that nothing else references, and that
    /// owns all of its memory, becomes `.grad` itself rather than a copy of it.
    func accumulateGrad(adopting incoming: inout Tensor, createGraph: Bool) throws {
        if gradStorage == nil, !createGraph, incoming.isAdoptable(as: self),
           isKnownUniquelyReferenced(&incoming) {
            if incoming.viewBase != nil {
                // A view laid out as the leaf over all of its base's memory (`linear`'s weight
                // gradient: the transpose of a product computed transposed) stands for that
                // memory: seen without its base, it is adopted once nothing else holds it.
                incoming = Tensor(storage: incoming.storage, shape: incoming.shape, strides: incoming.strides,
                                  offset: 0, dtype: incoming.dtype)
            }
            if incoming.ownsStorageAlone() {
                gradStorage = incoming
                return
            }
        }
        let g = incoming.shape == shape ? incoming : try incoming.sumToShape(shape)
        if let existing = gradStorage {
            if createGraph || existing.requiresGrad {
                gradStorage = try existing.add(g)
            } else {
                try withNoGrad { try existing.addInPlaceUnchecked(g) }
            }
        } else {
            // The engine may hand over a broadcast view or a tensor shared with the graph;
            // `.grad` must own contiguous memory that later in-place updates can change.
            // With create_graph the copy is recorded, as PyTorch records it (CopyBackwards).
            if createGraph {
                gradStorage = try Ops.copyOp.apply(Tensor.empty(shape, dtype: dtype), g)
            } else if g.isBroadcastScalar, g.numel > 0, g.dtype == dtype, dtype.isFloatingPoint {
                // One value seen everywhere (the gradient of a `sum()`): a fill, where the
                // copy walked the broadcast view element by element. A float widens to Double
                // and back exactly.
                gradStorage = try Tensor.full(shape, g.element(0), dtype: dtype)
            } else {
                gradStorage = try withNoGrad { try g.contiguousClone(keepGraph: false) }
            }
        }
    }
}

extension Tensor {
    /// Whether this gradient could serve as `leaf`'s `.grad` as it is: plain data of the
    /// leaf's shape and dtype, laid out contiguously over all of its buffer (a view's base
    /// may hold that buffer too), outside any graph.
    fileprivate func isAdoptable(as leaf: Tensor) -> Bool {
        !requiresGrad && gradFn == nil && !isWrappedNumber && offset == 0
            && dtype == leaf.dtype && shape == leaf.shape && isContiguous
            && storage.byteCount == numel &* dtype.itemSize
    }
}
