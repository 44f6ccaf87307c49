/// The gradients of a matrix product's operands, shared by `mm` and `addmm`: PyTorch's
/// `mm_mat1_backward` and `mm_mat2_backward`, plus a product written straight into a leaf's
/// `.grad` where the engine offers it.
extension BackwardContext {
    /// The gradients of `mat1` (input `i`, saved tensor `mat1Slot`) and `mat2` (input `j`,
    /// saved tensor `mat2Slot`) in `alpha · (mat1 @ mat2)`: `mat1Gradient` and `mat2Gradient`,
    /// computed side by side on two threads when both are wanted and the two products qualify
    /// (`Tensor.productPair`: small ones, each whole on one thread, with the same bits as
    /// one after the other).
    func productGradients(mat1 i: Int, _ mat1Slot: Int, mat2 j: Int, _ mat2Slot: Int,
                          alpha: Arg = .absent) throws -> (Tensor?, Tensor?) {
        if let both = try productGradientsSideBySide(mat1: i, mat1Slot, mat2: j, mat2Slot, alpha: alpha) {
            return both
        }
        return (try mat1Gradient(input: i, mat2: mat2Slot, alpha: alpha),
                try mat2Gradient(input: j, mat1: mat1Slot, alpha: alpha))
    }

    /// `productGradients` as one `Tensor.productPair`, or nil (nothing computed) when a
    /// gradient is not wanted, `alpha` scales them, an op would be recorded (`create_graph`,
    /// forward-mode tangents) or the products do not qualify. Each product and its layout is
    /// the one `mat1Gradient` or `mat2Gradient` would compute.
    private func productGradientsSideBySide(mat1 i: Int, _ mat1Slot: Int, mat2 j: Int, _ mat2Slot: Int,
                                            alpha: Arg) throws -> (Tensor?, Tensor?)? {
        guard needsGrad(i), needsGrad(j), alpha.scalesNothing, Parallel.workers > 1 else { return nil }
        // Unpacked in the order the formulas one after the other unpack them, so a saved
        // tensor changed in place fails with the same message.
        let mat2 = try saved(mat2Slot), mat1 = try saved(mat1Slot)
        guard !Tensor.recordsOps(grad, mat1), !Tensor.recordsOps(grad, mat2) else { return nil }
        let mat1T = try mat1.transposedForGradient(), mat2T = try mat2.transposedForGradient()
        let first = try pairedProduct(input: i, grad, mat2T), second = try pairedProduct(input: j, mat1T, grad)
        guard let (a, b) = try Tensor.productPair(first.product, second.product) else { return nil }
        return (try first.gradient(from: a), try second.gradient(from: b))
    }

    /// Input `i`'s gradient `a @ b` as one product of a pair, as the formula alone computes
    /// it: added into its leaf's `.grad` where `addProduct` would, else for a column-major
    /// input as `(bᵀ @ aᵀ)ᵀ`, else as `a @ b` into a new tensor.
    private func pairedProduct(input i: Int, _ a: Tensor, _ b: Tensor) throws -> PairedGradient {
        if let destination = leafGradDestination(i), Tensor.canAddProduct(a, b, into: destination) {
            return PairedGradient(product: Tensor.PairedProduct(a: a, b: b, into: destination), transposed: false)
        }
        if inputWasColumnMajor(i) {
            let product = Tensor.PairedProduct(a: try b.transposedForGradient(), b: try a.transposedForGradient(), into: nil)
            return PairedGradient(product: product, transposed: true)
        }
        return PairedGradient(product: Tensor.PairedProduct(a: a, b: b, into: nil), transposed: false)
    }

    /// The gradient of `mat1` (input `i`) in `alpha · (mat1 @ mat2)`, with `mat2` the saved
    /// tensor `mat2Slot`; nil when `mat1` needs none or when it was added into its leaf's
    /// `.grad` already.
    func mat1Gradient(input i: Int, mat2 mat2Slot: Int, alpha: Arg = .absent) throws -> Tensor? {
        guard needsGrad(i) else { return nil }
        let mat2 = try saved(mat2Slot)
        let mat2T = try mat2.transposedForGradient()
        if try addProduct(input: i, grad, mat2T, alpha: alpha) { return nil }
        if inputWasColumnMajor(i) { return try mat2.mm(grad.t()).scaled(by: alpha).t() }
        return try grad.mm(mat2T).scaled(by: alpha)
    }

    /// The gradient of `mat2` (input `i`) in `alpha · (mat1 @ mat2)`, with `mat1` the saved
    /// tensor `mat1Slot`; nil when `mat2` needs none or when it was added into its leaf's
    /// `.grad` already.
    ///
    /// For a column-major `mat2` it is computed as `(gradᵀ @ mat1)ᵀ`, in that layout, as
    /// PyTorch does: `linear` multiplies by `weight:t()`, and the `t()` the gradient flows
    /// back through then hands the weight a contiguous gradient, which becomes its `.grad`
    /// as it is, where a row-major product came out transposed and was copied.
    func mat2Gradient(input i: Int, mat1 mat1Slot: Int, alpha: Arg = .absent) throws -> Tensor? {
        guard needsGrad(i) else { return nil }
        let mat1 = try saved(mat1Slot)
        let mat1T = try mat1.transposedForGradient()
        if try addProduct(input: i, mat1T, grad, alpha: alpha) { return nil }
        if inputWasColumnMajor(i) { return try grad.t().mm(mat1).scaled(by: alpha).t() }
        return try mat1T.mm(grad).scaled(by: alpha)
    }

    /// Adds `a @ b`, input `i`'s gradient, into the `.grad` of the leaf it feeds when the
    /// engine offers that `.grad` (`leafGradDestination`) and nothing scales the product:
    /// BLAS accumulates onto it, the one pass over the gradient the product makes anyway.
    /// Returns whether it did.
    private func addProduct(input i: Int, _ a: Tensor, _ b: Tensor, alpha: Arg) throws -> Bool {
        guard alpha.scalesNothing, let destination = leafGradDestination(i) else { return false }
        return try Tensor.addProduct(a, b, into: destination)
    }
}

extension Tensor {
    /// `t()` of a matrix for a gradient formula: the view made at once when no op would
    /// record it (the op table's dispatch cost more than the view), as `Ops.t` makes it.
    fileprivate func transposedForGradient() throws -> Tensor {
        guard ndim == 2, !Tensor.recordsOps(self, self) else { return try t() }
        return view(shape: [shape[1], shape[0]], strides: [strides[1], strides[0]], offset: offset)
    }
}

extension Arg {
    /// Whether this `alpha` leaves a product as it is (absent, or the integer 1), as
    /// `Tensor.scaled(by:)` decides.
    fileprivate var scalesNothing: Bool {
        guard case .scalar(let value) = self else { return true }
        return value == .int(1)
    }
}

/// One gradient of a product pair: the product, and whether it is the gradient's transpose.
private struct PairedGradient {
    let product: Tensor.PairedProduct
    let transposed: Bool

    /// The gradient from the product's result `out`: nil when it went into a leaf's `.grad`
    /// (the formula returns none then), else `out` or its transposed view.
    func gradient(from out: Tensor) throws -> Tensor? {
        if product.into != nil { return nil }
        return transposed ? try out.transposedForGradient() : out
    }
}
