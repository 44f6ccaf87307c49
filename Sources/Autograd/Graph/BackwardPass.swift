/// The state of one backward pass, and its phases in the order `Engine.run` calls them.
///
/// Node `i` is `nodes[i]`: nodes are numbered once, as the walk from the roots first finds
/// them, and each remembers its number in this pass (`Node.passIndex`), so the later phases
/// keep their state in lists indexed by it (the thread's `BackwardScratch`). Every phase is a
/// loop over these lists: nothing recurses, so a graph of any depth runs.
struct BackwardPass {
    /// This pass's number, which nodes remember with their own number in it.
    let number: Int
    let options: BackwardRun
    /// Whether leaves' `AccumulateGrad` nodes run (`backward`) or are only captured (`grad`).
    let accumulate: Bool
    /// Edges whose incoming gradient `Engine.grad` returns.
    let capture: [Edge]

    /// The nodes, unretained. The roots' edges (held by `Engine.run` until the pass ends) keep
    /// every node reached through them alive, and nothing changes a node's edges while a pass
    /// runs; so the list need not retain them, and a retain and release per node per walk
    /// (the bulk of a short pass's reference counting) goes. Nodes are used through
    /// `_withUnsafeGuaranteedRef`, which borrows without retaining.
    private var nodes: PlainList<Unmanaged<Node>> { scratch.nodes }
    /// The number of each root's node (-1 for a root edge with no node).
    private var rootNumbers: PlainList<Int> { scratch.rootNumbers }
    /// Per node, the edges into it from other nodes (roots' edges not counted) whose node has
    /// not run yet: counted while numbering, counted down while running. A node is ready to
    /// run when its count reaches 0, its gradient complete.
    private var feeds: PlainList<Int> { scratch.feeds }
    /// With a restricted pass, whether node `i` leads to one of the wanted nodes.
    var needed: [Bool]? = nil
    /// The gradients of the `capture` edges, in their order.
    var captured: [Tensor?]
    /// Node numbers by identity, made only when a node's mark no longer names this pass (a
    /// pass started from a hook renumbered the nodes the two graphs share).
    private var numbersByNode: [ObjectIdentifier: Int]? = nil
    /// The lists the pass works in (read through the properties above; appends go to them
    /// here directly): the thread's, handed back when the pass ends, or new ones.
    private let scratch: BackwardScratch

    init(number: Int, options: BackwardRun, accumulate: Bool, capture: [Edge]) {
        self.number = number
        self.options = options
        self.accumulate = accumulate
        self.capture = capture
        self.captured = capture.isEmpty ? [] : [Tensor?](filling: nil, count: capture.count)
        scratch = BackwardScratch.take() ?? BackwardScratch()
    }

    /// Hands the lists (and the emptied gradient buffers) back for the thread's next pass.
    func recycle(_ buffers: inout [OutputGrads]) {
        swap(&buffers, &scratch.buffers)
        scratch.recycle()
    }

    // MARK: Phase 1: number the nodes

    /// Discovers the nodes reachable from `roots` breadth-first, numbering them in the order
    /// found, and counts the edges into each node.
    ///
    /// The edges are not resolved to numbers here: the run reads each node's edges anyway to
    /// pass its gradients on, and finds the number there in the node's mark. Flattening them
    /// into arrays cost two appends per node and one per edge (~40% of this walk).
    mutating func numberReachableNodes(from roots: [Root]) {
        // By index, each root's node read in place: `for root in roots` copied every root
        // (a retain and a release of its node, shape and gradient).
        for r in roots.indices {
            let number = roots[r].edge.node.map { numbered(Unmanaged.passUnretained($0), feeding: 0) } ?? -1
            scratch.rootNumbers.append(number)
        }
        var cursor = 0
        while cursor < nodes.count {
            nodes[cursor]._withUnsafeGuaranteedRef { node in
                // By index: iterating a node's edges with for-in copied them (and retained every
                // node and shape they hold) per node.
                for k in 0..<node.edges.count {
                    if let target = node.edges.unmanagedNode(k) { numbered(target, feeding: 1) }
                }
            }
            cursor += 1
        }
    }

    /// The number of `node` in this pass, numbering it (and queueing it) when first seen;
    /// `feeds` of it grows by `edges` (1 for a node's edge, 0 for a root's).
    @discardableResult
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
        scratch.nodes.append(unmanaged)
        scratch.feeds.append(edges)
        return count
    }

    /// The number of `node`, which the walk numbered: read from its mark, checked to name it.
    @inline(__always)
    private mutating func numberOf(_ unmanaged: Unmanaged<Node>) -> Int {
        let mark = unmanaged._withUnsafeGuaranteedRef { $0.pass == number ? $0.passIndex : -1 }
        if mark >= 0 && mark < nodes.count && nodes[mark].toOpaque() == unmanaged.toOpaque() { return mark }
        return numberLookedUp(unmanaged)
    }

    /// `numberOf` for a node whose mark another pass has overwritten since: a pass started
    /// from a hook of this one, over a graph sharing nodes with it. Found by identity.
    @inline(never)
    private mutating func numberLookedUp(_ unmanaged: Unmanaged<Node>) -> Int {
        if numbersByNode == nil {
            var table: [ObjectIdentifier: Int] = [:]
            for i in 0..<nodes.count { table[ObjectIdentifier(nodes[i].takeUnretainedValue())] = i }
            numbersByNode = table
        }
        guard let found = numbersByNode?[ObjectIdentifier(unmanaged.takeUnretainedValue())] else {
            preconditionFailure("an edge leads to a node the pass did not number")
        }
        return found
    }

    // MARK: Phase 2: restrict to the wanted nodes

    /// Marks the nodes from which one of `wanted` can be reached (`inputs=`, `autograd.grad`);
    /// the others are skipped. Reverse topological order sees a node's targets before it.
    mutating func markNodesLeading(to wanted: [ObjectIdentifier: Int]) {
        var flags = [Bool](filling: false, count: nodes.count)
        for i in topologicalOrder().reversed() {
            var leads = wanted[ObjectIdentifier(nodes[i].takeUnretainedValue())] != nil
            let node = nodes[i].takeUnretainedValue()
            for k in 0..<node.edges.count where !leads {
                if let target = node.edges.unmanagedNode(k) { leads = flags[numberOf(target)] }
            }
            flags[i] = leads
        }
        needed = flags
    }

    /// The node numbers in an order where each node comes after every node that feeds it
    /// (Kahn's algorithm on a copy of the counts, roots first), for a restricted pass, which
    /// needs it before anything runs.
    private mutating func topologicalOrder() -> [Int] {
        var remaining = feeds.array
        var queue: [Int] = []
        queue.reserveCapacity(nodes.count)
        for i in rootNumbers.array where i >= 0 && remaining[i] == 0 {
            remaining[i] = -1
            queue.append(i)
        }
        var cursor = 0
        while cursor < queue.count {
            let node = nodes[queue[cursor]].takeUnretainedValue()
            cursor += 1
            for k in 0..<node.edges.count {
                guard let target = node.edges.unmanagedNode(k) else { continue }
                let j = numberOf(target)
                remaining[j] -= 1
                if remaining[j] == 0 { queue.append(j) }
            }
        }
        return queue
    }

    // MARK: Phase 3: run the nodes

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
        // By index, as in `numberReachableNodes`: enumerated, each root was copied.
        for r in roots.indices where roots[r].edge.node != nil {
            try Engine.add(roots[r].grad, to: &buffers[rootNumbers[r]], slot: roots[r].edge.inputNr)
        }
    }

    /// Runs the nodes in topological order (Kahn's algorithm, roots first) with the sum of the
    /// gradients that reached each, passing the gradients of its inputs on to the nodes its
    /// edges lead to.
    ///
    /// Ordering and running are one walk: a node is queued once every edge into it has passed
    /// its gradient, which is when the node it leaves has run. (A separate ordering walk read
    /// every edge once more.)
    mutating func executeInOrder(collecting buffers: inout [OutputGrads]) throws {
        let detectAnomaly = ThreadState.current.detectAnomaly
        let pending = feeds, roots = rootNumbers
        scratch.order.reserveCapacity(nodes.count)
        // -1 marks a root already queued (two roots may share a node).
        for r in 0..<roots.count where roots[r] >= 0 && pending[roots[r]] == 0 {
            pending[roots[r]] = -1
            scratch.order.append(roots[r])
        }
        // Through a buffer pointer: the buffers keep their number while nodes run, and every
        // subscript of the array checked its uniqueness (a runtime call), several per node.
        try buffers.withUnsafeMutableBufferPointer { slots in
            var cursor = 0
            while cursor < scratch.order.count {
                let i = scratch.order[cursor]
                cursor += 1
                try nodes[i]._withUnsafeGuaranteedRef { node in
                    var inputGrads = try execute(node, numbered: i, collecting: slots, detectAnomaly: detectAnomaly)
                    try passOn(&inputGrads, from: node, into: slots, releasing: pending)
                }
            }
        }
    }

    /// Runs `node` (number `i`) with the gradients that reached it, and returns the gradients
    /// of its inputs (none when it does not run).
    @inline(__always)
    private mutating func execute(_ node: Node, numbered i: Int, collecting buffers: UnsafeMutableBufferPointer<OutputGrads>,
                                  detectAnomaly: Bool) throws -> InputGrads {
        var grads = OutputGrads()
        swap(&grads, &buffers[i])
        if node.hasHooksOrRetainedGrads && !node.hooks.isEmpty {
            for k in grads.indices { if let g = grads[k] { grads[k] = try node.runHooks(on: g, output: k) } }
        }
        if !capture.isEmpty { try captureRequestedGrads(of: node, grads) }
        if node.hasHooksOrRetainedGrads && !node.retainedGrads.isEmpty { try storeRetainedGrads(of: node, grads) }
        if let needed, !needed[i] { return InputGrads() }
        if node is AccumulateGrad && !accumulate { return InputGrads() }
        guard !grads.isEmpty else { return InputGrads() }
        if let accumulator = node as? AccumulateGrad {
            // Handed over, not copied: the leaf may adopt a gradient only it holds.
            var incoming = grads.take(0)
            try accumulator.accumulate(&incoming, context: options)
            return InputGrads()
        }
        let inputGrads = try node.apply(&grads, context: options)
        if detectAnomaly { try Engine.checkAnomaly(inputGrads, of: node) }
        if !options.retainGraph { node.releaseSaved() }
        return inputGrads
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

    /// Adds the gradients `node` computed for its inputs to the buffers of the nodes its edges
    /// lead to, reduced to each input's shape and cast to its dtype: once, here, for every op.
    /// Every edge, with a gradient or without, then counts down its node's `pending` edges,
    /// queueing the node once none is left.
    @inline(__always)
    private mutating func passOn(_ inputGrads: inout InputGrads, from node: Node,
                                 into buffers: UnsafeMutableBufferPointer<OutputGrads>,
                                 releasing pending: PlainList<Int>) throws {
        let gradCount = inputGrads.count
        for k in 0..<node.edges.count {
            guard let target = node.edges.unmanagedNode(k) else { continue }
            let j = numberOf(target)
            // Moved out, and the edge read in place: copying the gradient and the edge was a
            // retain and release of the tensor, the edge's node and its shape per edge.
            if k < gradCount, var g = inputGrads.take(k) {
                let route = node.edges.route(k, forShape: g.shape)
                if !route.sameShape { g = try g.sumToShape(node.edges[k].shape) }
                if g.dtype != route.dtype { g = try g.to(route.dtype) }
                try Engine.add(g, to: &buffers[j], slot: route.inputNr)
            }
            pending[j] -= 1
            if pending[j] == 0 { scratch.order.append(j) }
        }
    }
}
