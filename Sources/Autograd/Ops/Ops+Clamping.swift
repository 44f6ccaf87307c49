/// Clamping and element-wise extrema: clamp (with number or tensor bounds), maximum, minimum.
extension Ops {
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
        "clamp", Signature(["clamp"], .internal, [.tensor(), Param("min", .number, default: .absent), Param("max", .number, default: .absent)]),
        doc: "Limits every element to [min, max] for number bounds.",
        gradFn: "ClampBackward1", saves: [.input(0)],
        samples: [OpSample([.tensor([5])], [.scalar(.double(-0.5)), .scalar(.double(0.5))]),
                  OpSample([.tensor([5])], [.absent, .scalar(.double(0.25))])],
        forward: { call in
            let x = call.inputs[0]
            let low = try call.arg("min").scalarBound.map { try Tensor.wrapped($0) }
            let high = try call.arg("max").scalarBound.map { try Tensor.wrapped($0) }
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
            if let low = try ctx.arg("min").scalarBound { inside = try x.gt(Tensor.wrapped(low)) }
            if let high = try ctx.arg("max").scalarBound {
                let below = try x.lt(Tensor.wrapped(high))
                inside = try inside.map { try $0.logicalAnd(below) } ?? below
            }
            guard let inside else { return [ctx.grad] }
            return [try Tensor.where(inside, ctx.grad, Tensor.number(0))]
        })

    /// `clamp` with tensor bounds. The inputs are always the tensor, min and max (an absent
    /// bound is a placeholder), and the arguments say which bounds are present.
    static let clampTensors = Op(
        "clamp", Signature(["clamp"], .internal, [.tensor(), .tensor("min"), .tensor("max"), Param("has_min", .bool), Param("has_max", .bool)]),
        doc: "Limits every element to [min, max] for tensor bounds, with broadcasting.",
        gradFn: "ClampBackward0", saves: [.input(0), .input(1), .input(2)],
        samples: [OpSample([.tensor([2, 3]), .tensor([3]), .tensor([2, 1])], [.bool(true), .bool(true)]),
                  OpSample([.tensor([2, 3]), .tensor([3]), .tensor([1])], [.bool(true), .bool(false)])],
        forward: { call in
            let x = call.inputs[0]
            let low = try call.bool("has_min") ? call.inputs[1] : nil
            let high = try call.bool("has_max") ? call.inputs[2] : nil
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
            let low = try ctx.bool("has_min") ? try ctx.saved(1) : nil
            let high = try ctx.bool("has_max") ? try ctx.saved(2) : nil
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
            var grads: InputGrads = [nil, nil, nil]
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
                                         selfLoses: (Tensor, Tensor) throws -> Tensor) throws -> InputGrads {
        let a = try ctx.saved(0), b = try ctx.saved(1)
        let shared = try Tensor.where(a.eq(b), ctx.grad.div(Tensor.number(2)), ctx.grad)
        return [ctx.needsGrad(0) ? try shared.masked(where: selfLoses(a, b)) : nil,
                ctx.needsGrad(1) ? try shared.masked(where: selfLoses(b, a)) : nil]
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
