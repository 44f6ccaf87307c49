/// Loss functions with their own backward, as PyTorch records them (`MseLossBackward0`,
/// `NllLossBackward0`, ...), and `cross_entropy_loss`, composed of `log_softmax` and
/// `nll_loss` as PyTorch composes it. `reduction` is PyTorch's enum (0 none, 1 mean, 2 sum);
/// `torch.nn.functional` turns the strings into it.
///
/// Class labels are 0-based here, like every position in the engine; the Lua binding reads
/// them 1-based (`ParamKind.labels`) and messages show them as scripts wrote them.
extension Ops {
    /// `reduction`: 1 (mean) unless given.
    static let reductionParam = Param("reduction", .int, default: .int(1))

    // MARK: - Mean squared error

    static let mseLoss = Op(
        "mse_loss", Signature(["mse_loss"], .nn, [.tensor(), .tensor("target"), reductionParam]),
        doc: "The squared differences of `input` and `target` (broadcast), reduced by `reduction` (0 none, 1 mean, 2 sum).",
        gradFn: "MseLossBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])], [.int(1)]),
                  OpSample([.tensor([3]), .tensor([3])], [.int(2)]),
                  OpSample([.tensor([2, 2]), .tensor([2])], [.int(0)])],
        forward: { call in
            try withNoGrad {
                try call.inputs[0].sub(call.inputs[1]).square().reduced(call.int("reduction"))
            }
        },
        backward: { ctx in
            // mse_loss_backward: 2 (input - target) grad, / numel for the mean.
            let diff = try ctx.saved(0).sub(ctx.saved(1))
            let reduction = try ctx.int("reduction")
            let norm = reduction == 1 ? 2 / Double(Swift.max(diff.numel, 1)) : 2
            let g = try diff.mul(ctx.grad).mul(Tensor.number(norm))
            return [ctx.needsGrad(0) ? g : nil, ctx.needsGrad(1) ? try g.neg() : nil]
        })

    // MARK: - Negative log likelihood

    /// `nll_loss(input, target, weight, reduction, ignore_index)` for an input of shape (C) or
    /// (N, C): minus the input at each sample's class, times the class weight.
    static let nllLoss = Op(
        "nll_loss", Signature(["nll_loss"], .nn, [
            .tensor(), Param("target", .labels), Param("weight", .tensor, default: .absent),
            reductionParam, Param("ignore_index", .label, default: .absent),
        ]),
        doc: "Minus `input[i, target[i]]` (times `weight` of that class), reduced by `reduction`; targets equal to `ignore_index` count for nothing.",
        gradFn: "NllLossBackward0", saves: [.aux(0)],
        samples: [OpSample([.tensor([3, 4]), .indices([3], bound: 4)], [.absent, .int(1), .absent]),
                  OpSample([.tensor([3, 4]), .indices([3], bound: 4), .constant([4])], [.bool(true), .int(1), .absent]),
                  OpSample([.tensor([3, 4]), .indices([3], bound: 4)], [.absent, .int(0), .int(3)]),
                  OpSample([.tensor([4]), .indices([], bound: 4)], [.absent, .int(2), .absent])],
        forward: { call in
            let weight = call.isGiven("weight") ? call.inputs[2] : nil
            let (loss, coefficients) = try Tensor.nllLoss(
                call.inputs[0], target: call.inputs[1], weight: weight,
                reduction: call.int("reduction"), ignoreIndex: call.optionalInt("ignore_index").map(Int64.init))
            call.aux = [coefficients]
            return loss
        },
        backward: { ctx in
            // The gradient is linear in `grad`: the coefficients of the forward, times grad.
            let c = try ctx.saved(0)
            let g = ctx.grad.ndim == 1 ? try ctx.grad.unsqueeze(1) : ctx.grad
            return [ctx.needsGrad(0) ? try c.mul(g) : nil, nil, nil]
        })

    // MARK: - Cross entropy

    /// `torch._C._nn.cross_entropy_loss`: `log_softmax` over the class dim, then `nll_loss` for
    /// class labels or `-(log_probs * target)` summed for class probabilities, with PyTorch's
    /// label smoothing. Composed of table ops, so it records what PyTorch records.
    static let crossEntropyLoss = Op(
        "cross_entropy_loss", Signature(["cross_entropy_loss"], .nn, [
            .tensor(), Param("target", .labels), Param("weight", .tensor, default: .absent),
            reductionParam, Param("ignore_index", .label, default: .absent),
            Param("label_smoothing", .double, default: .double(0)),
        ]),
        doc: "`nll_loss(log_softmax(input, class dim), target)` for class labels, or the cross entropy with class probabilities in `target`; `label_smoothing` mixes in the uniform distribution.",
        samples: [OpSample([.tensor([3, 4]), .indices([3], bound: 4)], [.absent, .int(1), .absent, .double(0)]),
                  OpSample([.tensor([3, 4]), .indices([3], bound: 4)], [.absent, .int(1), .absent, .double(0.2)]),
                  OpSample([.tensor([3, 4]), .constant([3, 4])], [.absent, .int(1), .absent, .double(0)])],
        forward: { call in
            let input = call.inputs[0], target = call.inputs[1]
            let weight = call.isGiven("weight") ? call.inputs[2] : nil
            return try Tensor.crossEntropy(
                input, target: target, weight: weight, reduction: call.int("reduction"),
                ignoreIndex: call.optionalInt("ignore_index").map(Int64.init),
                labelSmoothing: call.double("label_smoothing"))
        })
}

// MARK: - Reductions

extension Tensor {
    /// PyTorch's `apply_loss_reduction`: 0 keeps the elements, 1 is the mean, 2 the sum.
    func reduced(_ reduction: Int) throws -> Tensor {
        switch reduction {
        case 0: return self
        case 1: return try mean()
        case 2: return try sum()
        default: throw TorchError("\(reduction) is not a valid value for reduction")
        }
    }
}

// MARK: - Kernels

extension Tensor {
    /// `nll_loss` and the gradient coefficients of its input (`d loss / d input` for a grad of 1:
    /// `-weight[t] / total weight` at each sample's class for the mean).
    static func nllLoss(_ input: Tensor, target: Tensor, weight: Tensor?, reduction: Int,
                        ignoreIndex: Int64?) throws -> (Tensor, Tensor) {
        guard input.ndim == 1 || input.ndim == 2 else {
            throw TorchError("input tensor should be 1D or 2D")
        }
        guard target.dtype == .int64 else {
            throw TorchError("expected target dtype to be Long or Byte, but got \(target.dtype.scalarTypeName)")
        }
        guard target.ndim <= 1 else {
            throw TorchError("0D or 1D target tensor expected, multi-target not supported")
        }
        let batched = input.ndim == 2
        let rows = batched ? input.shape[0] : 1, classes = input.shape[input.ndim - 1]
        guard batched ? target.ndim == 1 && target.shape[0] == rows : target.ndim == 0 else {
            if batched {
                throw TorchError("Expected input batch_size (\(rows)) to match target batch_size (\(target.ndim == 0 ? 1 : target.shape[0])).")
            }
            throw TorchError("1D target tensor expected, multi-target not supported")
        }
        if let weight, weight.numel != classes {
            throw TorchError("weight tensor should be defined either for all \(classes) classes or no classes but got weight tensor of shape: \(Shapes.format(weight.shape))")
        }
        guard reduction >= 0 && reduction <= 2 else { throw TorchError("\(reduction) is not a valid value for reduction") }
        let x = try input.detach().contiguous(), w = try weight?.detach().converted(to: .float64).contiguous()
        let base = Int64(ThreadState.current.indexBase)
        var losses = [Double](repeating: 0, count: rows)
        var weights = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            let t = target.integerElement(i)
            if t == ignoreIndex { continue }
            guard t >= 0 && t < Int64(classes) else { throw TorchError("Target \(t + base) is out of bounds.") }
            let wi = w.map { $0.element(Int(t)) } ?? 1
            weights[i] = wi
            losses[i] = -wi * x.element(i * classes + Int(t))
        }
        let totalWeight = weights.reduce(0, +)
        var coefficients = [Double](repeating: 0, count: rows * classes)
        for i in 0..<rows where weights[i] != 0 {
            let t = Int(target.integerElement(i))
            coefficients[i * classes + t] = reduction == 1 ? -weights[i] / totalWeight : -weights[i]
        }
        let loss: Tensor
        switch reduction {
        case 0: loss = try Tensor(losses, shape: batched ? [rows] : []).converted(to: input.dtype)
        case 2: loss = try Tensor.scalar(losses.reduce(0, +), dtype: input.dtype)
        default: loss = try Tensor.scalar(losses.reduce(0, +) / totalWeight, dtype: input.dtype)
        }
        let c = try Tensor(coefficients, shape: input.shape).converted(to: input.dtype)
        return (loss, c)
    }

    /// `cross_entropy_loss` composed of table ops (see `Ops.crossEntropyLoss`).
    static func crossEntropy(_ input: Tensor, target: Tensor, weight: Tensor?, reduction: Int,
                             ignoreIndex: Int64?, labelSmoothing: Double) throws -> Tensor {
        guard input.ndim >= 1 else { throw TorchError("Expected input to have at least 1 dimension, got 0") }
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
            throw TorchError("label_smoothing must be between 0.0 and 1.0. Got: \(cppFormat(labelSmoothing))")
        }
        let classDim = input.ndim == 1 ? 0 : 1
        let classes = input.shape[classDim]
        let logProbs = try Ops.logSoftmax.apply(input, [.int(classDim), .absent])
        if target.dtype.isFloatingPoint {
            guard target.shape == input.shape else {
                throw TorchError("Expected target size \(Shapes.format(input.shape)), got \(Shapes.format(target.shape))")
            }
            var t = target
            if labelSmoothing > 0 {
                t = try t.mul(Tensor.number(1 - labelSmoothing)).add(Tensor.number(labelSmoothing / Double(classes)))
            }
            var terms = try logProbs.mul(t)
            if let weight {
                var shape = [Int](repeating: 1, count: input.ndim)
                shape[classDim] = classes
                terms = try terms.mul(weight.reshape(shape))
            }
            switch reduction {
            case 0: return try terms.sum(dims: [classDim]).neg()
            case 2: return try terms.sum().neg()
            default:
                return try Ops.divScalar.apply(terms.sum().neg(), Tensor.number(Double(input.numel / Swift.max(classes, 1))))
            }
        }
        let nllArgs: [Arg] = [weight == nil ? .absent : .bool(true), .int(reduction), ignoreIndex.map { .int(Int($0)) } ?? .absent]
        let nllInputs = [logProbs, target] + (weight.map { [$0] } ?? [])
        let nll = try Ops.nllLoss.apply(nllInputs, nllArgs)
        guard labelSmoothing > 0 else { return nll }
        // PyTorch's cross_entropy_loss_label_smoothing.
        let ignored = try ignoreIndex.map { try target.eq(Tensor.number(Int($0))) }
        var smooth: Tensor
        if let weight {
            var shape = [Int](repeating: 1, count: input.ndim)
            shape[classDim] = classes
            smooth = try logProbs.mul(weight.reshape(shape)).sum(dims: [classDim]).neg()
        } else {
            smooth = try logProbs.sum(dims: [classDim]).neg()
        }
        if let ignored { smooth = try smooth.masked(where: ignored) }
        let reducedSmooth: Tensor
        switch reduction {
        case 0: reducedSmooth = smooth
        case 2: reducedSmooth = try smooth.sum()
        default:
            // Normalised like nll_loss: by the weight of the samples not ignored.
            var total = 0.0
            for i in 0..<target.numel where target.integerElement(i) != ignoreIndex {
                total += weight.map { $0.element(Int(target.integerElement(i))) } ?? 1
            }
            reducedSmooth = try smooth.sum().div(Tensor.number(total))
        }
        return try nll.mul(Tensor.number(1 - labelSmoothing))
            .add(reducedSmooth.mul(Tensor.number(labelSmoothing / Double(classes))))
    }
}
