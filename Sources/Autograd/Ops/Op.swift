/// One entry of the op table: everything LuaGrad knows about an operation, declared once.
///
/// The forward kernel, the backward formula, PyTorch's grad_fn name, the Lua names, the
/// signature and the doc line live together; Swift methods, Lua bindings, the reference docs
/// and the gradcheck test are all driven from these values (see `OpTable`).
///
/// Ops are constants of the table (`Ops.mul`, ...), alive for the whole process: graph nodes
/// refer to theirs without retaining it.
public final class Op: Sendable {
    /// The canonical (PyTorch) name: `mul`.
    public let name: String
    /// How scripts reach the op and what arguments it takes.
    public let signature: Signature
    /// One line for `help()` and the reference docs.
    public let doc: String
    /// PyTorch's grad_fn class name (`MulBackward0`); nil for ops that are not differentiable.
    public let gradFnName: String?
    /// PyTorch's grad_fn name when it depends on the overload called (`SumBackward1` for
    /// `sum(dim)`); nil when `gradFnName` always applies.
    let gradFnOverload: GradFnOverload?
    /// For `GradFnOverload.argumentGiven`, the argument's position (-1 otherwise).
    let gradFnOverloadPosition: Int
    /// What the backward formula needs kept from the forward pass.
    let saves: [SaveSlot]
    /// Whether nodes record which inputs were column-major matrices, for a formula that
    /// lays a gradient out as its input was (`BackwardContext.inputWasColumnMajor`).
    let keepsInputLayouts: Bool
    let forward: @Sendable (inout OpCall) throws -> Tensor
    let backward: (@Sendable (BackwardContext) throws -> InputGrads)?
    /// For in-place forms (`add_`): the out-of-place op whose result is written back.
    public let inPlaceBase: Op?
    /// How many non-differentiable results follow the main one (`max(x, dim)` also returns
    /// indices): the forward kernel leaves them first in `OpCall.aux`.
    public let extraOutputs: Int
    /// Inputs on which the table-driven test checks the backward formula against finite
    /// differences (and the forward against PyTorch).
    public let samples: [OpSample]
    /// The names of the non-tensor parameters, in the order their arguments come in
    /// `OpCall.args` (what `OpArguments` looks names up in).
    let argumentNames: [String]
    /// Their declared defaults, `.absent` for required parameters.
    let argumentDefaults: [Arg]
    /// Whether every parameter is a positional tensor operand (`Signature.takesOnlyOperands`),
    /// and whether the op gives scripts a boolean: the binding asks both on every call, so
    /// they are worked out once here.
    public let takesOnlyOperands: Bool
    public let returnsBoolean: Bool

    /// Declares an op (differentiable when it has a backward formula).
    init(_ name: String, _ signature: Signature, doc: String, gradFn: String? = nil,
         gradFnOverload: GradFnOverload? = nil, saves: [SaveSlot] = [],
         keepsInputLayouts: Bool = false, extraOutputs: Int = 0, samples: [OpSample] = [],
         forward: @escaping @Sendable (inout OpCall) throws -> Tensor,
         backward: (@Sendable (BackwardContext) throws -> InputGrads)? = nil) {
        self.name = name
        self.signature = signature
        self.doc = doc
        self.gradFnName = gradFn
        self.gradFnOverload = gradFnOverload
        self.saves = saves
        self.keepsInputLayouts = keepsInputLayouts
        self.forward = forward
        self.backward = backward
        self.inPlaceBase = nil
        self.extraOutputs = extraOutputs
        self.samples = samples
        (argumentNames, argumentDefaults) = Op.arguments(of: signature)
        gradFnOverloadPosition = gradFnOverload?.position(among: argumentNames) ?? -1
        takesOnlyOperands = signature.takesOnlyOperands
        returnsBoolean = signature.returns == "boolean"
    }

    /// Declares the in-place form of `base` (`add_` of `add`): the same kernel and formula,
    /// with the result written into the first input.
    init(inPlace name: String, of base: Op, _ signature: Signature, doc: String) {
        self.name = name
        self.signature = signature
        self.doc = doc
        self.gradFnName = base.gradFnName
        self.gradFnOverload = base.gradFnOverload
        self.saves = base.saves
        self.keepsInputLayouts = base.keepsInputLayouts
        self.forward = base.forward
        self.backward = base.backward
        self.inPlaceBase = base
        self.extraOutputs = 0
        self.samples = []
        (argumentNames, argumentDefaults) = Op.arguments(of: signature)
        gradFnOverloadPosition = gradFnOverload?.position(among: argumentNames) ?? -1
        takesOnlyOperands = signature.takesOnlyOperands
        returnsBoolean = signature.returns == "boolean"
    }

    /// The non-tensor parameters of `signature`: their names and defaults.
    private static func arguments(of signature: Signature) -> ([String], [Arg]) {
        // An optional tensor also leaves a marker among the arguments (`.bool(true)` when
        // given), so an op with several (`weight`, `pos_weight`) can ask `isGiven("weight")`.
        let params = signature.params.filter { param in
            if case .tensor = param.kind, param.defaultValue != nil { return true }
            return !param.kind.isTensorInput
        }
        return (params.map(\.name), params.map { $0.defaultValue ?? .absent })
    }

    /// The position of parameter `name` (`length` UTF-8 bytes long) among the arguments, -1 for
    /// none.
    ///
    /// A method, out of line, so that the op's name list is read in place: inlined into each
    /// op's argument reads, the list was retained and released around the search, and the
    /// defaults' list too (a pair of each per `a + b`).
    @inline(never)
    func argumentPosition(of name: String, length: Int) -> Int {
        // Lengths first: `==` on two different short strings calls the standard library's
        // general comparison, tens of instructions per name tried.
        for k in argumentNames.indices where argumentNames[k].utf8.count == length && argumentNames[k] == name {
            return k
        }
        return -1
    }

    /// Whether the op records a graph node when its inputs require grad.
    public var isDifferentiable: Bool { backward != nil }

    // MARK: - Running

    /// Runs the op on `inputs` and `args`, recording a graph node when gradients are needed.
    public func apply(_ inputs: [Tensor], _ args: [Arg] = []) throws -> Tensor {
        try apply(OpInputs(inputs), args)
    }

    /// Runs the op on one tensor operand (no array: the per-op path of unary ops).
    public func apply(_ input: consuming Tensor, _ args: consuming [Arg] = []) throws -> Tensor {
        try apply(OpInputs(input), args)
    }

    /// Runs the op on two tensor operands (no array: the per-op path of binary ops).
    public func apply(_ a: consuming Tensor, _ b: consuming Tensor, _ args: consuming [Arg] = []) throws -> Tensor {
        try apply(OpInputs(a, b), args)
    }

    /// Runs the op on `inputs` and `args`.
    ///
    /// The operands and arguments are taken over (`consuming`): borrowed, they were copied
    /// into the call, a retain of each and a release of each again at the caller, per op.
    public func apply(_ inputs: consuming OpInputs, _ args: consuming [Arg] = []) throws -> Tensor {
        var call = OpCall(op: self, inputs: inputs, args: args)
        return try run(&call)
    }

    /// Runs the op and returns its main result followed by its extra outputs.
    public func applyAll(_ inputs: [Tensor], _ args: [Arg] = []) throws -> [Tensor] {
        try applyAll(OpInputs(inputs), args)
    }

    /// Runs the op and returns its main result followed by its extra outputs.
    public func applyAll(_ inputs: consuming OpInputs, _ args: consuming [Arg] = []) throws -> [Tensor] {
        var call = OpCall(op: self, inputs: inputs, args: args)
        let output = try run(&call)
        return [output] + call.aux.prefix(extraOutputs)
    }

    private func run(_ call: inout OpCall) throws -> Tensor {
        if let inPlaceBase {
            return try call.inputs[0].applyInPlace(inPlaceBase, call.inputs.allButFirst, call.args)
        }
        let output = try forward(&call)
        // The thread's modes are read first, outside any closure: a closure over `call`
        // copied it (a retain and a release of each of its references per op).
        let (gradEnabled, dual, anomaly) = ThreadState.withCurrent {
            ($0.gradEnabled, $0.dualLevel > 0, $0.detectAnomaly)
        }
        if gradEnabled, backward != nil, output.dtype.isFloatingPoint, call.inputs.anyRequiresGrad {
            // Named before the arguments move (the overloads read them: `sum(dim)`); they move
            // into the node unless forward mode reads them below. Copied, the array was
            // retained for the node and released again when the call ended, per recorded op.
            // Only an overload that reads the operands is decided now; one that depends on an
            // argument is decided from the node's arguments when the name is read.
            var overloadName: String? = nil
            if case .custom(let overload)? = gradFnOverload { overloadName = withUnsafePointer(to: &call) { overload($0) } }
            let args = dual ? call.args : call.takeArgs()
            let node = OpNode(op: self, call: call, args: args, overloadName: overloadName, output: output)
            if anomaly { node.forwardTrace = ThreadState.current.scriptTraceback?() }
            output.outputNr = 0
            output.requiresGrad = true
            // Handed over: the node's one reference is the output's (a closure over it, as the
            // anomaly check was, kept a second one alive to the end of this scope).
            output.gradFn = consume node
        }
        if dual { try ForwardAD.propagate(self, call, output: output) }
        return output
    }
}

/// The arguments of one op invocation.
public struct OpCall {
    /// The op being run (a table constant, alive for the whole process).
    public unowned(unsafe) let op: Op
    /// Tensor operands, in signature order (numbers given for tensors arrive wrapped as 0-d).
    public var inputs: OpInputs
    /// Non-tensor arguments, in signature order.
    public var args: [Arg]
    /// Extra tensors the forward kernel computes for the backward formula (`SaveSlot.aux`).
    public var aux: [Tensor] = []

    /// Moves the arguments out, leaving none: a copy and a later reset were a retain and a
    /// release of the array (a `swap` with an empty array compiled to the same).
    mutating func takeArgs() -> [Arg] {
        withUnsafeMutablePointer(to: &args) { slot in
            let taken = slot.move()
            slot.initialize(to: [])
            return taken
        }
    }
}

/// A non-tensor argument.
public enum Arg: Sendable, Equatable {
    case absent
    case bool(Bool)
    case int(Int)
    case double(Double)
    case ints([Int])
    case dtype(DType)
    case scalar(Scalar)
    case string(String)

    public var int: Int? { if case .int(let v) = self { v } else { nil } }
    public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var ints: [Int]? {
        switch self {
        case .ints(let v): v
        case .int(let v): [v]
        default: nil
        }
    }
    public var double: Double? {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        case .scalar(let s): s.doubleValue
        default: nil
        }
    }
    public var dtype: DType? { if case .dtype(let v) = self { v } else { nil } }
    /// Whether no argument was given.
    public var isAbsent: Bool { if case .absent = self { true } else { false } }
}

/// What a backward formula needs kept from the forward pass.
public enum SaveSlot: Sendable {
    case input(Int)
    /// Input `i`, needed only for the gradient of input `gradOf`: not kept when that input does
    /// not require grad (as PyTorch's generated code saves `self` of `mul` only when `other`
    /// needs its gradient), which spares `y * 0.999` an alias of `y` per op.
    case inputFor(Int, gradOf: Int)
    case output
    case aux(Int)
}

// MARK: - Backward

/// What a backward formula sees: the incoming gradient, saved tensors, arguments and inputs.
public struct BackwardContext {
    /// The gradient of the op's output.
    public let grad: Tensor
    /// The node, unretained: the engine holds it while its formula runs, and the context never
    /// outlives that call. Unmanaged rather than `unowned(unsafe)`, so that the hot reads
    /// (`saved`, `needsGrad`) borrow it: every read of an `unowned(unsafe)` field made a
    /// strong copy, a retain and a release per call, nine of each per scalar-chain step.
    private let unmanagedNode: Unmanaged<OpNode>
    /// The node whose formula this is (a strong reference, for the rarer reads).
    var node: OpNode { unmanagedNode.takeUnretainedValue() }

    /// The non-tensor arguments of the forward call.
    public var args: [Arg] { node.args }

    /// The `i`-th tensor of the op's `saves` list, checked against in-place changes.
    public func saved(_ i: Int) throws -> Tensor {
        let tensor = try unmanagedNode._withUnsafeGuaranteedRef { node in try node.saved.unpack(i, for: node) }
        guard let tensor else {
            throw TorchError("\(node.name) has no saved tensor \(i): the op table declares \(node.saved.count)")
        }
        return tensor
    }

    /// Set when forward mode evaluates the formula: every input wants its gradient.
    var allInputsNeedGrad = false
    /// Whether the engine handed `grad` over: nothing but this context holds the tensor or its
    /// memory, so a formula may write its result into it (`gradUpdated`) instead of allocating.
    let ownsGrad: Bool
    /// The backward pass whose leaves' `.grad` this formula may add into (0: none).
    private let leafGradPass: Int
    /// The node's `needsGradBits`, copied so that `needsGrad` reads no reference at all.
    private let needsGradBits: UInt32

    init(grad: Tensor, node: OpNode, allInputsNeedGrad: Bool = false, ownsGrad: Bool = false,
         leafGradPass: Int = 0) {
        self.grad = grad
        self.unmanagedNode = Unmanaged.passUnretained(node)
        self.allInputsNeedGrad = allInputsNeedGrad
        self.ownsGrad = ownsGrad
        self.leafGradPass = leafGradPass
        self.needsGradBits = node.needsGradBits
    }

    /// Whether input `i` wants a gradient (formulas skip work for the others).
    public func needsGrad(_ i: Int) -> Bool {
        if allInputsNeedGrad { return true }
        if i < 32 { return needsGradBits & (1 << UInt32(i)) != 0 }
        return unmanagedNode._withUnsafeGuaranteedRef { $0.inputNeedsGrad(i) }
    }

    /// Whether inputs `i` and `j` send their gradients to the same place: the same tensor
    /// given twice (`x * x`), so the engine would add the two gradients.
    public func inputsShareGradient(_ i: Int, _ j: Int) -> Bool {
        guard !allInputsNeedGrad, needsGrad(i), needsGrad(j) else { return false }
        // Read in place: copying the two edges retained and released their nodes and shapes,
        // some 100 instructions of every `mul` backward.
        return unmanagedNode._withUnsafeGuaranteedRef { node in
            guard let a = node.edges.unmanagedNode(i), let b = node.edges.unmanagedNode(j),
                  a.toOpaque() == b.toOpaque() else { return false }
            return node.edges.route(i, forShape: []).inputNr == node.edges.route(j, forShape: []).inputNr
        }
    }

    /// The shape of input `i`.
    public func inputShape(_ i: Int) -> [Int] { node.edges[i].shape }

    /// The dtype of input `i`.
    public func inputDtype(_ i: Int) -> DType { node.edges[i].dtype }

    /// Whether input `i` was a column-major matrix when the op ran (`strides[0] == 1` and
    /// `strides[1] == size[0]`: a transposed contiguous one, as `w:t()`). Recorded only for
    /// ops declared with `keepsInputLayouts`; false for the others.
    public func inputWasColumnMajor(_ i: Int) -> Bool { node.inputWasColumnMajor(i) }

    /// The `.grad` of the leaf that input `i` feeds, when the formula may add input `i`'s
    /// gradient into it in place instead of returning it; nil otherwise.
    ///
    /// The engine offers it in a plain `backward` where the leaf's `AccumulateGrad` would
    /// have added the gradient into that `.grad` unchanged (see
    /// `AccumulateGrad.gradDestination`). A formula that takes the offer returns nil for
    /// input `i`: the gradient has arrived, and its product never needs a tensor of its own.
    public func leafGradDestination(_ i: Int) -> Tensor? {
        guard leafGradPass != 0, needsGrad(i),
              let accumulator = node.edges.node(i) as? AccumulateGrad else { return nil }
        return accumulator.gradDestination(pass: leafGradPass)
    }
}

/// The graph node recorded for one application of a table op.
final class OpNode: Node {
    /// Unowned: ops are the table's constants, alive for the whole process (`Op.init` is
    /// internal and only `Ops` statics call it), and a retain and release per recorded op
    /// was measurable.
    unowned(unsafe) let op: Op
    let args: [Arg]
    var saved = SavedTensors()

    /// PyTorch's name for this node when a `GradFnOverload.custom` overload picked it as the
    /// node was recorded (`RemainderBackward1`); nil otherwise (`name` works it out).
    private let overloadName: String?
    /// Bit `i` set when input `i` requires grad (inputs past 32 are looked up in `edges`).
    fileprivate let needsGradBits: UInt32
    /// Bit `i` set when input `i` was a column-major matrix (`Op.keepsInputLayouts` only;
    /// 32 bits each, so the two share the word one used to fill).
    private let columnMajorBits: UInt32

    /// Records `op` applied by `call`; `saveAll` keeps every saved slot (forward mode evaluates
    /// the formula for every input).
    ///
    /// `call` and `output` are borrowed: an initializer takes its arguments owned, which copied
    /// the whole call (every operand and array retained and released again) per recorded op,
    /// and retained the output (kept only as a detached alias).
    convenience init(op: Op, call: borrowing OpCall, output: borrowing Tensor, saveAll: Bool = false) {
        self.init(op: op, call: call, args: call.args,
                  overloadName: op.gradFnOverload?.customName(of: call),
                  output: output, saveAll: saveAll)
    }

    /// Records `op` applied by `call`, keeping `args` (the call's arguments, which `Op.run`
    /// moves out of the call) and `overloadName` (the op's `gradFnOverload` of the call).
    init(op: Op, call: borrowing OpCall, args: consuming [Arg], overloadName: String?,
         output: borrowing Tensor, saveAll: Bool = false) {
        self.op = op
        self.args = args
        self.overloadName = overloadName
        let inputCount = call.inputs.count
        var bits: UInt32 = 0
        for k in 0..<min(inputCount, 32) where call.inputs.requiresGrad(k) { bits |= 1 << UInt32(k) }
        self.needsGradBits = bits
        var layouts: UInt32 = 0
        if op.keepsInputLayouts {
            for k in 0..<min(inputCount, 32) where call.inputs[k].isColumnMajor { layouts |= 1 << UInt32(k) }
        }
        self.columnMajorBits = layouts
        super.init(edges: Edges())
        // Appended in place: an `Edges` built aside was copied into the node and destroyed.
        // The depth comes from the operands' histories as the edges are made: `edges.depthAbove()`
        // on the stored edges copied them (a retain and release of every node and shape in
        // them). A leaf's accumulator (depth 0, no edges) is left out: the walk that depths
        // bound never needs to stop before one.
        var deepest = -1
        for k in 0..<inputCount { edges.append(call.inputs.edge(k, deepest: &deepest)) }
        depth = deepest &+ 1
        let outputAddress = Unmanaged.passUnretained(output).toOpaque()
        let saves = op.saves
        for k in 0..<saves.count {
            switch saves[k] {
            // Each operand lent in place (`withOperand`): read through an optional, the saved
            // tensor was copied through its value witnesses (retains and releases of its fields).
            case .input(let i):
                saved.append(call.inputs.withOperand(i) { $0.savedAsInput(output: outputAddress) })
            case .inputFor(let i, let j) where saveAll || call.inputs.requiresGrad(j):
                saved.append(call.inputs.withOperand(i) { $0.savedAsInput(output: outputAddress) })
            case .inputFor: saved.append(.unneeded)
            case .output: saved.append(SavedTensor.output(output))
            case .aux(let i): saved.append(SavedTensor.input(call.aux[i]))
            }
        }
    }

    override var name: String {
        overloadName ?? op.gradFnOverload?.name(args: args, position: op.gradFnOverloadPosition)
            ?? op.gradFnName ?? op.name
    }

    /// Whether input `i` wants a gradient (its edge leads somewhere): read by formulas for
    /// every input, so kept as bits rather than looked up in the edges.
    @inline(__always) func inputNeedsGrad(_ i: Int) -> Bool {
        i < 32 ? needsGradBits & (1 << UInt32(i)) != 0 : edges[i].node != nil
    }

    /// Whether input `i` was a column-major matrix (see `BackwardContext.inputWasColumnMajor`).
    func inputWasColumnMajor(_ i: Int) -> Bool {
        i < 32 && columnMajorBits & (1 << UInt32(i)) != 0
    }

    override func apply(_ grads: inout OutputGrads, context: BackwardRun) throws -> InputGrads {
        // The op borrowed: read through the `unowned(unsafe)` field, it was retained and
        // released around the read of its formula, per node per pass.
        guard let backward = Unmanaged.passUnretained(op)._withUnsafeGuaranteedRef({ $0.backward }) else { return [] }
        // Moved out of the buffer, not copied, so that a gradient no one else holds is seen as
        // such: the formula may then write its result into it (`BackwardContext.ownsGrad`).
        // The engine runs a node only with a gradient, and an op's node has the one output
        // (`Op.run` gives only its main result a `gradFn`): without one, nothing flows on, as
        // the engine does for a node that got none. (Keeping the output's shape and dtype for a
        // zero gradient here cost a retain and release per recorded op.)
        guard var grad = grads.take(0) else { return [] }
        let owned = !context.createGraph && Tensor.isHandedOver(&grad)
        // Moved into the context: passed as it is, it was retained for the context and released
        // twice after the formula.
        return try backward(BackwardContext(grad: consume grad, node: self, ownsGrad: owned,
                                            leafGradPass: context.leafGradPass))
    }

    override func releaseSaved() {
        guard saved.count > 0 else { return }
        var stack: [Node] = []
        saved.release(into: &stack)
        if !stack.isEmpty { Node.release(&stack) }
    }

    override func takeStrongReferences(into stack: inout [Node]) {
        super.takeStrongReferences(into: &stack)
        saved.release(into: &stack)
    }

    override func leadsOnlyToLeaves() -> Bool {
        super.leadsOnlyToLeaves() && saved.leadOnlyToLeaves()
    }
}
