/// A tensor kept by a node for its backward formula, as PyTorch's `SavedVariable`.
///
/// An input is kept as itself, as PyTorch keeps it (`saved_original_`): its history was made
/// before the node that saves it, so holding it closes no cycle, and an alias per saved input
/// (a tensor object made and freed per recorded op) cost ~560 instructions. A saved *output*
/// keeps only an alias of its data, with no `gradFn`, and no reference to its own node at
/// all (the node passes itself to `unpack`), so no node keeps itself alive. No weak
/// references either: forming one allocates a side table per object, which a per-op path
/// cannot afford.
///
/// A kept input can close a cycle only by taking, afterwards, something that reaches the
/// saving node: a new history (an in-place op on it, `t:add_(f(t))`), or a `.grad` or
/// tangent made with a graph. The tensor then tells those nodes to keep an alias instead
/// (`Tensor.historyReplaced(from:)`, `Tensor.laterTensorAttached(_:)`).
struct SavedTensor {
    /// The saved values: the input itself, or an alias of an output's data.
    private(set) var data: Tensor?
    /// The node gradients of `data` flow into, for an input's alias (see `keepAlias`); nil
    /// for an input kept as itself (its own `gradFn` says) and for an output (the owner).
    private var node: Node?
    /// The storage version when saved; a later in-place change makes the saved data stale.
    private let version: Int
    // The small fields last, packed into one word (every op node holds two saved tensors).
    private let outputNr: Int32
    private let requiresGrad: Bool
    /// How the tensor is described in version-mismatch errors.
    private let wasOutput: Bool
    /// Whether `data` is the input itself (what `keepAlias` looks for).
    private var isOriginal: Bool
    /// Set for a slot that was not kept because no gradient needs it.
    private var isUnneeded = false

    /// Saves an input of an op; `aliased` keeps an alias of it even where it could be kept as
    /// itself.
    @inline(__always)
    static func input(_ t: Tensor, aliased: Bool = false) -> SavedTensor {
        // Kept as an alias, as every input was before: a leaf that requires grad (its `.grad`
        // made with `create_graph` would hold a graph holding the leaf, the cycle DESIGN.md §3
        // rules out; PyTorch warns of that leak), a view (it keeps its base, whose history
        // could be replaced through another view), and a tensor with a tangent (it would
        // carry it into the formulas forward mode evaluates).
        if aliased || t.requiresGrad && (t.gradFn == nil || t.viewBase != nil || t.tangent != nil) {
            return alias(of: t)
        }
        return original(t)
    }

    /// A slot the formula will not read this time (`SaveSlot.inputFor` an input that does
    /// not require grad): unpacking it is an error.
    static var unneeded: SavedTensor {
        SavedTensor(version: 0, outputNr: 0, requiresGrad: false, wasOutput: false, isOriginal: false,
                    isUnneeded: true)
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
            let origin = isOriginal ? data.gradFn : node
            let name = wasOutput ? owner.qualifiedName
                : data.storage.lastInPlaceNode ?? origin.flatMap { $0 is AccumulateGrad ? nil : $0.qualifiedName }
            throw TorchError(AutogradMessages.modifiedInPlace(
                data, producedBy: name, outputNr: Int(outputNr), version: data.storage.version,
                expected: version))
        }
        // An input kept as itself is returned as itself, its history included (as PyTorch's
        // `unpack` returns a saved original).
        guard requiresGrad, ThreadState.withCurrent({ $0.gradEnabled }),
              let edgeNode = wasOutput ? owner : node else { return data }
        let connected = data.detach()
        connected.requiresGrad = true
        connected.gradFn = edgeNode
        connected.outputNr = Int(outputNr)
        return connected
    }

    /// Whether the node this saved tensor keeps (an input's) is none or a leaf's accumulator.
    var leadsOnlyToLeaves: Bool {
        if isOriginal, let data { return data.gradFn == nil }
        return node == nil || node is AccumulateGrad
    }

    /// Keeps an alias of `t` instead of `t` itself, if this slot holds `t`: its history has
    /// just been replaced (`Tensor.historyReplaced(from:)`), and `former` is the node that made
    /// it when it was saved. The alias is what the saved data was, and stays stale (its
    /// version moved on), so unpacking it still fails with PyTorch's in-place error.
    mutating func keepAlias(of t: Tensor, former: Node?) {
        // A view kept as itself keeps its base too (a view that does not require grad).
        guard isOriginal, let data, data === t || data.viewBase === t else { return }
        self.data = data.detach()
        node = requiresGrad ? (former ?? t.gradAccumulator()) : nil
        isOriginal = false
    }

    /// Frees the data after a backward pass that did not retain the graph.
    mutating func release(into stack: inout [Node]) {
        data = nil
        // Only a node this saved tensor alone keeps alive needs the iterative teardown; it is
        // moved to the stack with this slot's reference (a copy was a retain and a release).
        guard var taken = node.take() else { return }
        if isKnownUniquelyReferenced(&taken) { stack.append(taken) }
    }
}

// MARK: - Making saved tensors

/// The factories build every value with the memberwise initializer, out of line (this
/// extension keeps it: an initializer in the struct's body would remove it).
///
/// Written as initializers assigning `self` field by field, the value was built twice on the
/// stack and then copied and destroyed through its value witnesses (an outlined copy, a
/// destroy, a retain and a release: ~165 instructions per saved tensor, three per
/// scalar-chain step), inlined or not; returned from a call, the memberwise value comes back
/// in registers and goes straight into its slot (`SavedTensors.append`).
extension SavedTensor {
    /// Input `t` kept as itself.
    @inline(never)
    private static func original(_ t: Tensor) -> SavedTensor {
        if !t.isSavedAsInput { t.isSavedAsInput = true }
        return SavedTensor(data: t, version: t.storage.version, outputNr: Int32(truncatingIfNeeded: t.outputNr),
                           requiresGrad: t.requiresGrad, wasOutput: false, isOriginal: true)
    }

    /// An alias of input `t` (see `input(_:aliased:)`), apart from the usual case.
    @inline(never)
    private static func alias(of t: Tensor) -> SavedTensor {
        SavedTensor(data: t.detach(), node: t.requiresGrad ? t.gradFn ?? t.gradAccumulator() : nil,
                    version: t.storage.version, outputNr: Int32(truncatingIfNeeded: t.outputNr),
                    requiresGrad: t.requiresGrad, wasOutput: false, isOriginal: false)
    }

    /// Saves the output of the node that holds this saved tensor (borrowed: only an alias of
    /// it is kept).
    @inline(never)
    static func output(_ t: borrowing Tensor) -> SavedTensor {
        SavedTensor(data: t.detach(), version: t.storage.version, outputNr: Int32(truncatingIfNeeded: t.outputNr),
                    requiresGrad: true, wasOutput: true, isOriginal: false)
    }
}

extension Tensor {
    /// This tensor kept as an input of the op whose output is at `output` (an object
    /// address: `===` on a borrowed output crashed Swift 6.3.1's MoveOnlyTypeEliminator),
    /// for `OpNode.init` (lent by `OpInputs.withOperand`).
    @inline(__always)
    func savedAsInput(output: UnsafeMutableRawPointer) -> SavedTensor {
        SavedTensor.input(self, aliased: Unmanaged.passUnretained(self).toOpaque() == output)
    }

    /// Lets go of this tensor wherever a node kept it as a saved input, after its history was
    /// replaced: `former` is its `gradFn` before (nil if it had none).
    ///
    /// Held as itself, it would now close a cycle if its new history reaches a node that saved
    /// it (`t:add_(t:sin())`: t → AddBackward → SinBackward → t). Those nodes keep an alias
    /// instead. Only nodes deeper than `former` can have saved it (they came after it, see
    /// `Node.depth`), so the walk stops there: its cost is the part of the new history made
    /// since the tensor, paid only by in-place ops on tensors some node saved.
    func historyReplaced(from former: Node?) {
        guard isSavedAsInput, let start = gradFn else { return }
        keepAliases(reachableFrom: start, above: former?.depth ?? 0, former: former)
    }

    /// Lets go of this tensor wherever a node of `attached`'s history kept it as a saved input:
    /// this tensor has just taken `attached` as its `.grad` or tangent, which made with a graph
    /// (`create_graph`, forward mode under grad mode) could lead back to it.
    func laterTensorAttached(_ attached: Tensor?) {
        guard let start = attached?.gradFn else { return }
        keepAliases(reachableFrom: start, above: gradFn?.depth ?? 0, former: gradFn)
    }

    /// The walk of `historyReplaced`: every node reachable from `start` deeper than `floor`.
    private func keepAliases(reachableFrom start: Node, above floor: Int, former: Node?) {
        var stack: [Node] = [start]
        var seen = Set<ObjectIdentifier>()
        while let node = stack.popLast() {
            guard node.depth > floor, seen.insert(ObjectIdentifier(node)).inserted else { continue }
            (node as? OpNode)?.saved.keepAlias(of: self, former: former)
            for i in 0..<node.edges.count { if let next = node.edges.node(i) { stack.append(next) } }
        }
    }
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

    mutating func append(_ saved: consuming SavedTensor) {
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

    /// Keeps an alias of `t` wherever these slots hold `t` itself (see `SavedTensor.keepAlias`).
    mutating func keepAlias(of t: Tensor, former: Node?) {
        if count > 0 { first!.keepAlias(of: t, former: former) }
        if count > 1 { second!.keepAlias(of: t, former: former) }
        for i in rest.indices { rest[i].keepAlias(of: t, former: former) }
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
