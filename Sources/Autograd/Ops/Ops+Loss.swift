/// Loss functions with their own backward, as PyTorch records them (`MseLossBackward0`,
/// `HuberLossBackward0`, `NllLossBackward0`, `BinaryCrossEntropyBackward0`, ...), and `cross_entropy_loss`, composed of `log_softmax` and
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

    // MARK: - Huber

    /// `huber_loss(input, target, reduction, delta)`: quadratic within `delta` of the target,
    /// linear beyond.
    static let huberLoss = Op(
        "huber_loss", Signature(["huber_loss"], .nn, [
            .tensor(), .tensor("target"), reductionParam, Param("delta", .double, default: .double(1)),
        ]),
        doc: "0.5 z² where z = |input - target| < `delta`, `delta` (z - 0.5 `delta`) elsewhere, reduced by `reduction`.",
        gradFn: "HuberLossBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])], [.int(1), .double(0.5)]),
                  OpSample([.tensor([4]), .tensor([4])], [.int(2), .double(1)]),
                  OpSample([.tensor([2, 2]), .tensor([2])], [.int(0), .double(0.7)])],
        forward: { call in
            let input = call.inputs[0], delta = try call.double("delta")
            guard input.dtype.isFloatingPoint else { throw TorchError("\"huber_cpu\" not implemented for '\(input.dtype.scalarTypeName)'") }
            guard delta > 0 else { throw TorchError("huber_loss does not support non-positive values for delta.") }
            return try withNoGrad {
                // PyTorch's huber kernel: z < delta ? 0.5 z z : delta (z - 0.5 delta).
                let z = try input.sub(call.inputs[1]).abs()
                let quadratic = try z.mul(z).mul(Tensor.number(0.5))
                let linear = try z.sub(Tensor.number(0.5 * delta)).mul(Tensor.number(delta))
                return try Tensor.where(z.lt(Tensor.number(delta)), quadratic, linear).reduced(call.int("reduction"))
            }
        },
        backward: { ctx in
            // huber_loss_backward: the difference clamped to [-delta, delta], times grad
            // (divided by the element count for the mean).
            let diff = try ctx.saved(0).sub(ctx.saved(1)), delta = try ctx.double("delta")
            let norm = try ctx.int("reduction") == 1 ? 1 / Double(Swift.max(diff.numel, 1)) : 1
            let clamped = try Ops.clampNumbers.apply(diff, [.scalar(.double(-delta)), .scalar(.double(delta))])
            let g = try clamped.mul(ctx.grad).mul(Tensor.number(norm))
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
        gradFn: "NllLossBackward0", saves: [.aux(0), .aux(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([3], bound: 4)], [.absent, .int(1), .absent]),
                  OpSample([.tensor([3, 4]), .indices([3], bound: 4), .constant([4])], [.bool(true), .int(1), .absent]),
                  OpSample([.tensor([3, 4]), .indices([3], bound: 4)], [.absent, .int(0), .int(3)]),
                  OpSample([.tensor([4]), .indices([], bound: 4)], [.absent, .int(2), .absent])],
        forward: { call in
            let weight = call.isGiven("weight") ? call.inputs[2] : nil
            let (loss, coefficients) = try Tensor.nllLoss(
                call.inputs[0], target: call.inputs[1], weight: weight,
                reduction: call.int("reduction"), ignoreIndex: call.optionalInt("ignore_index").map(Int64.init))
            // The targets as they are now (a copy: a later in-place change must not move the gradient).
            call.aux = [coefficients, try call.inputs[1].materialized()]
            return loss
        },
        backward: { ctx in
            // The gradient is linear in `grad`: each row's coefficient at its target, times grad.
            guard ctx.needsGrad(0) else { return [nil, nil, nil] }
            let c = try Tensor.nllLossCoefficients(rows: ctx.saved(0), target: ctx.saved(1),
                                                   shape: ctx.inputShape(0), dtype: ctx.inputDtype(0))
            let g = ctx.grad.ndim == 1 ? try ctx.grad.unsqueeze(1) : ctx.grad
            return [try c.mul(g), nil, nil]
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

    // MARK: - Binary cross entropy

    /// `binary_cross_entropy(input, target, weight, reduction)` for probabilities `input`:
    /// -(t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch clamps them.
    static let binaryCrossEntropy = Op(
        "binary_cross_entropy", Signature(["binary_cross_entropy"], .nn, [
            .tensor(), .tensor("target"), Param("weight", .tensor, default: .absent), reductionParam,
        ]),
        doc: "-(target log(input) + (1 - target) log(1 - input)) (logs clamped at -100) times `weight`, reduced by `reduction`; `input` and `target` lie in [0, 1].",
        gradFn: "BinaryCrossEntropyBackward0", saves: [.input(0), .input(1), .aux(0)],
        samples: [OpSample([.tensor([2, 3], .probability), .tensor([2, 3], .probability)], [.absent, .int(1)]),
                  OpSample([.tensor([2, 3], .probability), .tensor([2, 3], .probability), .constant([3])], [.bool(true), .int(2)]),
                  OpSample([.tensor([4], .probability), .tensor([4], .probability)], [.absent, .int(0)])],
        forward: { call in
            let input = call.inputs[0], target = call.inputs[1]
            let weight = call.isGiven("weight") ? call.inputs[2] : nil
            try checkBinaryCrossEntropy(input, target, weight)
            call.aux = [try weight ?? Tensor.scalar(1, dtype: input.dtype)]
            return try withNoGrad {
                let floor = [Arg.scalar(.double(-100)), .absent]
                let logX = try Ops.clampNumbers.apply(input.log(), floor)
                let logOneMinusX = try Ops.clampNumbers.apply(Ops.log1p.apply(input.neg()), floor)
                var loss = try target.sub(Tensor.number(1)).mul(logOneMinusX).sub(target.mul(logX))
                if let weight { loss = try loss.mul(weight) }
                return try loss.reduced(call.int("reduction"))
            }
        },
        backward: { ctx in
            // binary_cross_entropy_backward: grad (x - t) / max(x (1 - x), 1e-12); for the
            // target, binary_cross_entropy_target_backward: -grad logit(x). Both times the
            // weight, divided by the element count for the mean.
            let x = try ctx.saved(0), t = try ctx.saved(1)
            let scale = try lossScale(ctx, weight: ctx.saved(2), count: x.numel)
            // PyTorch's EPSILON is a float: 1e-12 rounded to float32.
            let epsilon = Double(Float(1e-12))
            let denominator = try Ops.clampNumbers.apply(Tensor.number(1).sub(x).mul(x), [.scalar(.double(epsilon)), .absent])
            let gx = ctx.needsGrad(0) ? try x.sub(t).div(denominator).mul(scale) : nil
            let gt = ctx.needsGrad(1) ? try x.div(Tensor.number(1).sub(x)).log().neg().mul(scale) : nil
            return [gx, gt]
        })

    /// PyTorch's checks, in its order: sizes (the Python wrapper's), the weight's shape,
    /// dtypes, then every value in [0, 1].
    private static func checkBinaryCrossEntropy(_ input: Tensor, _ target: Tensor, _ weight: Tensor?) throws {
        guard target.shape == input.shape else {
            throw TorchError("Using a target size (torch.Size(\(Shapes.format(target.shape)))) that is different to the input size (torch.Size(\(Shapes.format(input.shape)))) is deprecated. Please ensure they have the same size.")
        }
        if let weight { try checkBroadcastable(weight, to: input.shape) }
        guard input.dtype.isFloatingPoint else {
            throw TorchError("\"binary_cross_entropy\" not implemented for '\(input.dtype.scalarTypeName)'")
        }
        guard target.dtype == input.dtype else {
            throw TorchError("Found dtype \(target.dtype.scalarTypeName) but expected \(input.dtype.scalarTypeName)")
        }
        for (tensor, name) in [(input, "input"), (target, "target")] {
            let values = try tensor.detach().contiguous()
            for i in 0..<values.numel {
                let v = values.element(i)
                guard v >= 0 && v <= 1 else { throw TorchError("all elements of \(name) should be between 0 and 1") }
            }
        }
    }

    /// PyTorch's error when a tensor (argument 1 of an in-place product) does not broadcast to
    /// `shape` without growing it.
    private static func checkBroadcastable(_ weight: Tensor, to shape: [Int]) throws {
        for k in stride(from: 1, through: Swift.min(weight.ndim, shape.count), by: 1) {
            let w = weight.shape[weight.ndim - k], s = shape[shape.count - k]
            guard w == s || w == 1 else {
                throw TorchError("Attempting to broadcast a dimension of length \(w) at -\(k)! Mismatching argument at index 1 had torch.Size(\(Shapes.format(weight.shape))); but expected shape should be broadcastable to \(Shapes.format(shape))")
            }
        }
        if weight.ndim > shape.count { try checkOutputShape(Shapes.broadcast(shape, weight.shape), shape) }
    }

    /// PyTorch's error when an in-place result would need to grow to `broadcast`.
    private static func checkOutputShape(_ broadcast: [Int], _ shape: [Int]) throws {
        guard broadcast == shape else {
            throw TorchError("output with shape \(Shapes.format(shape)) doesn't match the broadcast shape \(Shapes.format(broadcast))")
        }
    }

    /// grad times the weight, divided by `count` for the mean: the factor every binary cross
    /// entropy gradient ends with.
    private static func lossScale(_ ctx: BackwardContext, weight: Tensor, count: Int) throws -> Tensor {
        let scale = try ctx.grad.mul(weight)
        guard try ctx.int("reduction") == 1 else { return scale }
        return try scale.mul(Tensor.number(1 / Double(Swift.max(count, 1))))
    }

    // MARK: - Binary cross entropy with logits

    /// `binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)`:
    /// binary cross entropy of sigmoid(input), computed stably from log-sigmoid as PyTorch does;
    /// `pos_weight` weighs the positive term.
    static let binaryCrossEntropyWithLogits = Op(
        "binary_cross_entropy_with_logits", Signature(["binary_cross_entropy_with_logits"], .function, [
            .tensor(), .tensor("target"), Param("weight", .tensor, default: .absent),
            Param("pos_weight", .tensor, default: .absent), reductionParam,
        ]),
        doc: "(1 - target) input - (1 + (`pos_weight` - 1) target) log sigmoid(input), times `weight`, reduced by `reduction`: binary cross entropy of logits.",
        gradFn: "BinaryCrossEntropyWithLogitsBackward0", saves: [.input(0), .input(1), .aux(0), .aux(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3], .probability)], [.absent, .absent, .int(1)]),
                  OpSample([.tensor([2, 3]), .tensor([2, 3], .probability), .constant([3]), .constant([3])],
                           [.bool(true), .bool(true), .int(2)]),
                  OpSample([.tensor([4]), .tensor([4]), .constant([4])], [.absent, .bool(true), .int(0)])],
        forward: { call in
            let input = call.inputs[0], target = call.inputs[1]
            let weight = call.isGiven("weight") ? call.inputs[2] : nil
            let posWeight = call.isGiven("pos_weight") ? call.inputs[weight == nil ? 2 : 3] : nil
            guard target.shape == input.shape else {
                throw TorchError("Target size (torch.Size(\(Shapes.format(target.shape)))) must be the same as input size (torch.Size(\(Shapes.format(input.shape))))")
            }
            guard input.dtype.isFloatingPoint else {
                throw TorchError("\"log_sigmoid_cpu\" not implemented for '\(input.dtype.scalarTypeName)'")
            }
            let one = try Tensor.scalar(1, dtype: input.dtype)
            call.aux = [weight ?? one, posWeight ?? one]
            return try withNoGrad {
                var logSigmoid = try Tensor.logSigmoid(input)
                if let posWeight {
                    logSigmoid = try logSigmoid.mul(posWeight.sub(Tensor.number(1)).mul(target).add(Tensor.number(1)))
                    try checkOutputShape(logSigmoid.shape, input.shape)
                }
                guard target.dtype.isFloatingPoint else {
                    throw TorchError("result type \(input.dtype.scalarTypeName) can't be cast to the desired output type \(target.dtype.scalarTypeName)")
                }
                var loss = try Tensor.number(1).sub(target).mul(input).sub(logSigmoid)
                if let weight {
                    loss = try loss.mul(weight)
                    try checkOutputShape(loss.shape, input.shape)
                }
                return try loss.reduced(call.int("reduction"))
            }
        },
        backward: { ctx in
            // binary_cross_entropy_with_logits_backward and its target form, as PyTorch
            // writes them.
            let x = try ctx.saved(0), t = try ctx.saved(1), posWeight = try ctx.saved(3)
            let weighted = ctx.isGiven("pos_weight")
            let scale = try lossScale(ctx, weight: ctx.saved(2), count: x.numel)
            var gx: Tensor? = nil, gt: Tensor? = nil
            if ctx.needsGrad(0) {
                if weighted {
                    let pt = try posWeight.mul(t)
                    gx = try pt.add(Tensor.number(1)).sub(t).mul(x.sigmoid()).sub(pt).mul(scale)
                } else {
                    gx = try x.sigmoid().sub(t).mul(scale)
                }
            }
            if ctx.needsGrad(1) {
                let d = weighted ? try Tensor.logSigmoid(x.neg()).sub(Tensor.logSigmoid(x).mul(posWeight)) : try x.neg()
                gt = try d.mul(scale)
            }
            return [gx, gt]
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
        // Each row's coefficient of the gradient; the matrix itself (mostly zeros) is made
        // only if a backward asks for it (`nllLossCoefficients`): made here, it was most of
        // the forward's time (145 µs of `F.cross_entropy` on 256 × 1 024 logits).
        let rowCoefficients = weights.map { reduction == 1 ? -$0 / totalWeight : -$0 }
        let loss: Tensor
        switch reduction {
        case 0: loss = try Tensor(losses, shape: batched ? [rows] : []).converted(to: input.dtype)
        case 2: loss = try Tensor.scalar(losses.reduce(0, +), dtype: input.dtype)
        default: loss = try Tensor.scalar(losses.reduce(0, +) / totalWeight, dtype: input.dtype)
        }
        return (loss, try Tensor(rowCoefficients, shape: [rows]))
    }

    /// The gradient of `nll_loss` with respect to its input for a `grad` of 1: zeros of
    /// `shape` but each row's coefficient (float64, `rows` long) at its target's position,
    /// rounded to `dtype` (a row whose weight is 0 stays all zeros: its target may be
    /// `ignore_index`).
    static func nllLossCoefficients(rows coefficients: Tensor, target: Tensor, shape: [Int], dtype: DType) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            return try nllLossCoefficients(rows: coefficients, target: target, shape: shape, dtype: .float64).converted(to: dtype)
        }
        let c = try Tensor.zeros(shape, dtype: dtype)
        let classes = shape.last ?? 1
        for i in 0..<coefficients.numel {
            let value = coefficients.element(i)
            guard value != 0 else { continue }
            let at = i * classes + Int(target.integerElement(i))
            if dtype == .float64 { c.pointer(Double.self)[at] = value } else { c.pointer(Float.self)[at] = Float(value) }
        }
        return c
    }

    /// log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)), PyTorch's stable form, written with table
    /// ops so formulas that use it can be differentiated.
    static func logSigmoid(_ x: Tensor) throws -> Tensor {
        let negative = try Ops.clampNumbers.apply(x, [.absent, .scalar(.int(0))])
        return try negative.sub(Ops.log1p.apply(x.abs().neg().exp()))
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
