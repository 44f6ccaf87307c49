/// A tensor kept by a node for its backward formula, as PyTorch's `SavedVariable`.
///
/// It keeps the data and, separately, where gradients of that data flow (its gradient edge).
/// The data tensor never carries a `gradFn`, so freeing a graph never recurses through it,
/// and a saved *output* keeps no reference to its own node at all (the node passes itself
/// to `unpack`), so no node keeps itself alive. No weak references either: forming one
/// allocates a side table per object, which a per-op path cannot afford.
struct SavedTensor {
    /// The saved values: the tensor itself when it needs no graph, else an alias of its data.
    private(set) var data: Tensor?
    /// The node gradients of `data` flow into (strong for inputs).
    private var node: Node?
    /// The storage version when saved; a later in-place change makes the saved data stale.
    private let version: Int
    // The small fields last, packed into one word (every op node holds two saved tensors).
    private let outputNr: Int32
    private let requiresGrad: Bool
    /// How the tensor is described in version-mismatch errors.
    private let wasOutput: Bool
    /// Set for a slot that was not kept because no gradient needs it.
    private var isUnneeded = false

    /// Saves an input of an op.
    init(input t: Tensor) {
        version = t.storage.version
        outputNr = Int32(truncatingIfNeeded: t.outputNr)
        requiresGrad = t.requiresGrad
        wasOutput = false
        if t.requiresGrad {
            data = t.detach()
            node = t.gradFn ?? t.gradAccumulator()
        } else {
            data = t
        }
    }

    /// A slot the formula will not read this time (`SaveSlot.inputFor` an input that does
    /// not require grad): unpacking it is an error.
    static var unneeded: SavedTensor { SavedTensor() }

    private init() {
        version = 0
        outputNr = 0
        requiresGrad = false
        wasOutput = false
        isUnneeded = true
    }

    /// Saves the output of the node that holds this saved tensor (borrowed: only an alias of
    /// it is kept).
    init(output t: borrowing Tensor) {
        version = t.storage.version
        outputNr = Int32(truncatingIfNeeded: t.outputNr)
        requiresGrad = true
        wasOutput = true
        data = t.detach()
    }

    /// The saved tensor, checked for staleness; connected to the graph while grad mode is on
    /// (that is, when the backward pass itself is being recorded for higher-order gradients).
    ///
    /// Inlined, with the usual case first (data kept, unchanged, needing no graph), and
    /// `mutating` only so that it is called in place (it changes nothing): called on a copy,
    /// it took the whole node's saved tensors along, a retain and release of every tensor and
    /// node they hold per formula read.
    @inline(__always)
    mutating func unpack(for owner: Node) throws -> Tensor {
        if let data, data.storage.version == version,
           !requiresGrad || !ThreadState.withCurrent({ $0.gradEnabled }) {
            return data
        }
        return try unpackChecked(for: owner)
    }

    /// `unpack` past its usual case: the errors, and the tensor connected to the graph.
    private func unpackChecked(for owner: Node) throws -> Tensor {
        guard !isUnneeded else {
            throw TorchError("\(owner.name) did not save a tensor its formula reads: it is needed only for an input that does not require grad")
        }
        guard let data else { throw TorchError(AutogradMessages.savedTensorsFreed) }
        if data.storage.version != version {
            // PyTorch names the saved output's own node, or the saved input's grad_fn as it is
            // now: after an in-place op that is the op that changed it.
            let name = wasOutput ? owner.qualifiedName
                : data.storage.lastInPlaceNode ?? node.flatMap { $0 is AccumulateGrad ? nil : $0.qualifiedName }
            throw TorchError(AutogradMessages.modifiedInPlace(
                data, producedBy: name, outputNr: Int(outputNr), version: data.storage.version,
                expected: version))
        }
        guard requiresGrad, ThreadState.withCurrent({ $0.gradEnabled }),
              let edgeNode = wasOutput ? owner : node else { return data }
        let connected = data.detach()
        connected.requiresGrad = true
        connected.gradFn = edgeNode
        connected.outputNr = Int(outputNr)
        return connected
    }

    /// Whether the node this saved tensor keeps (an input's) is none or a leaf's accumulator.
    var leadsOnlyToLeaves: Bool { node == nil || node is AccumulateGrad }

    /// Frees the data after a backward pass that did not retain the graph.
    mutating func release(into stack: inout [Node]) {
        data = nil
        // Only a node this saved tensor alone keeps alive needs the iterative teardown; it is
        // moved to the stack with this slot's reference (a copy was a retain and a release).
        guard var taken = node.take() else { return }
        if isKnownUniquelyReferenced(&taken) { stack.append(taken) }
    }
}

extension Tensor {
    /// This tensor kept as an op's input (`SavedTensor.init(input:)`), for `OpInputs.saved`.
    var savedAsInput: SavedTensor { SavedTensor(input: self) }
}

/// A node's saved tensors, the first two held inline: most ops save one or two, and a
/// separate array per recorded op was a heap allocation on the per-op path.
///
/// The same shape as `Edges`, on purpose: one generic `SmallArray<Element>` for both measured
/// 1.3% more instructions per scalar-chain step (a node's deinit destroyed it through
/// generic value witnesses).
struct SavedTensors {
    private var first: SavedTensor?
    private var second: SavedTensor?
    private var rest: [SavedTensor] = []
    private(set) var count = 0

    init() {}

    mutating func append(_ saved: SavedTensor) {
        switch count {
        case 0: first = saved
        case 1: second = saved
        default: rest.append(saved)
        }
        count += 1
    }

    /// The `i`-th saved tensor, or nil past the end.
    subscript(i: Int) -> SavedTensor? {
        guard i >= 0 && i < count else { return nil }
        switch i {
        case 0: return first
        case 1: return second
        default: return rest[i - 2]
        }
    }

    /// The `i`-th saved tensor unpacked for `owner` (see `SavedTensor.unpack`), or nil past
    /// the end; read in place (hence `mutating`: nothing changes), where a copy of the slot
    /// retained its data and node, and a copy of the whole struct everything in it.
    @inline(__always)
    mutating func unpack(_ i: Int, for owner: Node) throws -> Tensor? {
        guard i >= 0 && i < count else { return nil }
        switch i {
        case 0: return try first!.unpack(for: owner)
        case 1: return try second!.unpack(for: owner)
        default: return try rest[i - 2].unpack(for: owner)
        }
    }

    /// Whether every saved tensor's node is none or a leaf's accumulator (`Node.leadsOnlyToLeaves`).
    func leadOnlyToLeaves() -> Bool {
        guard first?.leadsOnlyToLeaves ?? true, second?.leadsOnlyToLeaves ?? true else { return false }
        return rest.isEmpty || rest.allSatisfy(\.leadsOnlyToLeaves)
    }

    /// Frees every saved tensor's data, collecting the nodes only they kept alive.
    mutating func release(into stack: inout [Node]) {
        if count > 0 { first?.release(into: &stack) }
        if count > 1 { second?.release(into: &stack) }
        for i in rest.indices { rest[i].release(into: &stack) }
    }
}

/// PyTorch's texts for autograd errors (torch/csrc/autograd).
enum AutogradMessages {
    static let savedTensorsFreed = "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward."

    static let noGradFn = "element 0 of tensors does not require grad and does not have a grad_fn"

    static let leafInPlace = "a leaf Variable that requires grad is being used in an in-place operation."

    static let viewOfLeafInPlace = "a view of a leaf Variable that requires grad is being used in an in-place operation."

    static func modifiedInPlace(_ t: Tensor, producedBy name: String?, outputNr: Int,
                                version: Int, expected: Int) -> String {
        let type = "[torch.\(t.dtype.legacyTypeName) \(Shapes.format(t.shape))]"
        // PyTorch names the node without its `Backward0` suffix ("output 0 of Exp").
        let origin = name.map { ", which is output \(outputNr) of \(strippingBackwardSuffix($0))," } ?? ""
        return "one of the variables needed for gradient computation has been modified by an inplace operation: \(type)\(origin) is at version \(version); expected version \(expected) instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    }

    private static func strippingBackwardSuffix(_ name: String) -> String {
        let stem = name.reversed().drop(while: \.isNumber).reversed()
        return stem.count < name.count && String(stem).hasSuffix("Backward")
            ? String(String(stem).dropLast("Backward".count)) : name
    }
}

extension DType {
    /// The legacy tensor type name PyTorch uses in some messages (`FloatTensor`).
    var legacyTypeName: String {
        switch self {
        case .float32: "FloatTensor"
        case .float64: "DoubleTensor"
        case .int64: "LongTensor"
        case .bool: "BoolTensor"
        }
    }
}
