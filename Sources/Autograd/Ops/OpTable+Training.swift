/// The ops of the training toolkit: random fills, `addmm`, losses and activations
/// (`torch.nn.functional` and `torch.nn.init` are built on them).
extension OpTable {
    /// Bound to Lua, documented and gradient-checked like the rest of `OpTable.all`.
    static let trainingOps: [Op] = [
        // Random fills
        Ops.uniformInPlace, Ops.normalInPlace, Ops.bernoulliInPlace,
        // Affine maps
        Ops.addmm, Ops.linear,
        // Losses
        Ops.mseLoss, Ops.nllLoss, Ops.crossEntropyLoss,
    ]

    /// What the in-place random fills write (`uniform_` of `uniform`): recorded, not bound.
    static let trainingInternalOps: [Op] = [
        Ops.uniformFill, Ops.normalFill, Ops.bernoulliFill,
    ]
}

extension Array where Element == Arg {
    /// Argument `i`, or `.absent` when the caller passed fewer (Swift callers may leave
    /// trailing optional arguments out; the Lua binder always passes them all).
    func at(_ i: Int) -> Arg { i < count ? self[i] : .absent }
}
