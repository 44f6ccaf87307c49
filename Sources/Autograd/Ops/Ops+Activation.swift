#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Activation functions of `torch.nn.functional` that have their own backward in PyTorch
/// (`LeakyReluBackward0`, `GeluBackward0`), and the error function `gelu` is made of.
///
/// Forwards are fused element kernels with PyTorch's formulas, operation for operation, so
/// float32 results round as PyTorch's do. Backward formulas are written with table ops, so
/// they can be differentiated again (double backward and forward mode).
extension Ops {
    // MARK: - Error function

    static let erf = Op(
        "erf", Signature(["erf"], [.tensor()]),
        doc: "The error function 2/√π ∫₀ˣ exp(-t²) dt of every element.",
        gradFn: "ErfBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([5])])],
        forward: { call in try Tensor.contiguousFloatErf(call.inputs[0]) ?? Tensor.floatUnary(call.inputs[0], ErfKernel()) },
        backward: { ctx in
            // erf'(x) = 2/√π exp(-x²)
            let x = try ctx.saved(0)
            return [try x.mul(x).neg().exp().mul(Tensor.number(2 / Double.pi.squareRoot())).mul(ctx.grad)]
        })

    /// erf, evaluated in double precision and rounded once to the element type.
    struct ErfKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { T(errorFunction(Double(x))) }
    }

    // MARK: - Leaky ReLU

    static let leakyRelu = Op(
        "leaky_relu", Signature(["leaky_relu"], .nn, [.tensor(), Param("negative_slope", .double, default: .double(0.01))]),
        doc: "x where x > 0, `negative_slope` · x elsewhere, for every element.",
        gradFn: "LeakyReluBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([2, 3], .awayFromZero)]),
                  OpSample([.tensor([5], .awayFromZero)], [.double(-0.3)])],
        forward: { call in
            try Tensor.sameTypeUnary(call.inputs[0], op: "leaky_relu_cpu", LeakyReluKernel(slope: call.double("negative_slope")))
        },
        backward: { ctx in
            // leaky_relu_backward: the gradient where x > 0, times the slope elsewhere.
            let x = try ctx.saved(0), slope = try ctx.double("negative_slope")
            return [try Tensor.where(x.gt(Tensor.number(0)), ctx.grad, ctx.grad.mul(Tensor.number(slope)))]
        })

    /// PyTorch's `leaky_relu_kernel`: `x > 0 ? x : x * slope`, the slope in the element type.
    struct LeakyReluKernel: UnaryKernel {
        let slope: Double
        func float<T: FloatElement>(_ x: T) -> T { x > 0 ? x : x * T(slope) }
    }

    // MARK: - GELU

    static let gelu = Op(
        "gelu", Signature(["gelu"], .nn, [.tensor(), Param("approximate", .string, default: .string("none"))]),
        doc: "x Φ(x), Φ the standard normal CDF; `approximate=\"tanh\"` uses 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).",
        gradFn: "GeluBackward0", saves: [.input(0)],
        samples: [OpSample([.tensor([2, 3])]),
                  OpSample([.tensor([5])], [.string("tanh")])],
        forward: { call in
            let x = call.inputs[0]
            guard x.dtype.isFloatingPoint else { throw TorchError("\"GeluKernelImpl\" not implemented for '\(x.dtype.scalarTypeName)'") }
            let tanhForm = try usesTanhForm(call)
            if let fast = try tanhForm ? Tensor.contiguousFloatGeluTanh(x) : Tensor.contiguousFloatErf(x, gelu: true) {
                return fast
            }
            return try Tensor.floatUnary(x, GeluKernel(tanhForm: tanhForm))
        },
        backward: { ctx in
            let x = try ctx.saved(0)
            let tanhForm = try usesTanhForm(ctx)
            // One pass when nothing records the formula (no double backward).
            if tanhForm, !Tensor.recordsOps(ctx.grad, x), let fast = try Tensor.contiguousFloatGeluTanhGradient(x, ctx.grad) {
                return [fast]
            }
            return [try ctx.grad.mul(tanhForm ? geluTanhDerivative(x) : geluDerivative(x))]
        })

    /// Whether `approximate` selects the tanh form, with PyTorch's error for other strings.
    private static func usesTanhForm(_ call: some OpArguments) throws -> Bool {
        switch try call.string("approximate") {
        case "none": return false
        case "tanh": return true
        default: throw TorchError("approximate argument must be either none or tanh.")
        }
    }

    /// PyTorch's `GeluKernelImpl`, both forms.
    struct GeluKernel: UnaryKernel {
        let tanhForm: Bool
        func float<T: FloatElement>(_ x: T) -> T {
            if tanhForm {
                let inner = T(geluBeta) * (x + T(geluKappa) * x * x * x)
                return T(0.5) * x * (1 + T.tanh(inner))
            }
            return x * T(0.5) * (1 + T(errorFunction(Double(x * T(0.5.squareRoot())))))
        }
    }

    /// Φ(x) + x φ(x): PyTorch's `gelu_backward` for the exact form.
    private static func geluDerivative(_ x: Tensor) throws -> Tensor {
        let cdf = try Ops.erf.apply(x.mul(Tensor.number(0.5.squareRoot()))).add(Tensor.number(1)).mul(Tensor.number(0.5))
        let pdf = try x.mul(x).mul(Tensor.number(-0.5)).exp().mul(Tensor.number(geluPdfScale))
        return try cdf.add(x.mul(pdf))
    }

    /// PyTorch's `gelu_backward` for the tanh form: the product rule over 0.5 x and
    /// 1 + tanh(inner).
    static func geluTanhDerivative(_ x: Tensor) throws -> Tensor {
        let xSquared = try x.mul(x)
        let inner = try x.add(xSquared.mul(x).mul(Tensor.number(geluKappa))).mul(Tensor.number(geluBeta))
        let t = try inner.tanh()
        let leftDerivative = try t.add(Tensor.number(1)).mul(Tensor.number(0.5))
        let tanhDerivative = try Tensor.number(1).sub(t.mul(t))
        let innerDerivative = try xSquared.mul(Tensor.number(3 * geluKappa)).add(Tensor.number(1)).mul(Tensor.number(geluBeta))
        let rightDerivative = try x.mul(Tensor.number(0.5)).mul(tanhDerivative).mul(innerDerivative)
        return try leftDerivative.add(rightDerivative)
    }
}

// MARK: - Constants and libm

/// √(2/π), PyTorch's `kBeta` of the tanh form (`M_SQRT2 * M_2_SQRTPI * 0.5`).
let geluBeta = 2.0.squareRoot() * (2 / Double.pi.squareRoot()) * 0.5
/// 1/√(2π), the standard normal density's factor (PyTorch's `M_2_SQRTPI * M_SQRT1_2 * 0.5`).
private let geluPdfScale = 2 / Double.pi.squareRoot() * 0.5.squareRoot() * 0.5
/// PyTorch's `kKappa` of the tanh form.
let geluKappa = 0.044715

/// libm's erf (a free function: inside `Ops`, `erf` names the op).
private func errorFunction(_ x: Double) -> Double { erf(x) }
