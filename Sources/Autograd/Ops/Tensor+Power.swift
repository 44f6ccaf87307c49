/// `pow`'s forward: PyTorch's CPU shortcuts for a number exponent, and the general kernel.
///
/// PyTorch's `pow_tensor_scalar_kernel` (aten/src/ATen/native/cpu/PowKernel.cpp) sends a float
/// or double tensor raised to 0.5, -0.5 or -1 to `sqrt`, `rsqrt` and `reciprocal`, and computes
/// 2, 3 and -2 as `x * x`, `x * x * x` and `1 / (x * x)` in the element type; only other
/// exponents call `pow`. The shortcuts are its values, not just its speed: `x * x * x` rounds
/// twice and differs from a correctly rounded cube in the last bit for some x, and `1 / sqrt(x)`
/// likewise from `pow(x, -0.5)`. (Its `1.0 / (x * x)` divides in double; a double quotient of
/// two floats rounded to float is the float quotient, so dividing in the element type is the
/// same.) Integer tensors take none of them: an integer exponent is `powi` there, as here, and a
/// float exponent makes the result float first, which then takes the float shortcuts.
extension Tensor {
    // MARK: - Dispatch

    /// `a ^ b` in the promoted dtype; integer powers are exact and reject negative exponents.
    static func power(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let dtype = resultType(a, b)
        if !dtype.isFloatingPoint {
            let e = try b.converted(to: .int64)
            if (0..<e.numel).contains(where: { e.integerElement($0) < 0 }) {
                throw TorchError("Integers to negative integer powers are not allowed.")
            }
        }
        if dtype.isFloatingPoint, b.isWrappedNumber, b.numel == 1,
           let out = try shortcutPower(a, b.element(0), dtype: dtype) {
            return out
        }
        return try arithmetic(a, b, dtype: dtype == .bool ? .int64 : dtype, op: "pow", Ops.PowKernel())
    }

    /// `a ^ exponent` in the float `dtype` where PyTorch's kernel computes it without `pow`
    /// (see above); nil for other exponents.
    ///
    /// `dtype` is `floatUnary`'s: the promoted type of a tensor and a number is the tensor's
    /// own float type, or float32 for an integer or bool tensor.
    private static func shortcutPower(_ a: Tensor, _ exponent: Double, dtype: DType) throws -> Tensor? {
        switch exponent {
        // Squares multiply (`(y - t)^2` in every loss); `x^1` (its backward) is `x * 1`.
        case 2: return try arithmetic(a, a, dtype: dtype, op: "pow", Ops.MulKernel())
        case 1: return try arithmetic(a, Tensor.wrapped(.int(1)), dtype: dtype, op: "pow", Ops.MulKernel())
        case 3: return try floatUnary(a, Ops.CubeKernel())
        case -2: return try floatUnary(a, Ops.InverseSquareKernel())
        case 0.5: return try floatUnary(a, Ops.SqrtKernel())
        case -0.5: return try floatUnary(a, Ops.RsqrtKernel())
        case -1: return try floatUnary(a, Ops.ReciprocalKernel())
        default: return nil
        }
    }
}

// MARK: - Kernels

extension Ops {
    /// `base ^ exponent`; integer powers by squaring, wrapping on overflow.
    struct PowKernel: BinaryKernel {
        func float<T: FloatElement>(_ base: T, _ exponent: T) -> T { T.pow(base, exponent) }
        func int(_ base: Int64, _ exponent: Int64) -> Int64 {
            var result: Int64 = 1, x = base, n = exponent
            while n > 0 {
                if n & 1 == 1 { result = result &* x }
                x = x &* x
                n >>= 1
            }
            return result
        }
        static var hasInt: Bool { true }
    }

    /// `x * x * x`, rounded after each product as PyTorch's `pow(x, 3)`.
    struct CubeKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { x * x * x }
    }

    /// `1 / (x * x)`, PyTorch's `pow(x, -2)`.
    struct InverseSquareKernel: UnaryKernel {
        func float<T: FloatElement>(_ x: T) -> T { 1 / (x * x) }
    }
}
