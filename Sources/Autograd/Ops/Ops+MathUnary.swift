#if canImport(Glibc)
import Glibc
#endif
/// Element-wise math: more functions of one tensor (exponentials, logarithms, trigonometry)
/// and rounding. Clamping and element-wise extrema are in `Ops+Clamping.swift`, logical ops
/// in `Ops+Logical.swift`.
extension Ops {
    // MARK: - Exponentials, logarithms, trigonometry

    static let log1p = Op(
        "log1p", Signature(["log1p"], [.tensor()]),
        doc: "log(1 + x) for every element, accurate for small x.",
        gradFn: "Log1PBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4], .positive)])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], Log1pKernel()) },
        backward: { ctx in [try ctx.grad.div(ctx.saved(0).add(Tensor.number(1)))] })

    struct Log1pKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.log1p(x) }
    }

    static let expm1 = Op(
        "expm1", Signature(["expm1"], [.tensor()]),
        doc: "exp(x) - 1 for every element, accurate for small x.",
        gradFn: "Expm1Backward0", saves: [.output],
        samples: [OpSample([.tensor([4])])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], Expm1Kernel()) },
        backward: { ctx in [try ctx.grad.mul(ctx.saved(0).add(Tensor.number(1)))] })

    struct Expm1Kernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.expm1(x) }
    }

    static let tan = Op(
        "tan", Signature(["tan"], [.tensor()]),
        doc: "The tangent of every element (radians).",
        gradFn: "TanBackward0", saves: [.output],
        samples: [OpSample([.tensor([4], .unitInterval)])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], TanKernel()) },
        backward: { ctx in
            let y = try ctx.saved(0)
            return [try ctx.grad.mul(y.mul(y).add(Tensor.number(1)))]
        })

    struct TanKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.tan(x) }
    }

    static let rsqrt = Op(
        "rsqrt", Signature(["rsqrt"], [.tensor()]),
        doc: "1 / sqrt(x) for every element.",
        gradFn: "RsqrtBackward0", saves: [.output],
        samples: [OpSample([.tensor([4], .positive)])],
        forward: { call in
            try Tensor.floatUnary(call.inputs[0], RsqrtKernel())
        },
        backward: { ctx in
            // -0.5 * grad * y^3
            let y = try ctx.saved(0)
            return [try ctx.grad.mul(y.mul(y).mul(y)).mul(Tensor.number(-0.5))]
        })

    struct RsqrtKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { 1 / T.sqrt(x) }
    }

    static let exp2 = Op(
        "exp2", Signature(["exp2"], [.tensor()]),
        doc: "2 raised to every element.",
        gradFn: "Exp2Backward0", saves: [.output],
        samples: [OpSample([.tensor([4])])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], Exp2Kernel()) },
        backward: { ctx in [try ctx.grad.mul(ctx.saved(0)).mul(Tensor.number(M_LN2))] })

    struct Exp2Kernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.exp2(x) }
    }

    static let log2 = Op(
        "log2", Signature(["log2"], [.tensor()]),
        doc: "The base-2 logarithm of every element.",
        gradFn: "Log2Backward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4], .positive)])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], Log2Kernel()) },
        backward: { ctx in [try ctx.grad.div(ctx.saved(0).mul(Tensor.number(M_LN2)))] })

    struct Log2Kernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.log2(x) }
    }

    static let log10 = Op(
        "log10", Signature(["log10"], [.tensor()]),
        doc: "The base-10 logarithm of every element.",
        gradFn: "Log10Backward0", saves: [.input(0)],
        samples: [OpSample([.tensor([4], .positive)])],
        forward: { call in try Tensor.floatUnary(call.inputs[0], Log10Kernel()) },
        backward: { ctx in [try ctx.grad.div(ctx.saved(0).mul(Tensor.number(M_LN10)))] })

    struct Log10Kernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T.log10(x) }
    }

    /// `x * x`, which PyTorch computes as `pow(x, 2)` (so its grad_fn is `PowBackward0`).
    static let square = Op(
        "square", Signature(["square"], [.tensor()]),
        doc: "The square of every element (integers stay integers, bools become int64).",
        samples: [OpSample([.tensor([2, 3])])],
        forward: { call in try call.inputs[0].pow(Tensor.number(2)) })

    // MARK: - Rounding

    /// A rounding op: integers pass through unchanged, bools are rejected, the gradient is 0.
    private static func rounding<K: UnaryKernel>(_ name: String, _ doc: String, gradFn: String, _ kernel: K) -> Op {
        Op(name, Signature([name], [.tensor()]),
           doc: doc, gradFn: gradFn,
           samples: [OpSample([.tensor([5])])],
           forward: { call in
               try Tensor.sameTypeUnary(call.inputs[0], op: "\(name)_vml_cpu", kernel)
           },
           backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })
    }

    static let floor = rounding("floor", "Rounds every element down to an integer value.", gradFn: "FloorBackward0",
                                RoundingKernel<Down>())
    static let ceil = rounding("ceil", "Rounds every element up to an integer value.", gradFn: "CeilBackward0",
                               RoundingKernel<Up>())
    static let trunc = rounding("trunc", "Rounds every element toward zero.", gradFn: "TruncBackward0",
                                RoundingKernel<TowardZero>())

    /// Rounds floats by `Rule` (a type, so the rule is a constant in the loop); integers pass
    /// through unchanged and bools are rejected.
    struct RoundingKernel<Rule: RoundingRule>: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x.rounded(Rule.rule) }
        func int(_ x: Int64) -> Int64 { x }
        static var hasInt: Bool { true }
    }

    /// A rounding rule as a type.
    protocol RoundingRule: Sendable { static var rule: FloatingPointRoundingRule { get } }
    enum Down: RoundingRule { static var rule: FloatingPointRoundingRule { .down } }
    enum Up: RoundingRule { static var rule: FloatingPointRoundingRule { .up } }
    enum TowardZero: RoundingRule { static var rule: FloatingPointRoundingRule { .towardZero } }
    enum ToNearestOrEven: RoundingRule { static var rule: FloatingPointRoundingRule { .toNearestOrEven } }

    static let round = Op(
        "round", Signature(["round"], [.tensor(), .keyword("decimals", .int, .absent)]),
        doc: "Rounds every element to the nearest integer (ties to even), or to `decimals` decimal places.",
        gradFn: "RoundBackward0", gradFnOverload: .argumentGiven("decimals", absent: "RoundBackward0", given: "RoundBackward1"),
        samples: [OpSample([.tensor([5])], [.absent]), OpSample([.tensor([5])], [.int(1)])],
        forward: { call in
            let x = call.inputs[0]
            guard let decimals = try call.optionalInt("decimals") else {
                return try Tensor.sameTypeUnary(x, op: "round_vml_cpu", RoundingKernel<ToNearestOrEven>())
            }
            guard x.dtype.isFloatingPoint else {
                throw TorchError("\"round_cpu\" not implemented for '\(x.dtype.scalarTypeName)'")
            }
            return try Tensor.sameTypeUnary(
                x, op: "round_cpu", RoundDecimalsKernel(negative: decimals < 0, scale: Glibc.pow(10, Double(decimals.magnitude))))
        },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })

    /// As PyTorch's round_decimals kernel: scales by 10^|decimals| in the element type.
    struct RoundDecimalsKernel: UnaryKernel {
        let negative: Bool
        let scale: Double
        func float<T: FloatElement>(_ x: T) -> T {
            let s = T(scale)
            return negative ? (x / s).rounded(.toNearestOrEven) * s : (x * s).rounded(.toNearestOrEven) / s
        }
        func int(_ x: Int64) -> Int64 { x }
        static var hasInt: Bool { true }
    }

    static let frac = Op(
        "frac", Signature(["frac"], [.tensor()]),
        doc: "The fractional part x - trunc(x) of every element (floating point only).",
        gradFn: "FracBackward0",
        samples: [OpSample([.tensor([4], .awayFromZero)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.dtype.isFloatingPoint else {
                throw TorchError("\"frac_cpu\" not implemented for '\(x.dtype.scalarTypeName)'")
            }
            return try Tensor.sameTypeUnary(x, op: "frac_cpu", FracKernel())
        },
        backward: { ctx in [ctx.grad] })

    struct FracKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x - x.rounded(.towardZero) }
        func int(_ x: Int64) -> Int64 { x }
        static var hasInt: Bool { true }
    }
}
