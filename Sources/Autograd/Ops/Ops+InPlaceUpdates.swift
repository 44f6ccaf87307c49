/// In-place forms of the element-wise functions training code updates tensors with
/// (`exp_`, `clamp_`, `addcmul_`, `lerp_`, ...).
///
/// Each is its out-of-place op applied through `applyInPlace`: under `no_grad` (an optimizer
/// step) the result is written straight back; with grad enabled the op is recorded and the
/// tensor's history rebased, and a leaf that requires grad is refused, as in PyTorch.
extension Ops {
    static let negInPlace = unaryInPlace("neg_", of: neg, "Negates every element in place.")
    static let expInPlace = unaryInPlace("exp_", of: exp, "Replaces every element by its exponential.")
    static let logInPlace = unaryInPlace("log_", of: log, "Replaces every element by its natural logarithm.")
    static let sqrtInPlace = unaryInPlace("sqrt_", of: sqrt, "Replaces every element by its square root.")
    static let absInPlace = unaryInPlace("abs_", of: abs, "Replaces every element by its absolute value.")
    static let reluInPlace = unaryInPlace("relu_", of: relu, "Replaces negative elements by 0 in place.")
    static let sigmoidInPlace = unaryInPlace("sigmoid_", of: sigmoid, "Applies the logistic sigmoid in place.")
    static let tanhInPlace = unaryInPlace("tanh_", of: tanh, "Applies tanh in place.")
    static let reciprocalInPlace = unaryInPlace("reciprocal_", of: reciprocal, "Replaces every element by 1 / x.")

    static let powInPlace = Op(inPlace: "pow_", of: pow, Signature(["pow_"], .method, [.tensor(), .operand("exponent")]),
                               doc: "Raises every element to the power `exponent` in place.")
    static let clampInPlace = Op(
        inPlace: "clamp_", of: clampNumbers,
        Signature(["clamp_", "clip_"], .method,
                  [.tensor(), Param("min", .number, default: .absent), Param("max", .number, default: .absent)]),
        doc: "Limits every element to [min, max] (number bounds, either may be nil) in place.")

    static let addcmulInPlace = Op(inPlace: "addcmul_", of: addcmul, Signature(["addcmul_"], .method, tripleParams),
                                   doc: "Adds `value * tensor1 * tensor2` to the tensor in place.")
    static let addcdivInPlace = Op(inPlace: "addcdiv_", of: addcdiv, Signature(["addcdiv_"], .method, tripleParams),
                                   doc: "Adds `value * tensor1 / tensor2` to the tensor in place.")
    static let lerpTensorInPlace = Op(
        inPlace: "lerp_", of: lerpTensor, Signature(["lerp_"], .method, [.tensor(), .tensor("end"), .tensor("weight")]),
        doc: "Moves the tensor toward `end` by the tensor `weight`, in place.")
    static let lerpNumberInPlace = Op(
        inPlace: "lerp_", of: lerpNumber, Signature(["lerp_"], .method, [.tensor(), .tensor("end"), Param("weight", .number)]),
        doc: "Moves the tensor toward `end` by the number `weight`, in place.")

    /// `name(x)` written back into `x`.
    private static func unaryInPlace(_ name: String, of base: Op, _ doc: String) -> Op {
        Op(inPlace: name, of: base, Signature([name], .method, [.tensor()]), doc: doc)
    }
}
