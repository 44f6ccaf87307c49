#if canImport(Glibc)
import Glibc
#endif

/// Element-wise math: more functions of one tensor, rounding, clamping, element-wise extrema
/// and logical ops.
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
        gradFn: "RoundBackward0", gradFnOverload: { $0.args[0].isAbsent ? "RoundBackward0" : "RoundBackward1" },
        samples: [OpSample([.tensor([5])], [.absent]), OpSample([.tensor([5])], [.int(1)])],
        forward: { call in
            let x = call.inputs[0]
            guard let decimals = call.args[0].int else {
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

    // MARK: - Clamping

    /// The default of `clamp`'s `max` (documented as `max=inf`): distinct from `min`'s `nil` so
    /// the forward can tell which bound is missing, as the binder appends the defaults of
    /// absent tensor arguments to `args`. It means "no bound" (an int64 input stays int64).
    static let clampNoMax = Arg.scalar(.double(.infinity))

    /// `clamp(min, max)`: dispatches to the number form (`ClampBackward1`) or the tensor form
    /// (`ClampBackward0`), as PyTorch's two overloads.
    static let clamp = Op(
        "clamp", Signature(["clamp", "clip"], [
            .tensor(), Param("min", .tensorOrNumber, default: .absent), Param("max", .tensorOrNumber, default: clampNoMax),
        ]),
        doc: "Limits every element to [min, max]; either bound may be nil, a number or a tensor.",
        samples: [
            OpSample([.tensor([5]), .number(-0.5), .number(0.5)]),
            OpSample([.tensor([5]), .number(0.25)], [clampNoMax]),
            OpSample([.tensor([5]), .number(0.25)], [.absent]),
            OpSample([.tensor([2, 3]), .tensor([3]), .tensor([2, 1])]),
            OpSample([.tensor([2, 3]), .tensor([3])], [clampNoMax]),
        ],
        forward: { call in
            let hasMin = !call.args.contains(.absent), hasMax = !call.args.contains(clampNoMax)
            let x = call.inputs[0]
            var rest = call.inputs.dropFirst().makeIterator()
            let low = hasMin ? rest.next() : nil, high = hasMax ? rest.next() : nil
            return try x.clamp(min: low, max: high)
        })

    /// `clamp` with number bounds (given as `.scalar` arguments, `.absent` when missing).
    static let clampNumbers = Op(
        "clamp", Signature(["clamp"], [.tensor(), Param("min", .number, default: .absent), Param("max", .number, default: .absent)]),
        doc: "Limits every element to [min, max] for number bounds.",
        gradFn: "ClampBackward1", saves: [.input(0)],
        forward: { call in
            let x = call.inputs[0]
            let low = try call.args[0].scalarBound.map { try Tensor.wrapped($0) }
            let high = try call.args[1].scalarBound.map { try Tensor.wrapped($0) }
            guard low != nil || high != nil else {
                throw TorchError("torch.clamp: At least one of 'min' or 'max' must not be None")
            }
            let dtype = Tensor.resultType([x] + [low, high].compactMap { $0 })
            if dtype == .bool { throw TorchError("\"clamp_scalar_cpu\" not implemented for 'Bool'") }
            return try Tensor.clampKernel(x, low, high, dtype: dtype)
        },
        backward: { ctx in
            // PyTorch 2.15: the gradient passes strictly inside (min, max) only.
            let x = try ctx.saved(0)
            var inside: Tensor? = nil
            if let low = ctx.args[0].scalarBound { inside = try x.gt(Tensor.wrapped(low)) }
            if let high = ctx.args[1].scalarBound {
                let below = try x.lt(Tensor.wrapped(high))
                inside = try inside.map { try $0.logicalAnd(below) } ?? below
            }
            guard let inside else { return [ctx.grad] }
            return [try Tensor.where(inside, ctx.grad, Tensor.number(0))]
        })

    /// `clamp` with tensor bounds. The inputs are always the tensor, min and max (an absent
    /// bound is a placeholder), and the arguments say which bounds are present.
    static let clampTensors = Op(
        "clamp", Signature(["clamp"], [.tensor(), .tensor("min"), .tensor("max"), Param("has_min", .bool), Param("has_max", .bool)]),
        doc: "Limits every element to [min, max] for tensor bounds, with broadcasting.",
        gradFn: "ClampBackward0", saves: [.input(0), .input(1), .input(2)],
        forward: { call in
            let x = call.inputs[0]
            let low = call.args[0].bool == true ? call.inputs[1] : nil
            let high = call.args[1].bool == true ? call.inputs[2] : nil
            guard low != nil || high != nil else {
                throw TorchError("torch.clamp: At least one of 'min' or 'max' must not be None")
            }
            let dtype = Tensor.resultType([x] + [low, high].compactMap { $0 })
            if dtype == .bool { throw TorchError("\"clamp_cpu\" not implemented for 'Bool'") }
            return try Tensor.clampKernel(x, low, high, dtype: dtype)
        },
        backward: { ctx in
            // PyTorch 2.15's subgradient (measured with the oracle): inside (min, max) the
            // input takes the gradient, below min it goes to min and above max to max; on a
            // tie with one bound the two share it in halves, an input equal to both bounds
            // keeps it all, and when min > max it all goes to max.
            let x = try ctx.saved(0)
            let low = ctx.args[0].bool == true ? try ctx.saved(1) : nil
            let high = ctx.args[1].bool == true ? try ctx.saved(2) : nil
            let dtype = ctx.grad.dtype
            func weight(_ parts: [(Tensor, Double)]) throws -> Tensor {
                var total = try Tensor.zeros([], dtype: dtype)
                for (mask, scale) in parts { total = try total.add(mask.to(dtype).mul(Tensor.number(scale))) }
                return total
            }
            let yes = try Tensor.scalar(1, dtype: .bool)
            let aboveLow = try low.map { try x.gt($0) } ?? yes, belowHigh = try high.map { try x.lt($0) } ?? yes
            let atLow = try low.map { try x.eq($0) }, atHigh = try high.map { try x.eq($0) }
            let ordered = try low.flatMap { l in try high.map { try l.lt($0) } } ?? yes
            let notCrossed = try low.flatMap { l in try high.map { try l.le($0) } } ?? yes
            var grads: [Tensor?] = [nil, nil, nil]
            if ctx.needsGrad(0) {
                var parts = [(try aboveLow.logicalAnd(belowHigh), 1.0)]
                if let atLow { parts.append((try atLow.logicalAnd(ordered), 0.5)) }
                if let atHigh { parts.append((try atHigh.logicalAnd(ordered), 0.5)) }
                if let atLow, let atHigh { parts.append((try atLow.logicalAnd(atHigh), 1)) }
                grads[0] = try ctx.grad.mul(weight(parts))
            }
            if let low, let atLow, ctx.needsGrad(1) {
                grads[1] = try ctx.grad.mul(weight([(try x.lt(low).logicalAnd(notCrossed), 1), (try atLow.logicalAnd(ordered), 0.5)]))
            }
            if let high, let atHigh, ctx.needsGrad(2) {
                var parts = [(try x.gt(high).logicalAnd(notCrossed), 1.0), (try atHigh.logicalAnd(ordered), 0.5)]
                if let low { parts.append((try low.gt(high), 1)) }
                grads[2] = try ctx.grad.mul(weight(parts))
            }
            return grads
        })

    // MARK: - Element-wise extrema

    static let maximum = Op(
        "maximum", Signature(["maximum"], [.tensor(), .tensor("other")]),
        doc: "The larger of the two tensors at every position (NaN wins), with broadcasting.",
        gradFn: "MaximumBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([3])])],
        forward: { call in
            try Tensor.arithmetic(call.inputs[0], call.inputs[1], op: "maximum", MaximumKernel())
        },
        backward: { ctx in try Ops.extremumBackward(ctx, selfLoses: { try $0.lt($1) }) })

    /// The larger operand; NaN wins.
    struct MaximumKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a.isNaN || a > b ? a : b }
        func int(_ a: Int64, _ b: Int64) -> Int64 { Swift.max(a, b) }
        func bool(_ a: Bool, _ b: Bool) -> Bool { a || b }
        static var hasInt: Bool { true }
        static var hasBool: Bool { true }
    }

    static let minimum = Op(
        "minimum", Signature(["minimum"], [.tensor(), .tensor("other")]),
        doc: "The smaller of the two tensors at every position (NaN wins), with broadcasting.",
        gradFn: "MinimumBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([3])])],
        forward: { call in
            try Tensor.arithmetic(call.inputs[0], call.inputs[1], op: "minimum", MinimumKernel())
        },
        backward: { ctx in try Ops.extremumBackward(ctx, selfLoses: { try $0.gt($1) }) })

    /// The smaller operand; NaN wins.
    struct MinimumKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a.isNaN || a < b ? a : b }
        func int(_ a: Int64, _ b: Int64) -> Int64 { Swift.min(a, b) }
        func bool(_ a: Bool, _ b: Bool) -> Bool { a && b }
        static var hasInt: Bool { true }
        static var hasBool: Bool { true }
    }

    /// maximum/minimum backward: the winner takes the gradient, a tie splits it in halves.
    private static func extremumBackward(_ ctx: BackwardContext,
                                         selfLoses: (Tensor, Tensor) throws -> Tensor) throws -> [Tensor?] {
        let a = try ctx.saved(0), b = try ctx.saved(1)
        let shared = try Tensor.where(a.eq(b), ctx.grad.div(Tensor.number(2)), ctx.grad)
        return [ctx.needsGrad(0) ? try shared.masked(where: selfLoses(a, b)) : nil,
                ctx.needsGrad(1) ? try shared.masked(where: selfLoses(b, a)) : nil]
    }

    // MARK: - Logical ops and classification

    static let logicalOr = Op(
        "logical_or", Signature(["logical_or"], [.tensor(), .operand()], returns: "BoolTensor"),
        doc: "Element-wise logical OR of the truth values.",
        forward: { call in
            let a = try call.inputs[0].converted(to: .bool), b = try call.inputs[1].converted(to: .bool)
            return try Tensor.arithmetic(a, b, dtype: .bool, op: "logical_or", LogicalOrKernel())
        })

    struct LogicalOrKernel: LogicalKernel {
        func bool(_ a: Bool, _ b: Bool) -> Bool { a || b }
    }

    static let logicalXor = Op(
        "logical_xor", Signature(["logical_xor"], [.tensor(), .operand()], returns: "BoolTensor"),
        doc: "Element-wise logical exclusive OR of the truth values.",
        forward: { call in
            let a = try call.inputs[0].converted(to: .bool), b = try call.inputs[1].converted(to: .bool)
            return try Tensor.arithmetic(a, b, dtype: .bool, op: "logical_xor", LogicalXorKernel())
        })

    struct LogicalXorKernel: LogicalKernel {
        func bool(_ a: Bool, _ b: Bool) -> Bool { a != b }
    }

    static let logicalNot = Op(
        "logical_not", Signature(["logical_not"], [.tensor()], returns: "BoolTensor"),
        doc: "Element-wise logical NOT: true where the element is zero (or false).",
        forward: { call in try Tensor.classify(call.inputs[0], LogicalNotKernel()) })

    struct LogicalNotKernel: PredicateKernel {
        func float<T: FloatElement>(_ x: T) -> Bool { x == 0 }
        func int(_ x: Int64) -> Bool { x == 0 }
        func bool(_ x: Bool) -> Bool { !x }
    }

    static let isnan = Op(
        "isnan", Signature(["isnan"], [.tensor()], returns: "BoolTensor"),
        doc: "True where the element is NaN.",
        forward: { call in try Tensor.classify(call.inputs[0], IsNaNKernel()) })

    struct IsNaNKernel: PredicateKernel {
        func float<T: FloatElement>(_ x: T) -> Bool { x.isNaN }
        func int(_ x: Int64) -> Bool { false }
        func bool(_ x: Bool) -> Bool { false }
    }

    static let isinf = Op(
        "isinf", Signature(["isinf"], [.tensor()], returns: "BoolTensor"),
        doc: "True where the element is positive or negative infinity.",
        forward: { call in
            try Tensor.classify(call.inputs[0], IsInfKernel())
        })

    struct IsInfKernel: PredicateKernel {
        func float<T: FloatElement>(_ x: T) -> Bool { x.isInfinite }
        func int(_ x: Int64) -> Bool { false }
        func bool(_ x: Bool) -> Bool { false }
    }
}

extension Arg {
    /// A clamp bound given as a number argument, if present.
    fileprivate var scalarBound: Scalar? {
        switch self {
        case .scalar(let s): s
        case .double(let d): .double(d)
        case .int(let i): .int(Int64(i))
        default: nil
        }
    }
}

extension Tensor {
    /// Clamps to `low` and/or `high` (tensors, possibly wrapped numbers) in `dtype`, with
    /// broadcasting; a NaN input or bound gives NaN, and when min > max the result is max.
    static func clampKernel(_ x: Tensor, _ low: Tensor?, _ high: Tensor?, dtype: DType) throws -> Tensor {
        var result = try x.converted(to: dtype)
        if let low {
            result = try arithmetic(result, low, dtype: dtype, op: "clamp", ClampMinKernel())
        }
        if let high {
            result = try arithmetic(result, high, dtype: dtype, op: "clamp", ClampMaxKernel())
        }
        if result === x { result = try x.materialized() }
        return result
    }

    /// `x` raised to the bound `low`; a NaN input or bound gives NaN.
    struct ClampMinKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ low: T) -> T { x.isNaN ? x : (low.isNaN || x < low ? low : x) }
        func int(_ x: Int64, _ low: Int64) -> Int64 { Swift.max(x, low) }
        static var hasInt: Bool { true }
    }

    /// `x` lowered to the bound `high`; a NaN input or bound gives NaN.
    struct ClampMaxKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ high: T) -> T { x.isNaN ? x : (high.isNaN || x > high ? high : x) }
        func int(_ x: Int64, _ high: Int64) -> Int64 { Swift.min(x, high) }
        static var hasInt: Bool { true }
    }
}
