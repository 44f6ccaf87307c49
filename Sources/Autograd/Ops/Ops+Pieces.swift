/// Ops that cut a tensor into several results: chunk, split, unbind. All pieces share one
/// graph node (`PiecesNode`), as in PyTorch.
extension Ops {
    // MARK: - Pieces (several results)

    static let chunk = Op(
        "chunk", Signature(["chunk"], [.tensor(), Param("chunks", .int), Param("dim", .dim, default: .int(0))]),
        doc: "Up to `chunks` views of equal size along `dim` (the last may be smaller), as several results.",
        gradFn: "SplitBackward0", extraOutputs: variadicOutputs,
        samples: [OpSample([.tensor([5, 2])], [.int(2), .int(0)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.ndim > 0 else { throw TorchError("chunk expects at least a 1-dimensional tensor") }
            let chunks = try call.int("chunks")
            guard chunks > 0 else { throw TorchError("chunk expects `chunks` to be greater than 0, got: \(chunks)") }
            // Every piece is a result; more than a script could ever take is refused up front.
            guard chunks <= Ops.maxPieces else {
                throw TorchError("chunk: \(chunks) pieces are more than the \(Ops.maxPieces) a call can return")
            }
            let d = try Shapes.wrapDim(call.int("dim"), x.ndim)
            let size = x.shape[d]
            if size == 0 {
                // PyTorch gives `chunks` empty pieces here, through split_with_sizes.
                return try x.pieces(call: &call, dim: d, lengths: [Int](repeating: 0, count: chunks), node: "SplitWithSizesBackward0")
            }
            let step = (size - 1) / chunks + 1
            return try x.pieces(call: &call, dim: d, lengths: try splitLengths(size, step), node: "SplitBackward0")
        })

    static let split = Op(
        "split", Signature(["split"], [.tensor(), Param("split_size_or_sections", .data), Param("dim", .dim, default: .int(0))]),
        doc: "Views of `split_size` elements along `dim` (the last may be smaller), or of the sizes in a table, as several results.",
        gradFn: "SplitBackward0", extraOutputs: variadicOutputs,
        samples: [OpSample([.tensor([5, 2]), .indices([], bound: 5)], [.int(0)]),
                  OpSample([.tensor([5, 2]), .indices([2], bound: 4)], [.int(0)])],
        forward: { call in
            let x = call.inputs[0], sizes = call.inputs[1]
            guard sizes.dtype == .int64, sizes.ndim <= 1 else {
                throw TorchError("split(): argument 'split_size_or_sections' must be an integer or a table of integers, not a \(sizes.ndim > 1 ? "nested table" : sizes.dtype.description) value")
            }
            let d = x.ndim > 0 ? try Shapes.wrapDim(call.int("dim"), x.ndim) : 0
            if sizes.ndim == 0 {
                guard x.ndim > 0 else { throw TorchError("split expects at least a 1-dimensional tensor") }
                let step = Int(sizes.integerElement(0))
                let size = x.shape[d]
                guard step >= 0 else { throw TorchError("split expects split_size be non-negative, but got split_size=\(step)") }
                guard step > 0 || size == 0 else {
                    throw TorchError("split_size can only be 0 if dimension size is 0, but got dimension size of \(size)")
                }
                return try x.pieces(call: &call, dim: d, lengths: step == 0 ? [0] : splitLengths(size, step), node: "SplitBackward0")
            }
            guard x.ndim > 0 else { throw TorchError("split_with_sizes expects at least a 1-dimensional tensor") }
            let lengths = (0..<sizes.numel).map { Int(sizes.integerElement($0)) }
            guard lengths.allSatisfy({ $0 >= 0 }) else {
                throw TorchError("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=\(Shapes.format(lengths))")
            }
            var total = 0
            for n in lengths {
                let (sum, overflow) = total.addingReportingOverflow(n)
                total = overflow ? Int.max : sum
            }
            guard total == x.shape[d] else {
                throw TorchError("split_with_sizes expects split_sizes to sum exactly to \(x.shape[d]) (input tensor's size at dimension \(ThreadState.userPosition(d))), but got split_sizes=\(Shapes.format(lengths))")
            }
            return try x.pieces(call: &call, dim: d, lengths: lengths, node: "SplitWithSizesBackward0")
        })

    static let unbind = Op(
        "unbind", Signature(["unbind"], [.tensor(), Param("dim", .dim, default: .int(0))]),
        doc: "Every slice along `dim` (that dim removed), as several results.",
        gradFn: "UnbindBackward0", extraOutputs: variadicOutputs,
        samples: [OpSample([.tensor([3, 2])], [.int(1)])],
        forward: { call in
            let x = call.inputs[0], dim = try call.int("dim")
            guard x.ndim > 0 else {
                throw TorchError("Dimension specified as \(ThreadState.userPosition(dim)) but tensor has no dimensions")
            }
            let d = try Shapes.wrapDim(dim, x.ndim)
            return try x.pieces(call: &call, dim: d, lengths: [Int](repeating: 1, count: x.shape[d]), node: "UnbindBackward0", squeeze: true)
        })

    /// `extraOutputs` of ops whose number of results depends on the call: every tensor the
    /// forward pass leaves in `OpCall.aux` is a result (`applyAll` takes a prefix of aux).
    static let variadicOutputs = Int.max

    /// The most pieces `split`, `chunk` and `unbind` return (each is a result value).
    static let maxPieces = 1 << 20

    /// The lengths of consecutive pieces of `step` elements covering `size` (at least one piece).
    private static func splitLengths(_ size: Int, _ step: Int) throws -> [Int] {
        // `size / step` rounded up, without overflowing for huge steps.
        let count = Swift.max(size / step + (size % step == 0 ? 0 : 1), 1)
        guard count <= maxPieces else {
            throw TorchError("split: \(count) pieces are more than the \(maxPieces) a call can return")
        }
        return (0..<count).map { Swift.min(step, size - $0 * step) }
    }
}

// MARK: - The node shared by the pieces of split, chunk and unbind

/// One graph node for all pieces of a `split`/`chunk`/`unbind`, as PyTorch records
/// (`SplitBackward0`): piece `k` is output `k`, and the input's gradient is the pieces'
/// gradients joined back (zeros for pieces that got none).
final class PiecesNode: Node {
    private let nodeName: String
    private let inputShape: [Int]
    private let dtype: DType
    private let dim: Int
    private let lengths: [Int]
    /// Whether the pieces lost `dim` (`unbind`).
    private let squeezed: Bool

    init(_ name: String, input: Edge, dim: Int, lengths: [Int], squeezed: Bool) {
        nodeName = name
        inputShape = input.shape
        dtype = input.dtype
        self.dim = dim
        self.lengths = lengths
        self.squeezed = squeezed
        super.init(edges: Edges(CollectionOfOne(input)))
    }

    override var name: String { nodeName }
    override var outputCount: Int { lengths.count }

    override func apply(_ grads: inout OutputGrads, context: BackwardRun) throws -> InputGrads {
        var parts: [Tensor] = []
        for (k, length) in lengths.enumerated() {
            if k < grads.count, let g = grads[k] {
                parts.append(squeezed ? try g.unsqueeze(dim) : g)
            } else {
                var shape = inputShape
                shape[dim] = length
                parts.append(try Tensor.zeros(shape, dtype: dtype))
            }
        }
        return [try Tensor.cat(parts, dim: dim)]
    }
}

// MARK: - Recording the pieces

extension Tensor {
    /// Splits this tensor into views along `d`, leaves all but the first in `call.aux` and
    /// records one `PiecesNode` for them all when gradients are needed.
    fileprivate func pieces(call: inout OpCall, dim d: Int, lengths: [Int], node name: String,
                            squeeze: Bool = false) throws -> Tensor {
        guard !lengths.isEmpty else {
            throw TorchError("\(name.hasPrefix("Unbind") ? "unbind" : "split")(): the result would hold no tensors, which LuaGrad cannot return")
        }
        var views: [Tensor] = []
        var start = 0
        for length in lengths {
            var shape = self.shape, strides = self.strides
            if squeeze {
                shape.remove(at: d)
                strides.remove(at: d)
            } else {
                shape[d] = length
            }
            views.append(view(shape: shape, strides: strides, offset: offset + (length == 0 ? 0 : start * self.strides[d])))
            start += length
        }
        if requiresGrad, dtype.isFloatingPoint, ThreadState.current.gradEnabled, let edge = gradientEdge() {
            let node = PiecesNode(name, input: edge, dim: d, lengths: lengths, squeezed: squeeze)
            for (k, piece) in views.enumerated() {
                piece.gradFn = node
                piece.outputNr = k
                piece.requiresGrad = true
            }
        }
        call.aux = Array(views.dropFirst())
        return views[0]
    }
}
