#if canImport(Glibc)
import Glibc
#endif

/// Element-wise arithmetic: `+ - * / % ^`, unary minus and their in-place forms.
extension Ops {
    /// `add(input, other, {alpha=})` and `sub`: PyTorch scales `other` by `alpha` first.
    static let alphaParams: [Param] = [.tensor(), .operand(), .keyword("alpha", .number, .absent)]

    static let add = Op(
        "add", Signature(["add"], alphaParams, metamethods: ["__add"]).reflected(.commutative),
        doc: "Adds `other` (times `alpha`) to `input` element-wise, with broadcasting.",
        gradFn: "AddBackward0",
        samples: [OpSample([.tensor([2, 3]), .tensor([3])]), OpSample([.tensor([2, 1]), .number(2.5)]),
                  OpSample([.tensor([2]), .tensor([2])], [.scalar(.double(-1.5))])],
        forward: { call in
            let alpha = try call.arg("alpha")
            return try call.inputs.withPair { a, b in try addKernel(a, b, alpha: alpha) }
        },
        backward: { ctx in
            InputGrads(ctx.grad, ctx.needsGrad(1) ? try ctx.grad.scaled(by: ctx.arg("alpha")) : nil)
        })

    /// `a + b`; on bools, or.
    struct AddKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a + b }
        func int(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
        func bool(_ a: Bool, _ b: Bool) -> Bool { a || b }
        static var hasInt: Bool { true }
        static var hasBool: Bool { true }
    }

    static let sub = Op(
        "sub", Signature(["sub", "subtract"], alphaParams, metamethods: ["__sub"]).reflected(.swappedOp("rsub")),
        doc: "Subtracts `other` (times `alpha`) from `input` element-wise, with broadcasting.",
        gradFn: "SubBackward0",
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])]), OpSample([.tensor([3]), .number(-1)])],
        forward: { call in try subKernel(call.inputs[0], call.inputs[1].scaled(by: call.arg("alpha"))) },
        backward: { ctx in [ctx.grad, ctx.needsGrad(1) ? try ctx.grad.neg().scaled(by: ctx.arg("alpha")) : nil] })

    /// `a + alpha * b` with one rounding, `alpha` rounded to the element type first: PyTorch's
    /// `add(a, b, alpha=)` on floats (`vec::fmadd`). The in-place update of an optimizer step.
    struct AddScaledKernel: BinaryKernel {
        let alpha: Double
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a.addingProduct(b, T(alpha)) }
    }

    /// `a - b` (also `rsub`, with the operands swapped).
    struct SubKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a - b }
        func int(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
        static var hasInt: Bool { true }
    }

    /// `number - tensor`: PyTorch records it as `rsub(tensor, number)`.
    static let rsub = Op(
        "rsub", Signature(["rsub"], [.tensor(), .operand()]),
        doc: "Computes `other - input` element-wise (what `number - tensor` runs).",
        gradFn: "RsubBackward1",
        samples: [OpSample([.tensor([3]), .number(2)])],
        forward: { call in
            try Tensor.arithmetic(call.inputs[1], call.inputs[0], op: "rsub", SubKernel())
        },
        backward: { ctx in [try ctx.grad.neg(), ctx.needsGrad(1) ? ctx.grad : nil] })

    static let mul = Op(
        "mul", Signature(["mul", "multiply"], [.tensor(), .operand()], metamethods: ["__mul"]).reflected(.commutative),
        doc: "Multiplies `input` by `other` element-wise, with broadcasting.",
        gradFn: "MulBackward0", saves: [.inputFor(0, gradOf: 1), .inputFor(1, gradOf: 0)],
        samples: [OpSample([.tensor([2, 3]), .tensor([1, 3])]), OpSample([.tensor([]), .number(3)])],
        forward: { call in try call.inputs.withPair(mulKernel) },
        backward: { ctx in
            // `x * x`: both gradients go to the same place, where the engine adds them. When
            // nothing records the formula, one pass computes that sum: (grad·x)·2 is exactly
            // (grad·x) + (grad·x), and two products and an add were three passes over memory.
            if ctx.inputsShareGradient(0, 1) {
                let x = try ctx.saved(0)
                if !Tensor.recordsOps(ctx.grad, x) {
                    return InputGrads(try Tensor.arithmetic(ctx.grad, x, op: "mul", DoubledProductKernel()), nil)
                }
            }
            // One input wants a gradient (`y * 0.999`): the product goes into the incoming
            // gradient when the engine handed it over.
            if ctx.needsGrad(0) != ctx.needsGrad(1) {
                let i = ctx.needsGrad(0) ? 0 : 1
                let factor = try ctx.saved(1 - i)
                let product = try ctx.gradUpdated(by: factor, op: "mul", MulKernel()) ?? ctx.grad.mul(factor)
                return i == 0 ? InputGrads(product, nil) : InputGrads(nil, product)
            }
            return InputGrads(ctx.needsGrad(0) ? try ctx.grad.mul(ctx.saved(1)) : nil,
                              ctx.needsGrad(1) ? try ctx.grad.mul(ctx.saved(0)) : nil)
        })

    /// `(a * b) * 2`: the two equal gradients of `x * x`, summed in one pass.
    struct DoubledProductKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { (a * b) * 2 }
        func int(_ a: Int64, _ b: Int64) -> Int64 { (a &* b) &* 2 }
        static var hasInt: Bool { true }
    }

    /// `a * b`; on bools, and.
    struct MulKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a * b }
        func int(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
        func bool(_ a: Bool, _ b: Bool) -> Bool { a && b }
        static var hasInt: Bool { true }
        static var hasBool: Bool { true }
    }

    static let div = Op(
        "div", Signature(["div", "divide", "true_divide"], [.tensor(), .operand()], metamethods: ["__div"]).reflected(.swappedOp("rdiv")),
        doc: "Divides `input` by `other` element-wise (true division: integers give floats).",
        gradFn: "DivBackward0", saves: [.inputFor(0, gradOf: 1), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([3], .awayFromZero)])],
        forward: { call in try divKernel(call.inputs[0], call.inputs[1]) },
        backward: { ctx in
            let b = try ctx.saved(1)
            if ctx.needsGrad(0) && !ctx.needsGrad(1) {
                // `x / 2`: the quotient goes into the incoming gradient when it was handed over.
                return [try ctx.gradUpdated(by: b, op: "div", DivKernel()) ?? ctx.grad.div(b), nil]
            }
            return [ctx.needsGrad(0) ? try ctx.grad.div(b) : nil,
                    // -grad * ((a / b) / b), the product last as PyTorch records it (MulBackward0).
                    ctx.needsGrad(1) ? try ctx.grad.neg().mul(ctx.saved(0).div(b).div(b)) : nil]
        })

    /// `a / b`, true division (integers compute in float32).
    struct DivKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a / b }
    }

    /// Division by a number inside backward formulas, recorded as PyTorch's `div.Scalar`
    /// (`DivBackward1`); scripts' `x / 2` is `div` (DivBackward0), as in PyTorch.
    static let divScalar = Op(
        "div_scalar", Signature(["div_scalar"], .internal, [.tensor(), .operand()]),
        doc: "Divides by a number (what backward formulas record as div.Scalar).",
        gradFn: "DivBackward1", saves: [.input(1)],
        samples: [OpSample([.tensor([2, 3]), .number(4)])],
        forward: { call in try Ops.div.forward(&call) },
        backward: { ctx in [try ctx.grad.div(ctx.saved(0)), nil] })

    static let remainder = Op(
        "remainder", Signature(["remainder"], [.tensor(), .operand()], metamethods: ["__mod"]),
        doc: "Python's modulus: the remainder has the sign of the divisor.",
        gradFn: "RemainderBackward0",
        gradFnOverload: .custom { $0.pointee.inputs[1].isWrappedNumber ? "RemainderBackward0" : "RemainderBackward1" },
        saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([4], .positive), .number(0.7)])],
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            if !Tensor.resultType(a, b).isFloatingPoint { try b.checkNoZeroDivisor() }
            return try Tensor.arithmetic(a, b, op: "remainder", RemainderKernel())
        },
        backward: { ctx in
            [ctx.grad,
             ctx.needsGrad(1) ? try ctx.grad.neg().mul(ctx.saved(0).floorDivide(ctx.saved(1))) : nil]
        })

    /// Python's modulus: the remainder takes the sign of the divisor.
    struct RemainderKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ y: T) -> T {
            let r = T.fmod(x, y)
            return r != 0 && (r < 0) != (y < 0) ? r + y : r
        }
        func int(_ x: Int64, _ y: Int64) -> Int64 {
            let r = x % y
            return r != 0 && (r < 0) != (y < 0) ? r &+ y : r
        }
        static var hasInt: Bool { true }
    }

    static let floorDivide = Op(
        "floor_divide", Signature(["floor_divide"], [.tensor(), .operand()], metamethods: ["__idiv"]),
        doc: "Divides element-wise and rounds down (Lua's `//`).",
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            if !Tensor.resultType(a, b).isFloatingPoint { try b.checkNoZeroDivisor() }
            return try Tensor.arithmetic(a, b, op: "floor_divide", FloorDivideKernel())
        })

    /// Division rounded down.
    struct FloorDivideKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ y: T) -> T { (x / y).rounded(.down) }
        func int(_ x: Int64, _ y: Int64) -> Int64 {
            if y == -1 { return 0 &- x }
            let q = x / y
            return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q
        }
        static var hasInt: Bool { true }
    }

    /// `number / tensor`, which PyTorch computes as `tensor.reciprocal() * number`.
    static let rdiv = Op(
        "rdiv", Signature(["rdiv"], .method, [.tensor(), .operand()]),
        doc: "Computes `other / input` element-wise (what `number / tensor` runs).",
        samples: [OpSample([.tensor([3], .awayFromZero), .number(2)])],
        forward: { call in try call.inputs[0].reciprocal().mul(call.inputs[1]) })

    static let neg = Op(
        "neg", Signature(["neg", "negative"], [.tensor()], metamethods: ["__unm"]),
        doc: "Negates every element.",
        gradFn: "NegBackward0",
        samples: [OpSample([.tensor([2, 2])])],
        forward: { call in try negKernel(call.inputs[0]) },
        backward: { ctx in [try ctx.grad.neg()] })

    /// `-x` (bools are rejected).
    struct NegKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { -x }
        func int(_ x: Int64) -> Int64 { 0 &- x }
        static var hasInt: Bool { true }
    }

    // MARK: - Powers

    static let pow = Op(
        "pow", Signature(["pow"], [.tensor(), .operand("exponent")], metamethods: ["__pow"]),
        doc: "Raises `input` to the power `exponent` element-wise (tensor or number exponents).",
        gradFn: "PowBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([3], .positive), .number(2.5)]), OpSample([.tensor([2, 2]), .number(3)])],
        forward: { call in try Tensor.power(call.inputs[0], call.inputs[1]) },
        backward: { ctx in
            // d/dx x^e = e * x^(e-1), and 0 for e == 0 (as PyTorch's pow_backward).
            let x = try ctx.saved(0), e = try ctx.saved(1)
            guard e.isWrappedNumber, e.numel == 1 else {
                let dx = try e.mul(x.pow(e.sub(Tensor.wrapped(.int(1))))).masked(where: e.eq(Tensor.wrapped(.int(0))))
                return [try ctx.grad.mul(dx), nil]
            }
            let exponent = try e.item()
            if exponent.doubleValue == 0 { return [try Tensor.zeros(x.shape, dtype: ctx.grad.dtype), nil] }
            if exponent.doubleValue == 2, ctx.grad.dtype == x.dtype, !Tensor.recordsOps(ctx.grad, x) {
                // grad * (x^1 * 2) in one pass when nothing records it (the square of a loss):
                // x^1 is x and doubling is exact, so it rounds as the three ops do.
                return [try ctx.gradUpdated(by: x, op: "mul", DoubledFactorProductKernel())
                            ?? Tensor.arithmetic(ctx.grad, x, op: "mul", DoubledFactorProductKernel()), nil]
            }
            let lowered: Scalar = if case .int(let i) = exponent { .int(i - 1) } else { .double(exponent.doubleValue - 1) }
            return [try ctx.grad.mul(x.pow(Tensor.wrapped(lowered)).mul(Tensor.wrapped(exponent))), nil]
        })

    /// `a * (b + b)`: the gradient of `x ^ 2` from the incoming gradient and `x`.
    struct DoubledFactorProductKernel: BinaryKernel {
        func float<T: FloatElement>(_ a: T, _ b: T) -> T { a * (b + b) }
    }

    /// `tensor ^ tensor`: both operands differentiable.
    static let powTensor = Op(
        "pow", Signature(["pow"], .method, [.tensor(), .tensor("exponent")]),
        doc: "Raises `input` to the tensor power `exponent` element-wise.",
        gradFn: "PowBackward1", saves: [.input(0), .input(1), .output],
        samples: [OpSample([.tensor([3], .positive), .tensor([3])])],
        forward: { call in try Tensor.power(call.inputs[0], call.inputs[1]) },
        backward: { ctx in
            let x = try ctx.saved(0), e = try ctx.saved(1)
            var grads: InputGrads = [nil, nil]
            if ctx.needsGrad(0) {
                // where(e == 0, 0, grad * e * x^(e-1)): `where` last, as PyTorch records it.
                let dx = try ctx.grad.mul(e.mul(x.pow(e.sub(Tensor.wrapped(.int(1))))))
                grads[0] = try dx.masked(where: e.eq(Tensor.wrapped(.int(0))))
            }
            if ctx.needsGrad(1) {
                // x^e * log(x), defined as 0 where x == 0 and e >= 0 (as PyTorch does).
                let mask = try x.eq(Tensor.wrapped(.int(0))).logicalAnd(e.ge(Tensor.wrapped(.int(0))))
                grads[1] = try ctx.grad.mul(ctx.saved(2).mul(x.log()).masked(where: mask))
            }
            return grads
        })

    /// `number ^ tensor`.
    static let powScalarBase = Op(
        "pow", Signature(["pow"], .function, [Param("self", .tensorOrNumber), .tensor("exponent")]),
        doc: "Raises the number `self` to the tensor power `exponent`.",
        gradFn: "PowBackward2", saves: [.input(0), .output],
        samples: [OpSample([.number(1.5), .tensor([3])])],
        forward: { call in try Tensor.power(call.inputs[0], call.inputs[1]) },
        backward: { ctx in
            let base = try ctx.saved(0)
            let logBase = try base.converted(to: .float64).log()
            return [nil, try ctx.grad.mul(ctx.saved(1)).mul(logBase)]
        })
}

extension Tensor {
    /// This tensor times `alpha` (itself when alpha is absent or 1).
    func scaled(by alpha: Arg) throws -> Tensor {
        guard case .scalar(let value) = alpha, value != .int(1) else { return self }
        return try mul(Tensor.wrapped(value))
    }

    /// Throws PyTorch's error for integer division by zero.
    func checkNoZeroDivisor() throws {
        let integral = !dtype.isFloatingPoint
        if integral, (0..<numel).contains(where: { integerElement($0) == 0 }) { throw TorchError("ZeroDivisionError") }
    }
}

// MARK: - Kernels without dispatch

/// The forward computations of the common arithmetic ops, shared by their table entries and by
/// `Tensor`'s Swift methods, which call them directly when nothing would be recorded (backward
/// formulas, optimizers): the op table's dispatch around a 0-d product cost a fifth of it.
extension Ops {
    static func addKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try withNumber(a, b, AddKernel()) ?? Tensor.arithmetic(a, b, op: "add", AddKernel())
    }

    /// `a + alpha * b` as `add` computes it: `b` scaled first unless alpha is absent or 1
    /// (tested here, where `b.scaled(by:)` handed back `b` itself retained).
    static func addKernel(_ a: Tensor, _ b: Tensor, alpha: Arg) throws -> Tensor {
        guard case .scalar(let value) = alpha, value != .int(1) else { return try addKernel(a, b) }
        return try addKernel(a, b.mul(Tensor.wrapped(value)))
    }

    static func subKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        if a.dtype == .bool && b.dtype == .bool {
            throw TorchError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.")
        }
        return try withNumber(a, b, SubKernel()) ?? Tensor.arithmetic(a, b, op: "sub", SubKernel())
    }

    static func mulKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try withNumber(a, b, MulKernel()) ?? Tensor.arithmetic(a, b, op: "mul", MulKernel())
    }

    static func divKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        if let out = try withNumber(a, b, DivKernel()) { return out }
        let promoted = Tensor.resultType(a, b)
        return try Tensor.arithmetic(a, b, dtype: promoted.isFloatingPoint ? promoted : .float32, op: "div", DivKernel())
    }

    static func negKernel(_ a: Tensor) throws -> Tensor {
        try Tensor.sameTypeUnary(a, op: "neg", NegKernel())
    }
}

// MARK: - A floating-point tensor and a number

extension Ops {
    /// `kernel(a, b)` when one operand is a floating-point tensor and the other a wrapped
    /// number (a 0-d one: `y * 0.999`), nil otherwise: the number is read once, in the tensor's dtype,
    /// as PyTorch keeps a wrapped scalar. `Tensor.arithmetic` would first look up (or make)
    /// the number converted to that dtype as a 0-d tensor, four retains and a cache lookup
    /// per op. The result is the same: the tensor's dtype wins (`Tensor.resultType`), the
    /// number is converted to it exactly as `converted(to:)` converts it, and the output has
    /// the tensor's shape.
    @inline(__always)
    static func withNumber<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ kernel: K) throws -> Tensor? {
        if b.isWrappedNumber && b.ndim == 0 && !a.isWrappedNumber && a.dtype.isFloatingPoint {
            return a.dtype == .float64
                ? try mapped(a, NumberSecond(kernel: kernel, number: b.number(as: Double.self)))
                : try mapped(a, NumberSecond(kernel: kernel, number: b.number(as: Float.self)))
        }
        if a.isWrappedNumber && a.ndim == 0 && !b.isWrappedNumber && b.dtype.isFloatingPoint {
            return b.dtype == .float64
                ? try mapped(b, NumberFirst(kernel: kernel, number: a.number(as: Double.self)))
                : try mapped(b, NumberFirst(kernel: kernel, number: a.number(as: Float.self)))
        }
        return nil
    }

    /// `f` applied to each element of `x`, into a new tensor of `x`'s shape and dtype.
    @inline(__always)
    private static func mapped<F: MapFunction>(_ x: Tensor, _ f: F) throws -> Tensor {
        let out = x.isContiguous ? try Tensor.empty(like: x, dtype: x.dtype) : try Tensor.empty(x.shape, dtype: x.dtype)
        Tensor.map(x, into: out, f)
        return out
    }

    /// `kernel(x, number)` for each element `x`.
    private struct NumberSecond<K: BinaryKernel, T: FloatElement>: MapFunction {
        let kernel: K, number: T
        @inline(__always) func callAsFunction(_ x: T) -> T { kernel.float(x, number) }
    }

    /// `kernel(number, x)` for each element `x`.
    private struct NumberFirst<K: BinaryKernel, T: FloatElement>: MapFunction {
        let kernel: K, number: T
        @inline(__always) func callAsFunction(_ x: T) -> T { kernel.float(number, x) }
    }
}

private extension Tensor {
    /// The one element of a wrapped number, converted to `T` as a dtype conversion converts it.
    @inline(__always)
    func number<T: FloatElement>(as _: T.Type) -> T {
        switch dtype {
        case .float64: T(converting: pointer(Double.self).pointee)
        case .float32: T(converting: Double(pointer(Float.self).pointee))
        case .int64: T(converting: pointer(Int64.self).pointee)
        case .bool: T(converting: Int64(pointer(Bool.self).pointee ? 1 : 0))
        }
    }
}
