import Synchronization

/// Where a gradient goes: input `inputNr` of `node`, with the shape and dtype it must have.
public struct Edge {
    /// The node that receives the gradient (nil when that input does not require grad).
    public let node: Node?
    /// Which output of `node` the tensor was.
    public let inputNr: Int
    /// The input's shape: gradients that broadcast to it are sum-reduced to it by the engine.
    let shape: [Int]
    let dtype: DType
}

/// A step of the recorded graph: turns gradients of its outputs into gradients of its inputs.
///
/// Nodes hold data (saved tensors, arguments, edges), never closures that capture their own
/// outputs: under ARC such closures would form cycles nothing collects.
public class Node {
    /// One edge per differentiable input, in input order.
    public internal(set) var edges: [Edge]
    /// PyTorch's class name of this node (`MulBackward0`).
    public var name: String { "Node" }
    /// The name PyTorch's `grad_fn.name()` and its messages use: C++ nodes that are not
    /// generated from derivatives.yaml carry their namespace (`torch::autograd::CopySlices`).
    public var qualifiedName: String {
        name == "CopySlices" || name == "AccumulateGrad" ? "torch::autograd::" + name : name
    }
    /// How many outputs the forward op produced.
    var outputCount: Int { 1 }
    /// Non-leaf tensors made by this node that keep their `.grad`, by output number.
    var retainedGrads: [(output: Int, tensor: WeakTensor)] = []
    /// Where the forward call that recorded this node was made (anomaly mode only).
    var forwardTrace: String?
    /// Hooks on the gradients of this node's outputs (`register_hook` on a non-leaf).
    var hooks: [(output: Int, hook: GradHook)] = []

    /// The backward pass that last numbered this node, and its number there (the engine's
    /// scratch space: a dictionary lookup per node cost more than many small ops).
    var pass = 0
    var passIndex = 0

    /// Nodes alive in the process (for leak tests).
    public static let live = LiveCount(.nodes)

    init(edges: [Edge]) {
        self.edges = edges
        Node.live.add(1, ordering: .relaxed)
    }

    deinit { Node.live.subtract(1, ordering: .relaxed) }

    /// Computes input gradients from output gradients (`grads[i]` is nil when output i got none).
    func apply(_ grads: [Tensor?], context: BackwardRun) throws -> [Tensor?] {
        fatalError("subclasses implement apply")
    }

    /// Drops saved tensors after a backward pass that did not retain the graph.
    func releaseSaved() {}

    /// Moves out every node this one holds strongly, for the iterative teardown.
    func takeStrongReferences(into stack: inout [Node]) {
        for edge in edges { if let n = edge.node { stack.append(n) } }
        edges = []
    }

    // MARK: - Iterative teardown

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

/// A weak reference to a tensor, so nodes can point at their outputs without cycles.
struct WeakTensor {
    weak var tensor: Tensor?
}

// MARK: - Leaves

/// The node that adds incoming gradients into a leaf's `.grad`.
///
/// It holds its leaf weakly: `x.grad` made with `create_graph` points back into the graph,
/// and a strong reference here would close a cycle `x → x.grad → … → AccumulateGrad → x`.
public final class AccumulateGrad: Node {
    weak var variable: Tensor?
    let shape: [Int]

    init(variable: Tensor) {
        self.variable = variable
        self.shape = variable.shape
        super.init(edges: [])
    }

    override public var name: String { "AccumulateGrad" }

    override func apply(_ grads: [Tensor?], context: BackwardRun) throws -> [Tensor?] {
        var incoming = grads.first ?? nil
        try accumulate(&incoming, context: context)
        return []
    }

    /// Accumulates a gradient the engine hands over: when nothing else holds it, the leaf
    /// adopts it as `.grad` instead of copying it (as PyTorch's AccumulateGrad steals it).
    func accumulate(_ incoming: inout Tensor?, context: BackwardRun) throws {
        guard let variable, let given = incoming else { return }
        incoming = nil
        var grad = try variable.runLeafHooks(given)
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

    /// The leaf's accumulator, created on first use and shared while any graph holds it.
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
           isKnownUniquelyReferenced(&incoming), incoming.ownsStorageAlone() {
            gradStorage = incoming
            return
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
            gradStorage = createGraph ? try Ops.copyOp.apply([Tensor.empty(shape, dtype: dtype), g])
                                      : try withNoGrad { try g.contiguousClone(keepGraph: false) }
        }
    }
}

extension Tensor {
    /// Whether this gradient could serve as `leaf`'s `.grad` as it is: plain data of the
    /// leaf's shape and dtype, laid out from the start of its own buffer, outside any graph.
    fileprivate func isAdoptable(as leaf: Tensor) -> Bool {
        !requiresGrad && gradFn == nil && !isWrappedNumber && viewBase == nil && offset == 0
            && dtype == leaf.dtype && shape == leaf.shape && isContiguous
            && storage.byteCount == numel &* dtype.itemSize
    }
}
