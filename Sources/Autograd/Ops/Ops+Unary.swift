#if canImport(Glibc)
import Glibc
#endif

/// Element-wise functions of one tensor.
extension Ops {
    static let exp = Op(
        "exp", Signature(["exp"], [.tensor()]),
        doc: "The exponential of every element.",
        gradFn: "ExpBackward0", saves: [.output],
        samples: [OpSample([.tensor([2, 3])])],
        forward: { call in
            try Tensor.contiguousFloatLanes(call.inputs[0], ExpFloat.Exponential.self) ?? Tensor.floatUnary(call.inputs[0], ExpKernel())
        },
        backward: { ctx in [try ctx.grad.mul(ctx.saved(0))] })

    struct ExpKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.exp(x) }
    }

    static let log = Op(
        "log", Signature(["log"], [.tensor()]),
        doc: "The natural logarithm of every element.",
        gradFn: "LogBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4], .positive)])],
        forward: { call in
            try Tensor.contiguousFloatLanes(call.inputs[0], LogFloat.self) ?? Tensor.floatUnary(call.inputs[0], LogKernel())
        },
        backward: { ctx in [try ctx.grad.div(ctx.saved(0))] })

    struct LogKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.log(x) }
    }

    static let sin = Op(
        "sin", Signature(["sin"], [.tensor()]),
        doc: "The sine of every element (radians).",
        gradFn: "SinBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4])])],
        forward: { call in try call.inputs.withOperand(0, sinKernel) },
        backward: { ctx in
            // grad * cos(x), in one pass when nothing records it and no dtype is promoted.
            let x = try ctx.saved(0)
            if ctx.grad.dtype == x.dtype, !Tensor.recordsOps(ctx.grad, x) {
                return InputGrads(one: try ctx.gradUpdated(by: x, op: "mul", CosineProductKernel())
                                         ?? Tensor.arithmetic(ctx.grad, x, op: "mul", CosineProductKernel()))
            }
            return InputGrads(one: try ctx.grad.mul(x.cos()))
        })

    /// `a * cos(b)`: the gradient of `sin`, with `cos` the very function of `CosKernel`.
    struct CosineProductKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a * CosKernel().float(b) }
    }

    /// The kernels of `sin` and `cos` without dispatch (see `Ops.mulKernel`).
    static func sinKernel(_ x: Tensor) throws -> Tensor {
        try Tensor.contiguousFloatLanes(x, SinCosFloat.Sine.self) ?? Tensor.floatUnary(x, SinKernel())
    }
    static func cosKernel(_ x: Tensor) throws -> Tensor {
        try Tensor.contiguousFloatLanes(x, SinCosFloat.Cosine.self) ?? Tensor.floatUnary(x, CosKernel())
    }

    struct SinKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.sin(x) }
    }

    static let cos = Op(
        "cos", Signature(["cos"], [.tensor()]),
        doc: "The cosine of every element (radians).",
        gradFn: "CosBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4])])],
        forward: { call in try cosKernel(call.inputs[0]) },
        backward: { ctx in [try ctx.grad.mul(ctx.saved(0).sin().neg())] })

    struct CosKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.cos(x) }
    }

    static let tanh = Op(
        "tanh", Signature(["tanh"], [.tensor()]),
        doc: "The hyperbolic tangent of every element.",
        gradFn: "TanhBackward0", saves: [.output],
        samples: [OpSample([.tensor([4])])],
        forward: { call in
            try Tensor.contiguousFloatLanes(call.inputs[0], TanhFloat.self) ?? Tensor.floatUnary(call.inputs[0], TanhKernel())
        },
        backward: { ctx in
            let y = try ctx.saved(0)
            return [try ctx.activationGradUpdated(by: y, op: "tanh_backward", TanhGradientKernel())
                ?? Ops.tanhBackward.apply(ctx.grad, y)]
        })

    struct TanhKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.tanh(x) }
    }

    /// The gradient of `tanh` as its own op, as PyTorch records it (`TanhBackwardBackward0`).
    static let tanhBackward = Op(
        "tanh_backward", Signature(["tanh_backward"], .internal, [.tensor("grad_output"), .tensor("output")]),
        doc: "grad_output * (1 - output²): the gradient of tanh.",
        gradFn: "TanhBackwardBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([3]), .tensor([3], .unitInterval)])],
        forward: { call in
            let g = call.inputs[0], y = call.inputs[1]
            if let out = try Tensor.activationGradient(g, y, op: "tanh_backward", TanhGradientKernel()) { return out }
            return try withNoGrad { try g.mul(y.mul(y).rsub(Tensor.wrapped(.int(1)))) }
        },
        backward: { ctx in
            let g = try ctx.saved(0), y = try ctx.saved(1)
            return [ctx.needsGrad(0) ? try ctx.grad.mul(y.mul(y).rsub(Tensor.wrapped(.int(1)))) : nil,
                    ctx.needsGrad(1) ? try ctx.grad.mul(g).mul(y).mul(Tensor.wrapped(.int(-2))) : nil]
        })

    /// `g * (1 - y * y)` in one pass, rounded as the three ops `tanh_backward` composes.
    struct TanhGradientKernel: BinaryKernel {
        func float<T: FloatElement>(_ g: T, _ y: T) -> T { g * (1 - y * y) }
    }

    static let sigmoid = Op(
        "sigmoid", Signature(["sigmoid"], [.tensor()]),
        doc: "The logistic function 1 / (1 + exp(-x)) of every element.",
        gradFn: "SigmoidBackward0", saves: [.output],
        samples: [OpSample([.tensor([4])])],
        forward: { call in
            try Tensor.contiguousFloatLanes(call.inputs[0], ExpFloat.Sigmoid.self)
                ?? Tensor.floatUnary(call.inputs[0], SigmoidKernel())
        },
        backward: { ctx in
            let y = try ctx.saved(0)
            return [try ctx.activationGradUpdated(by: y, op: "sigmoid_backward", SigmoidGradientKernel())
                ?? Ops.sigmoidBackward.apply(ctx.grad, y)]
        })

    struct SigmoidKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }
    }

    /// The gradient of `sigmoid` as its own op, as PyTorch records it (`SigmoidBackwardBackward0`).
    static let sigmoidBackward = Op(
        "sigmoid_backward", Signature(["sigmoid_backward"], .internal, [.tensor("grad_output"), .tensor("output")]),
        doc: "grad_output * output * (1 - output): the gradient of sigmoid.",
        gradFn: "SigmoidBackwardBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([3]), .tensor([3], .unitInterval)])],
        forward: { call in
            let g = call.inputs[0], y = call.inputs[1]
            if let out = try Tensor.activationGradient(g, y, op: "sigmoid_backward", SigmoidGradientKernel()) { return out }
            return try withNoGrad { try g.mul(y).mul(y.rsub(Tensor.wrapped(.int(1)))) }
        },
        backward: { ctx in
            let g = try ctx.saved(0), y = try ctx.saved(1)
            return [ctx.needsGrad(0) ? try ctx.grad.mul(y).mul(y.rsub(Tensor.wrapped(.int(1)))) : nil,
                    // d/dy [g y (1 - y)] = g (1 - 2y)
                    ctx.needsGrad(1) ? try ctx.grad.mul(g).mul(y.mul(Tensor.wrapped(.int(2))).rsub(Tensor.wrapped(.int(1)))) : nil]
        })

    /// `(g * y) * (1 - y)` in one pass, rounded as the three ops `sigmoid_backward` composes.
    struct SigmoidGradientKernel: BinaryKernel {
        func float<T: FloatElement>(_ g: T, _ y: T) -> T { (g * y) * (1 - y) }
    }

    static let relu = Op(
        "relu", Signature(["relu"], [.tensor()]),
        doc: "max(x, 0) for every element.",
        gradFn: "ReluBackward0", saves: [.output],
        samples: [OpSample([.tensor([5], .awayFromZero)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.dtype != .bool else { throw TorchError("\"clamp_min_scalar_cpu\" not implemented for 'Bool'") }
            return try Tensor.sameTypeUnary(x, op: "relu", ReluKernel())
        },
        backward: { ctx in
            let y = try ctx.saved(0)
            return [try ctx.gradThresholded(y, threshold: 0) ?? ctx.grad.thresholdBackward(y, threshold: 0)]
        })

    /// max(x, 0), keeping NaN.
    struct ReluKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x > 0 ? x : (x.isNaN ? x : 0) }
        func int(_ x: Int64) -> Int64 { max(x, 0) }
        static var hasInt: Bool { true }
    }

    /// The gradient of `relu` as its own op, as PyTorch records it
    /// (`ThresholdBackwardBackward0`): one pass over the gradient and the saved output instead
    /// of a comparison into a mask and a `where` over it.
    static let thresholdBackward = Op(
        "threshold_backward", Signature(["threshold_backward"], .internal, [.tensor("grad_output"), .tensor(), Param("threshold", .double)]),
        doc: "grad_output where self > threshold, 0 elsewhere (NaN in self keeps the gradient).",
        gradFn: "ThresholdBackwardBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([5]), .tensor([5], .awayFromZero)], [.double(0)])],
        forward: { call in
            let g = call.inputs[0], x = call.inputs[1], threshold = try call.double("threshold")
            if let out = try Tensor.thresholdBackwardKernel(g, x, threshold) { return out }
            return try withNoGrad { try g.masked(where: x.le(Tensor.number(threshold))) }
        },
        backward: { ctx in
            [ctx.needsGrad(0) ? try ctx.grad.thresholdBackward(ctx.saved(0), threshold: ctx.double("threshold")) : nil,
             ctx.needsGrad(1) ? try ctx.grad.zerosLike() : nil]
        })

    static let sqrt = Op(
        "sqrt", Signature(["sqrt"], [.tensor()]),
        doc: "The square root of every element.",
        gradFn: "SqrtBackward0", saves: [.output],
        samples: [OpSample([.tensor([4], .positive)])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], SqrtKernel()) },
        backward: { ctx in
            // grad / (2 * result), as PyTorch records it; in one pass when nothing records the
            // formula (doubling is exact, so the quotient rounds the same).
            let y = try ctx.saved(0)
            if !Tensor.recordsOps(ctx.grad, y) {
                return [try Tensor.arithmetic(ctx.grad, y, op: "div", HalfQuotientKernel())]
            }
            return [try ctx.grad.div(y.mul(Tensor.wrapped(.int(2))))]
        })

    struct SqrtKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.sqrt(x) }
    }

    /// `a / (2 * b)`: the gradient of `sqrt` from the incoming gradient and the result.
    struct HalfQuotientKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a / (b + b) }
    }

    static let abs = Op(
        "abs", Signature(["abs", "absolute"], [.tensor()]),
        doc: "The absolute value of every element.",
        gradFn: "AbsBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4], .awayFromZero)])],
        forward: { call in
            try Tensor.sameTypeUnary(call.inputs[0], op: "abs", AbsKernel())
        },
        backward: { ctx in [try ctx.grad.mul(ctx.saved(0).sign())] })

    /// |x|; the smallest int64 stays itself (as in PyTorch) instead of overflowing.
    struct AbsKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { Swift.abs(x) }
        func int(_ x: Int64) -> Int64 { x == .min ? x : Swift.abs(x) }
        func bool(_ x: Bool) -> Bool { x }
        static var hasInt: Bool { true }
        static var hasBool: Bool { true }
    }

    static let sign = Op(
        "sign", Signature(["sign"], [.tensor()]),
        doc: "-1, 0 or 1 according to the sign of every element.",
        gradFn: "SignBackward0",
        samples: [OpSample([.tensor([4], .awayFromZero)])],
        forward: { call in
            try Tensor.sameTypeUnary(call.inputs[0], op: "sign", SignKernel())
        },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })

    /// -1, 0 or 1 (NaN gives 0).
    struct SignKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : 0) }
        func int(_ x: Int64) -> Int64 { x > 0 ? 1 : (x < 0 ? -1 : 0) }
        func bool(_ x: Bool) -> Bool { x }
        static var hasInt: Bool { true }
        static var hasBool: Bool { true }
    }

    static let reciprocal = Op(
        "reciprocal", Signature(["reciprocal"], [.tensor()]),
        doc: "1 / x for every element.",
        gradFn: "ReciprocalBackward0", saves: [.output],
        samples: [OpSample([.tensor([4], .awayFromZero)])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], ReciprocalKernel()) },
        backward: { ctx in
            // -grad * y², with the product last, as PyTorch's formula records it (MulBackward0).
            let y = try ctx.saved(0)
            return [try ctx.grad.neg().mul(y.mul(y))]
        })

    struct ReciprocalKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { 1 / x }
    }
}

extension Tensor {
    /// This gradient where `input > threshold`, 0 elsewhere (`threshold_backward`).
    func thresholdBackward(_ input: Tensor, threshold: Double) throws -> Tensor {
        try Ops.thresholdBackward.apply(self, input, [.double(threshold)])
    }
}
