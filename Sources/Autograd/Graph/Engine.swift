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
        try backward(from: makeRoots(roots, gradients, createGraph: createGraph), retainGraph: retainGraph,
                     createGraph: createGraph, inputs: inputs)
    }

    /// Backpropagates `gradient` from the one tensor `root` (`loss:backward()`): as the call
    /// above, without the two one-element arrays that carried the root and its gradient there.
    public static func backward(_ root: Tensor, gradient: Tensor?, retainGraph: Bool? = nil,
                                createGraph: Bool = false, inputs: [Tensor]? = nil) throws {
        try backward(from: [makeRoot(root, gradient, position: 0)], retainGraph: retainGraph,
                     createGraph: createGraph, inputs: inputs)
    }

    private static func backward(from rootEdges: [Root], retainGraph: Bool?, createGraph: Bool,
                                 inputs: [Tensor]?) throws {
        let retain = retainGraph ?? createGraph
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
        for (i, root) in roots.enumerated() { result.append(try makeRoot(root, gradients[i], position: i)) }
        return result
    }

    /// The root of a pass at `root`, the `i`-th output, with the gradient given for it or
    /// the implicit 1 of a one-element output.
    private static func makeRoot(_ root: Tensor, _ given: Tensor?, position i: Int) throws -> Root {
        guard let edge = root.gradientEdge() else {
            throw TorchError("element \(i) of tensors does not require grad and does not have a grad_fn")
        }
        if let given {
            guard given.shape == root.shape else {
                throw TorchError("Mismatch in shape: grad_output[\(i)] has a shape of torch.Size(\(Shapes.format(given.shape))) and output[\(i)] has a shape of torch.Size(\(Shapes.format(root.shape))).")
            }
            return Root(edge: edge, grad: given)
        }
        guard root.numel == 1 else {
            throw TorchError("grad can be implicitly created only for scalar outputs")
        }
        guard root.dtype.isFloatingPoint else {
            throw TorchError("grad can be implicitly created only for real scalar outputs but got \(root.dtype)")
        }
        return Root(edge: edge, grad: try implicitGradient(of: root))
    }

    /// The gradient `backward()` starts from for a one-element root: a 1 of its shape and
    /// dtype.
    ///
    /// Laid out like the root, sharing its shape and stride arrays (`Tensor.ones` made a
    /// strides array and validated the shape, ~40% of a short pass's roots), with its one
    /// element stored directly.
    private static func implicitGradient(of root: Tensor) throws -> Tensor {
        let one = try Tensor.empty(like: root, dtype: root.dtype)
        switch root.dtype {
        case .float32: one.pointer(Float.self).pointee = 1
        case .float64: one.pointer(Double.self).pointee = 1
        case .int64: one.pointer(Int64.self).pointee = 1
        case .bool: one.pointer(Bool.self).pointee = true
        }
        return one
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
        if let only { pass.markNodesLeading(to: only) }
        var gradients: [OutputGrads] = []
        try pass.seedRoots(roots, into: &gradients)
        try withGradMode(options.createGraph) { try pass.executeInOrder(collecting: &gradients) }
        pass.recycle(&gradients)
        return pass.captured
    }

    /// Anomaly mode: the first NaN in a gradient is an error naming the node and where the
    /// forward call that recorded it was made.
    static func checkAnomaly(_ grads: InputGrads, of node: Node) throws {
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
    static func add(_ grad: __owned Tensor, to slots: inout OutputGrads, slot: Int) throws {
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
struct Root {
    let edge: Edge
    let grad: Tensor
}

extension Tensor {
    /// Makes the engine store this non-leaf's gradient during the coming pass.
    func retainsGradForRun(node: Node, output: Int) {
        if !node.retainedGrads.contains(where: { $0.tensor.tensor === self }) {
            node.retainedGrads.append((output, WeakTensor(tensor: self)))
        }
    }
}
