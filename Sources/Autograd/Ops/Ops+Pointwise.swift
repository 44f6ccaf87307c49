/// Fused point-wise updates of three tensors: `addcmul`, `addcdiv` and `lerp`, the arithmetic
/// optimizers run (Adam's moment averages, its parameter step).
///
/// Each forward evaluates PyTorch's CPU kernel expression in the same order, so that the
/// rounding is PyTorch's: `addcmul` is `input + (value * t1) * t2`, `addcdiv` is
/// `input + (value * t1) / t2`, and `lerp` takes the branch `at::lerp` takes for the weight.
extension Ops {
    static let addcmul = Op(
        "addcmul", Signature(["addcmul"], tripleParams),
        doc: "`input + value * tensor1 * tensor2` element-wise, with broadcasting.",
        gradFn: "AddcmulBackward0", saves: [.inputFor(2, gradOf: 1), .inputFor(1, gradOf: 2)],
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3]), .tensor([3])], [.scalar(.double(0.5))]),
                  OpSample([.tensor([3]), .tensor([2, 1]), .tensor([3])])],
        forward: { call in
            let (x, t1, t2) = detachedTriple(call)
            return try withNoGrad { try x.add(t1.scaled(by: call.arg("value")).mul(t2)) }
        },
        backward: { ctx in
            [ctx.grad,
             ctx.needsGrad(1) ? try ctx.grad.mul(ctx.saved(0).scaled(by: ctx.arg("value"))) : nil,
             ctx.needsGrad(2) ? try ctx.grad.mul(ctx.saved(1).scaled(by: ctx.arg("value"))) : nil]
        })

    static let addcdiv = Op(
        "addcdiv", Signature(["addcdiv"], tripleParams),
        doc: "`input + value * tensor1 / tensor2` element-wise, with broadcasting.",
        gradFn: "AddcdivBackward0", saves: [.inputFor(1, gradOf: 2), .input(2)],
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3]), .tensor([3], .awayFromZero)], [.scalar(.double(-2))]),
                  OpSample([.tensor([3]), .tensor([3]), .tensor([2, 1], .positive)])],
        forward: { call in
            let (x, t1, t2) = detachedTriple(call)
            if !x.dtype.isFloatingPoint, !t1.dtype.isFloatingPoint, !t2.dtype.isFloatingPoint {
                throw TorchError(integerAddcdivMessage)
            }
            return try withNoGrad { try x.add(t1.scaled(by: call.arg("value")).div(t2)) }
        },
        backward: { ctx in
            let t2 = try ctx.saved(1)
            let value = try Tensor.wrapped(ctx.optionalScalar("value") ?? .int(1))
            return [ctx.grad,
                    ctx.needsGrad(1) ? try ctx.grad.mul(value.div(t2)) : nil,
                    ctx.needsGrad(2) ? try ctx.grad.neg().mul(ctx.saved(0).mul(value).div(t2.mul(t2))) : nil]
        })

    /// `input, tensor1, tensor2, {value=1}`: the parameters of `addcmul` and `addcdiv`.
    static let tripleParams: [Param] = [
        .tensor(), .tensor("tensor1"), .tensor("tensor2"), .keyword("value", .number, .scalar(.int(1))),
    ]

    static let integerAddcdivMessage = "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes."

    /// The three operands without history or tangents: the forwards compose other ops, which
    /// must not record themselves (the op records one node for the whole expression).
    private static func detachedTriple(_ call: OpCall) -> (Tensor, Tensor, Tensor) {
        (call.inputs[0].detach(), call.inputs[1].detach(), call.inputs[2].detach())
    }

    // MARK: - Linear interpolation

    /// `lerp(input, end, weight)` with a tensor weight (`LerpBackward1`).
    static let lerpTensor = Op(
        "lerp", Signature(["lerp"], [.tensor(), .tensor("end"), .tensor("weight")]),
        doc: "`input + weight * (end - input)` element-wise, with a tensor weight.",
        gradFn: "LerpBackward1", saves: [.input(0), .input(1), .input(2)],
        samples: [OpSample([.tensor([2, 3]), .tensor([3]), .tensor([2, 3])])],
        forward: { call in
            let x = call.inputs[0].detach(), end = call.inputs[1].detach(), w = call.inputs[2].detach()
            try checkLerpDtypes(x, end, weight: w)
            return try withNoGrad {
                // at::lerp: `x + w * (end - x)` where |w| < 0.5, else `end - (end - x) * (1 - w)`.
                let diff = try end.sub(x)
                let small = try x.add(w.mul(diff))
                let large = try end.sub(diff.mul(w.rsub(Tensor.wrapped(.int(1)))))
                return try Tensor.where(w.abs().lt(Tensor.wrapped(.double(0.5))), small, large)
            }
        },
        backward: { ctx in
            let x = try ctx.saved(0), end = try ctx.saved(1), w = try ctx.saved(2)
            return [ctx.needsGrad(0) ? try ctx.grad.mul(w.rsub(Tensor.wrapped(.int(1)))) : nil,
                    ctx.needsGrad(1) ? try ctx.grad.mul(w) : nil,
                    ctx.needsGrad(2) ? try ctx.grad.mul(end.sub(x)) : nil]
        })

    /// `lerp(input, end, weight)` with a number weight (`LerpBackward0`).
    static let lerpNumber = Op(
        "lerp", Signature(["lerp"], [.tensor(), .tensor("end"), Param("weight", .number)]),
        doc: "`input + weight * (end - input)` element-wise, with a number weight.",
        gradFn: "LerpBackward0",
        samples: [OpSample([.tensor([2, 3]), .tensor([3])], [.scalar(.double(0.25))]),
                  OpSample([.tensor([3]), .tensor([3])], [.scalar(.double(0.75))])],
        forward: { call in
            let x = call.inputs[0].detach(), end = call.inputs[1].detach()
            let w = try call.double("weight")
            try checkLerpDtypes(x, end, weight: nil)
            return try withNoGrad {
                let diff = try end.sub(x)
                if Swift.abs(w) < 0.5 { return try x.add(diff.mul(Tensor.wrapped(.double(w)))) }
                return try end.sub(diff.mul(Tensor.wrapped(.double(1 - w))))
            }
        },
        backward: { ctx in
            let w = try ctx.double("weight")
            return [ctx.needsGrad(0) ? try ctx.grad.mul(Tensor.wrapped(.double(1 - w))) : nil,
                    ctx.needsGrad(1) ? try ctx.grad.mul(Tensor.wrapped(.double(w))) : nil]
        })

    /// lerp needs floating operands of one dtype (PyTorch's checks and messages).
    private static func checkLerpDtypes(_ x: Tensor, _ end: Tensor, weight: Tensor?) throws {
        guard x.dtype.isFloatingPoint else {
            throw TorchError("\"lerp_kernel_scalar\" not implemented for '\(x.dtype.scalarTypeName)'")
        }
        if end.dtype != x.dtype {
            throw TorchError("expected dtype \(x.dtype.lerpDtypeName) for `end` but got dtype \(end.dtype.lerpDtypeName)")
        }
        if let weight, weight.dtype != x.dtype {
            throw TorchError("expected dtype \(x.dtype.lerpDtypeName) for `weight` but got dtype \(weight.dtype.lerpDtypeName)")
        }
    }
}

extension Arg {
    /// The number of a `.scalar` argument.
    var scalarValue: Scalar? { if case .scalar(let s) = self { s } else { nil } }
}

extension DType {
    /// The dtype name lerp's checks print (`float`, `double`, `long`, `bool`).
    var lerpDtypeName: String {
        switch self {
        case .bool: "bool"
        case .int64: "long"
        case .float32: "float"
        case .float64: "double"
        }
    }
}
