/// Formulas that write their result into the incoming gradient.
///
/// A backward formula of an element-wise op (`grad * 0.999`, `grad * cos(x)`) allocated a
/// tensor per node per pass, and the gradient it read died right after. When the engine hands
/// the gradient over (nothing else holds the tensor or its memory: no hook kept it, no other
/// node's buffer shares it, it is not a view), the formula computes in place instead. The
/// kernel and its operands are the same, so the result is the same bit for bit; only where it
/// is stored changes, and nobody can observe that place.
extension BackwardContext {
    /// `kernel(grad, other)` written into `grad` and returned, when the engine handed `grad`
    /// over and the out-of-place op would give a tensor of `grad`'s shape and dtype without
    /// recording anything; nil otherwise (the formula then runs its usual op).
    @inline(__always)
    func gradUpdated<K: BinaryKernel>(by other: Tensor, op: String, _ kernel: K) throws -> Tensor? {
        guard ownsGrad, grad.recordsNothing(with: other),
              Tensor.resultType(grad, other) == grad.dtype,
              other.shape == grad.shape || (try? Shapes.broadcast(grad.shape, other.shape)) == grad.shape
        else { return nil }
        // `arithmetic` converts both operands to the result dtype first; `grad` has it already.
        try Tensor.zip(grad, other.converted(to: grad.dtype), into: grad, kernel, op: op)
        return grad
    }

    /// An activation's gradient `kernel(grad, y)` (`Tensor.activationGradient`: `tanh`'s and
    /// `sigmoid`'s) written into `grad`, when the engine handed `grad` over and `y`, the
    /// activation's output, has its dtype and shape; nil otherwise.
    @inline(__always)
    func activationGradUpdated<K: BinaryKernel>(by y: Tensor, op: String, _ kernel: K) throws -> Tensor? {
        guard y.dtype == grad.dtype, y.shape == grad.shape else { return nil }
        return try gradUpdated(by: y, op: op, kernel)
    }

    /// `threshold_backward(grad, x, threshold)` (the gradient of `relu`) written into `grad`
    /// and returned, when the engine handed `grad` over and the fused kernel applies; nil
    /// otherwise. In a training step `grad` is the product that just wrote it (`g @ W2ᵀ`),
    /// still in this core's cache, where a new output was a block the allocator picked.
    @inline(__always)
    func gradThresholded(_ x: Tensor, threshold: Double) -> Tensor? {
        guard ownsGrad, grad.recordsNothing(with: x), Tensor.canThresholdBackward(grad, x) else { return nil }
        Tensor.thresholdBackward(grad, x, threshold, into: grad)
        return grad
    }
}

extension Tensor {
    /// Whether `t` is a gradient the engine may give a formula to overwrite: referenced from
    /// `t` alone, owning all of its memory alone, plain contiguous data outside any graph.
    ///
    /// Both references are checked: a hook or `retain_grad` that kept the tensor, another
    /// node's buffer that got the same tensor (`add` passes its gradient on twice), or a view
    /// or saved alias of its memory each make it shared.
    static func isHandedOver(_ t: inout Tensor) -> Bool {
        isKnownUniquelyReferenced(&t) && t.viewBase == nil && t.ownsStorageAlone()
            && !t.requiresGrad && !t.isWrappedNumber && t.tangent == nil && t.isContiguous
            && t.dtype.isFloatingPoint
    }
}
