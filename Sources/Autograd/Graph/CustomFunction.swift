/// User-defined differentiable functions (`torch.autograd.Function`), from Swift or a script.
///
/// The forward runs without recording; its outputs are then attached to one `CustomNode`
/// whose backward is the user's function.
public enum CustomFunction {
    /// Runs `forward` on `inputs` without recording, then makes its outputs differentiable
    /// through `backward` (which receives one gradient per output and returns one per input).
    ///
    /// `nonDifferentiable` lists outputs (by position) that never require grad.
    public static func apply(name: String, inputs: [Tensor],
                             forward: ([Tensor]) throws -> [Tensor],
                             nonDifferentiable: Set<Int> = [],
                             backward: @escaping ([Tensor?]) throws -> [Tensor?],
                             onRelease: @escaping () -> Void = {}) throws -> [Tensor] {
        let outputs = try withNoGrad { try forward(inputs) }
        try attach(name: name, inputs: inputs, outputs: outputs, nonDifferentiable: nonDifferentiable,
                   backward: backward, onRelease: onRelease)
        return outputs
    }

    /// Attaches already computed `outputs` to a new node over `inputs` (the script binding
    /// runs the forward itself, then calls this).
    public static func attach(name: String, inputs: [Tensor], outputs: [Tensor],
                              nonDifferentiable: Set<Int> = [],
                              backward: @escaping ([Tensor?]) throws -> [Tensor?],
                              onRelease: @escaping () -> Void = {}) throws {
        guard ThreadState.current.gradEnabled, inputs.contains(where: { $0.requiresGrad }) else {
            onRelease()
            return
        }
        let node = CustomNode(name: name, inputs: inputs, outputs: outputs, backward: backward, onRelease: onRelease)
        for (k, out) in outputs.enumerated() where out.dtype.isFloatingPoint && !nonDifferentiable.contains(k) {
            // An input returned unchanged keeps its own history (the binding clones it first).
            if inputs.contains(where: { $0 === out }) { continue }
            let former = out.gradFn
            out.gradFn = node
            out.outputNr = k
            out.requiresGrad = true
            out.historyReplaced(from: former)
        }
    }
}

/// The node of a custom function: its backward is user code.
final class CustomNode: Node {
    private let nameText: String
    private var body: (([Tensor?]) throws -> [Tensor?])?
    private var onRelease: (() -> Void)?
    private let count: Int
    private let outputShapes: [[Int]]
    private let outputDtypes: [DType]

    init(name: String, inputs: [Tensor], outputs: [Tensor],
         backward: @escaping ([Tensor?]) throws -> [Tensor?], onRelease: @escaping () -> Void) {
        nameText = name
        body = backward
        self.onRelease = onRelease
        count = outputs.count
        outputShapes = outputs.map(\.shape)
        outputDtypes = outputs.map(\.dtype)
        super.init(edges: Edges(inputs.lazy.map(\.edgeOrNone)))
    }

    deinit { onRelease?() }

    override var name: String { nameText }
    override var outputCount: Int { count }

    override func apply(_ grads: inout OutputGrads, context: BackwardRun) throws -> InputGrads {
        guard let body else { throw TorchError(AutogradMessages.savedTensorsFreed) }
        // Missing output gradients arrive as zeros, as PyTorch materializes them.
        var full: [Tensor?] = []
        for k in 0..<count {
            full.append(try (k < grads.count ? grads[k] : nil) ?? Tensor.zeros(outputShapes[k], dtype: outputDtypes[k]))
        }
        let result = try body(full)
        guard result.count >= edges.count || result.count == edges.filter({ $0.node != nil }).count else {
            throw TorchError("function \(nameText) returned an incorrect number of gradients (expected \(edges.count), got \(result.count))")
        }
        return InputGrads(result)
    }

    /// Never: the user's closures may hold anything, a graph included.
    override func leadsOnlyToLeaves() -> Bool { false }

    override func releaseSaved() {
        body = nil
        onRelease?()
        onRelease = nil
    }
}
