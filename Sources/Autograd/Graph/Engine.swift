import Synchronization

/// Options of one backward pass, visible to nodes while it runs.
public struct BackwardRun {
    /// Whether the backward computation is itself recorded (higher-order gradients).
    public let createGraph: Bool
    /// Whether saved tensors survive the pass.
    public let retainGraph: Bool
    /// The pass whose leaves' existing `.grad` formulas may add into in place
    /// (`BackwardContext.leafGradDestination`), or 0 when this pass offers none.
    let leafGradPass: Int
}

/// The backward driver: orders the graph topologically and runs every node once.
///
/// It is iterative (a graph a million nodes deep needs no deep stack), and it alone does what
/// every op needs: summing gradients that reach a node along several paths, reducing a
/// gradient that broadcast to its input's shape, casting to the input's dtype, and freeing
/// saved tensors when the graph is not retained.
public enum Engine {
    /// Numbers backward passes, so nodes can carry their number within the current one.
    private static let passes = Atomic<Int>(0)

    /// Backpropagates `gradients` (one per root) from `roots`, accumulating into leaves' `.grad`.
    /// With `inputs`, only those tensors accumulate.
    public static func backward(_ roots: [Tensor], gradients: [Tensor?], retainGraph: Bool? = nil,
                                createGraph: Bool = false, inputs: [Tensor]? = nil) throws {
        let retain = retainGraph ?? createGraph
        let rootEdges = try makeRoots(roots, gradients, createGraph: createGraph)
        var targets: [ObjectIdentifier: Int]? = nil
        if let inputs {
            targets = [:]
            for t in inputs {
                guard let edge = t.gradientEdge(), let node = edge.node else { continue }
                // Restricting to non-leaf inputs stores their `.grad` like retain_grad does.
                if !(node is AccumulateGrad) {
                    t.retainsGrad = true
                    t.retainsGradForRun(node: node, output: edge.inputNr)
                }
                targets![ObjectIdentifier(node)] = 0
            }
        }
        _ = try withFinalCallbacks {
            try run(rootEdges, createGraph: createGraph, retainGraph: retain,
                    accumulate: true, only: targets, capture: [])
        }
    }

    /// Computes and returns the gradients of `outputs` with respect to `inputs`
    /// (`torch.autograd.grad`), without touching any `.grad`.
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor?],
                            retainGraph: Bool? = nil, createGraph: Bool = false,
                            allowUnused: Bool = false) throws -> [Tensor?] {
        let retain = retainGraph ?? createGraph
        let rootEdges = try makeRoots(outputs, gradOutputs, createGraph: createGraph)
        var capture: [Edge] = []
        for (i, t) in inputs.enumerated() {
            guard let edge = t.gradientEdge() else {
                throw TorchError("One of the differentiated Tensors does not require grad (input \(ThreadState.userPosition(i)))")
            }
            capture.append(edge)
        }
        var only: [ObjectIdentifier: Int] = [:]
        for e in capture { if let n = e.node { only[ObjectIdentifier(n)] = 0 } }
        let results = try withFinalCallbacks {
            try run(rootEdges, createGraph: createGraph, retainGraph: retain,
                    accumulate: false, only: only, capture: capture)
        }
        if !allowUnused, let unused = results.firstIndex(where: { $0 == nil }) {
            throw TorchError("The differentiated Tensor at index \(ThreadState.userPosition(unused)) appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.")
        }
        return results
    }

    // MARK: - Roots

    private static func makeRoots(_ roots: [Tensor], _ gradients: [Tensor?],
                                  createGraph: Bool) throws -> [Root] {
        guard roots.count == gradients.count else {
            throw TorchError("got \(gradients.count) gradients for \(roots.count) outputs")
        }
        var result: [Root] = []
        for (i, root) in roots.enumerated() {
            guard let edge = root.gradientEdge() else {
                throw TorchError("element \(i) of tensors does not require grad and does not have a grad_fn")
            }
            let grad: Tensor
            if let given = gradients[i] {
                guard given.shape == root.shape else {
                    throw TorchError("Mismatch in shape: grad_output[\(i)] has a shape of torch.Size(\(Shapes.format(given.shape))) and output[\(i)] has a shape of torch.Size(\(Shapes.format(root.shape))).")
                }
                grad = given
            } else {
                guard root.numel == 1 else {
                    throw TorchError("grad can be implicitly created only for scalar outputs")
                }
                guard root.dtype.isFloatingPoint else {
                    throw TorchError("grad can be implicitly created only for real scalar outputs but got \(root.dtype)")
                }
                grad = try Tensor.ones(root.shape, dtype: root.dtype)
            }
            result.append(Root(edge: edge, grad: grad))
        }
        return result
    }

    // MARK: - The pass

    /// Runs the graph reachable from `roots`. `only`, when given, restricts execution to the
    /// nodes from which one of its nodes can be reached; `capture` edges get their incoming
    /// gradient returned instead of executed.
    private static func run(_ roots: [Root], createGraph: Bool, retainGraph: Bool, accumulate: Bool,
                            only: [ObjectIdentifier: Int]?, capture: [Edge]) throws -> [Tensor?] {
        let number = Engine.passes.add(1, ordering: .relaxed).newValue
        // A formula may write a leaf's gradient into its `.grad` only where the leaf's
        // `AccumulateGrad` would have added it there unchanged: a plain `backward` (no
        // `inputs=`, not `autograd.grad`), nothing recorded, and no anomaly check of the
        // gradients formulas return.
        let direct = accumulate && !createGraph && only == nil && capture.isEmpty
            && !ThreadState.current.detectAnomaly
        let options = BackwardRun(createGraph: createGraph, retainGraph: retainGraph,
                                  leafGradPass: direct ? number : 0)
        var pass = BackwardPass(number: number, options: options, accumulate: accumulate, capture: capture)
        pass.numberReachableNodes(from: roots)
        pass.orderByDependencies()
        if let only { pass.markNodesLeading(to: only) }
        var gradients: [OutputGrads] = []
        try pass.seedRoots(roots, into: &gradients)
        try withGradMode(options.createGraph) { try pass.executeInOrder(collecting: &gradients) }
        pass.recycle(&gradients)
        return pass.captured
    }

    /// Anomaly mode: the first NaN in a gradient is an error naming the node and where the
    /// forward call that recorded it was made.
    fileprivate static func checkAnomaly(_ grads: InputGrads, of node: Node) throws {
        for (i, g) in grads.enumerated() {
            guard let g, g.dtype.isFloatingPoint else { continue }
            if (0..<g.numel).contains(where: { g.element($0).isNaN }) {
                var message = "Function '\(node.name)' returned nan values in its \(i)th output."
                if let trace = node.forwardTrace {
                    message += "\nError detected in \(node.name). Traceback of forward call that caused the error:\n\(trace)"
                }
                throw TorchError(message)
            }
        }
    }

    /// Adds `grad` to the gradient collected so far for output `slot` of `node`.
    ///
    /// `grad` is taken over: stored, it is moved into the slot rather than retained again.
    fileprivate static func add(_ grad: __owned Tensor, to slots: inout OutputGrads, slot: Int) throws {
        if var existing = slots.take(slot) {
            // As PyTorch's InputBuffer: a sum nothing but this slot holds, outside a recorded
            // backward, grows in place instead of allocating a new tensor per path.
            if !ThreadState.withCurrent({ $0.gradEnabled }), existing.shape == grad.shape, existing.dtype == grad.dtype,
               !existing.requiresGrad, !existing.isWrappedNumber, existing.isContiguous,
               isKnownUniquelyReferenced(&existing), existing.ownsStorageAlone() {
                try existing.addInPlaceUnchecked(grad)
                slots[slot] = existing
            } else {
                slots[slot] = try existing.add(grad)
            }
        } else {
            slots[slot] = grad
        }
    }
}

/// A root of a backward pass: the edge its gradient enters by, and that gradient.
///
/// A struct, not a tuple: an array of tuples is destroyed through the runtime's generic value
/// witnesses, some hundreds of instructions per pass.
private struct Root {
    let edge: Edge
    let grad: Tensor
}

/// The state of one backward pass, and its phases in the order `Engine.run` calls them.
///
/// The graph is flattened into arrays once: node `i` is `nodes[i]`, and the numbers of the
/// nodes its edges lead to are `targets[first[i]..<first[i + 1]]` (-1 for an edge with no
/// node), so the later phases work on integers instead of following references. Every phase
/// is a loop over these arrays: nothing recurses, so a graph of any depth runs.
private struct BackwardPass {
    /// This pass's number, which nodes remember with their own number in it.
    let number: Int
    let options: BackwardRun
    /// Whether leaves' `AccumulateGrad` nodes run (`backward`) or are only captured (`grad`).
    let accumulate: Bool
    /// Edges whose incoming gradient `Engine.grad` returns.
    let capture: [Edge]

    /// The nodes, unretained. The roots' edges (held by `Engine.run` until the pass ends) keep
    /// every node reached through them alive, and nothing changes a node's edges while a pass
    /// runs; so the array need not retain them, and a retain and release per node per walk
    /// (the bulk of a short pass's reference counting) goes. Nodes are used through
    /// `_withUnsafeGuaranteedRef`, which borrows without retaining.
    var nodes: [Unmanaged<Node>] = []
    var first: [Int] = []
    var targets: [Int] = []
    /// The number of each root's node (-1 for a root edge with no node).
    var rootNumbers: [Int] = []
    /// Node numbers in execution order: a node comes after every node that feeds it.
    var order: [Int] = []
    /// Per node, the edges leading to it from other nodes (roots' edges not counted): counted
    /// while numbering, so the ordering needs no second walk over every edge.
    var feeds: [Int] = []
    /// With a restricted pass, whether node `i` leads to one of the wanted nodes.
    var needed: [Bool]? = nil
    /// The gradients of the `capture` edges, in their order.
    var captured: [Tensor?]
    /// Where the arrays came from, and go back to when the pass ends.
    private let scratch: BackwardScratch

    init(number: Int, options: BackwardRun, accumulate: Bool, capture: [Edge]) {
        self.number = number
        self.options = options
        self.accumulate = accumulate
        self.capture = capture
        self.captured = capture.isEmpty ? [] : [Tensor?](filling: nil, count: capture.count)
        if let kept = BackwardScratch.take() {
            // Moved, not copied: a second reference would make the first append copy them.
            scratch = kept
            swap(&nodes, &kept.nodes)
            swap(&first, &kept.first)
            swap(&targets, &kept.targets)
            swap(&rootNumbers, &kept.rootNumbers)
            swap(&order, &kept.order)
            swap(&feeds, &kept.feeds)
        } else {
            scratch = BackwardScratch()
            // Room for a small graph from the start: growing three arrays from empty cost
            // several reallocations per pass, most of a short pass's bookkeeping.
            nodes.reserveCapacity(16)
            first.reserveCapacity(17)
            targets.reserveCapacity(32)
            feeds.reserveCapacity(16)
        }
    }

    /// Hands the arrays (and the emptied gradient buffers) back for the thread's next pass.
    mutating func recycle(_ buffers: inout [OutputGrads]) {
        swap(&nodes, &scratch.nodes)
        swap(&first, &scratch.first)
        swap(&targets, &scratch.targets)
        swap(&rootNumbers, &scratch.rootNumbers)
        swap(&order, &scratch.order)
        swap(&feeds, &scratch.feeds)
        swap(&buffers, &scratch.buffers)
        scratch.recycle()
    }

    // MARK: Phase 1: number the nodes

    /// Discovers the nodes reachable from `roots` breadth-first, numbering them in the order
    /// found, resolves each node's edges to numbers once, and counts the edges into each node.
    mutating func numberReachableNodes(from roots: [Root]) {
        for root in roots {
            let number = root.edge.node.map { numbered(Unmanaged.passUnretained($0), feeding: 0) } ?? -1
            rootNumbers.append(number)
        }
        var cursor = 0
        while cursor < nodes.count {
            first.append(targets.count)
            nodes[cursor]._withUnsafeGuaranteedRef { node in
                // By index: iterating a node's edges with for-in copied them (and retained every
                // node and shape they hold) per node.
                for k in 0..<node.edges.count {
                    let target = node.edges.unmanagedNode(k).map { numbered($0, feeding: 1) } ?? -1
                    targets.append(target)
                }
            }
            cursor += 1
        }
        first.append(targets.count)
    }

    /// The number of `node` in this pass, numbering it (and queueing it) when first seen;
    /// `feeds` of it grows by `edges` (1 for a node's edge, 0 for a root's).
    private mutating func numbered(_ unmanaged: Unmanaged<Node>, feeding edges: Int) -> Int {
        let count = nodes.count
        let known: Int? = unmanaged._withUnsafeGuaranteedRef { node in
            // The node remembers its number in this pass; the identity check keeps a stale or
            // concurrently overwritten mark from ever naming another node.
            let known = node.passIndex
            if node.pass == number && known < count && nodes[known].toOpaque() == unmanaged.toOpaque() {
                node.passFeeds += 1
                return known
            }
            node.pass = number
            node.passIndex = count
            node.passFeeds = 1
            return nil
        }
        if let known {
            feeds[known] += edges
            return known
        }
        nodes.append(unmanaged)
        feeds.append(edges)
        return count
    }

    // MARK: Phase 2: order

    /// Orders the nodes topologically (Kahn's algorithm), roots first: a node is queued once
    /// every edge pointing at it has been passed, so it runs with its gradient complete.
    mutating func orderByDependencies() {
        // Edges still to pass per node (`feeds`, counted down); -1 marks a node already queued.
        var remaining: [Int] = []
        swap(&remaining, &feeds)
        var queue: [Int] = []
        swap(&queue, &order)
        defer {
            swap(&remaining, &feeds)
            swap(&queue, &order)
        }
        queue.reserveCapacity(nodes.count)
        // Through buffer pointers: each subscript of an array the loop writes checked the
        // array's uniqueness (a runtime call), and the arrays keep their size here.
        let first = self.first, targets = self.targets, roots = self.rootNumbers
        first.withUnsafeBufferPointer { first in
            targets.withUnsafeBufferPointer { targets in
                remaining.withUnsafeMutableBufferPointer { remaining in
                    for i in roots where i >= 0 && remaining[i] == 0 {
                        remaining[i] = -1
                        queue.append(i)
                    }
                    var cursor = 0
                    while cursor < queue.count {
                        let i = queue[cursor]
                        cursor += 1
                        for k in first[i]..<first[i + 1] {
                            let j = targets[k]
                            guard j >= 0 else { continue }
                            remaining[j] -= 1
                            if remaining[j] == 0 { queue.append(j) }
                        }
                    }
                }
            }
        }
    }

    // MARK: Phase 3: restrict to the wanted nodes

    /// Marks the nodes from which one of `wanted` can be reached (`inputs=`, `autograd.grad`);
    /// the others are skipped. Reverse topological order sees a node's targets before it.
    mutating func markNodesLeading(to wanted: [ObjectIdentifier: Int]) {
        var flags = [Bool](filling: false, count: nodes.count)
        for i in order.reversed() {
            flags[i] = wanted[ObjectIdentifier(nodes[i].takeUnretainedValue())] != nil
                || targets[first[i]..<first[i + 1]].contains { $0 >= 0 && flags[$0] }
        }
        needed = flags
    }

    // MARK: Phase 4: run the nodes

    /// Gives `buffers` an empty gradient buffer per node (the sum of what reached each of its
    /// outputs so far), holding the gradients the caller passed for the roots.
    ///
    /// The scratch's buffers come back empty from the previous pass and are used as they are
    /// (more of them than nodes is harmless); only missing ones are made.
    func seedRoots(_ roots: [Root], into buffers: inout [OutputGrads]) throws {
        swap(&buffers, &scratch.buffers)
        // One by one: `repeatElement` copied its value into each slot (a retain of each nil
        // reference it holds).
        while buffers.count < nodes.count { buffers.append(OutputGrads()) }
        for (r, root) in roots.enumerated() where root.edge.node != nil {
            try Engine.add(root.grad, to: &buffers[rootNumbers[r]], slot: root.edge.inputNr)
        }
    }

    /// Runs every node in order with the sum of the gradients that reached it, passing the
    /// gradients of its inputs on to the nodes its edges lead to.
    mutating func executeInOrder(collecting buffers: inout [OutputGrads]) throws {
        let detectAnomaly = ThreadState.current.detectAnomaly
        // Through a buffer pointer: the buffers keep their number while nodes run, and every
        // subscript of the array checked its uniqueness (a runtime call), several per node.
        try buffers.withUnsafeMutableBufferPointer { slots in
            for i in order {
                try nodes[i]._withUnsafeGuaranteedRef { node in
                    try execute(node, numbered: i, collecting: slots, detectAnomaly: detectAnomaly)
                }
            }
        }
    }

    /// Runs `node` (number `i`) with the gradients that reached it.
    @inline(__always)
    private mutating func execute(_ node: Node, numbered i: Int, collecting buffers: UnsafeMutableBufferPointer<OutputGrads>,
                                  detectAnomaly: Bool) throws {
        var grads = OutputGrads()
        swap(&grads, &buffers[i])
        if node.hasHooksOrRetainedGrads && !node.hooks.isEmpty {
            for k in grads.indices { if let g = grads[k] { grads[k] = try node.runHooks(on: g, output: k) } }
        }
        if !capture.isEmpty { try captureRequestedGrads(of: node, grads) }
        if node.hasHooksOrRetainedGrads && !node.retainedGrads.isEmpty { try storeRetainedGrads(of: node, grads) }
        if let needed, !needed[i] { return }
        if node is AccumulateGrad && !accumulate { return }
        guard !grads.isEmpty else { return }
        if let accumulator = node as? AccumulateGrad {
            // Handed over, not copied: the leaf may adopt a gradient only it holds.
            var incoming = grads.take(0)
            try accumulator.accumulate(&incoming, context: options)
            return
        }
        var inputGrads = try node.apply(&grads, context: options)
        if detectAnomaly { try Engine.checkAnomaly(inputGrads, of: node) }
        if !options.retainGraph { node.releaseSaved() }
        try passOn(&inputGrads, from: node, numbered: i, into: buffers)
    }

    /// Keeps the gradients `Engine.grad` asked for that arrive at `node`, reduced to the
    /// captured input's shape.
    private mutating func captureRequestedGrads(of node: Node, _ grads: OutputGrads) throws {
        for (k, edge) in capture.enumerated() where edge.node === node {
            if edge.inputNr < grads.count, var g = grads[edge.inputNr] {
                // A leaf's hooks see the gradient autograd.grad returns, as in PyTorch.
                if let leaf = (node as? AccumulateGrad)?.variable {
                    g = try leaf.runLeafHooks(g)
                }
                captured[k] = g.shape == edge.shape ? g : try g.sumToShape(edge.shape)
            }
        }
    }

    /// Stores the gradients of `node`'s outputs in the non-leaves that asked (`retain_grad`).
    private func storeRetainedGrads(of node: Node, _ grads: OutputGrads) throws {
        for (output, weak) in node.retainedGrads {
            // retain_grad accumulates across passes, as a leaf's .grad does.
            if let t = weak.tensor, t.retainsGrad, output < grads.count, let g = grads[output] {
                if let existing = t.gradStorage {
                    t.gradStorage = try withGradMode(options.createGraph) { try existing.add(g) }
                } else {
                    t.gradStorage = options.createGraph ? g : try g.materialized()
                }
            }
        }
    }

    /// Adds the gradients `node` (number `i`) computed for its inputs to the buffers of the
    /// nodes its edges lead to, reduced to each input's shape and cast to its dtype: once,
    /// here, for every op.
    @inline(__always)
    private func passOn(_ inputGrads: inout InputGrads, from node: Node, numbered i: Int,
                        into buffers: UnsafeMutableBufferPointer<OutputGrads>) throws {
        let base = first[i], edgeCount = first[i + 1] - base
        let edges = node.edges.count
        for k in 0..<min(edges, edgeCount, inputGrads.count) {
            let target = targets[base + k]
            // Moved out, and the edge read in place: copying the gradient and the edge was a
            // retain and release of the tensor, the edge's node and its shape per edge.
            guard target >= 0, var g = inputGrads.take(k) else { continue }
            let route = node.edges.route(k, forShape: g.shape)
            if !route.sameShape { g = try g.sumToShape(node.edges[k].shape) }
            if g.dtype != route.dtype { g = try g.to(route.dtype) }
            try Engine.add(g, to: &buffers[target], slot: route.inputNr)
        }
    }
}

extension Tensor {
    /// Makes the engine store this non-leaf's gradient during the coming pass.
    func retainsGradForRun(node: Node, output: Int) {
        if !node.retainedGrads.contains(where: { $0.tensor.tensor === self }) {
            node.retainedGrads.append((output, WeakTensor(tensor: self)))
        }
    }
}
