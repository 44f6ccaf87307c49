/// The namespace of op declarations; each `Ops+*.swift` file adds a family.
public enum Ops {}

/// Every op LuaGrad has, listed once.
///
/// Bindings, `help()`, `docs/reference/ops.md` and the gradcheck test iterate this table, so an
/// op added here is reachable from Lua, documented and tested without further registration
/// (and `OpTableTests` fails for an op declared under `Ops/` but missing here).
public enum OpTable {
    /// Every op: the ones bound to Lua in the order the reference docs list them, then the
    /// internal ones (`Exposure.internal`), which the graph and other ops run.
    public static let all: [Op] = [
        // Creation
        Ops.tensor, Ops.zeros, Ops.ones, Ops.full, Ops.empty, Ops.arange, Ops.rand, Ops.randn,
        // Arithmetic
        Ops.add, Ops.sub, Ops.rsub, Ops.mul, Ops.div, Ops.rdiv, Ops.remainder, Ops.floorDivide, Ops.neg,
        Ops.powTensor, Ops.pow, Ops.powScalarBase,
        // Element-wise functions
        Ops.exp, Ops.log, Ops.sin, Ops.cos, Ops.tanh, Ops.sigmoid, Ops.relu, Ops.sqrt, Ops.abs,
        Ops.sign, Ops.reciprocal,
        // Reductions
        Ops.sum, Ops.mean, Ops.norm,
        // Linear algebra
        Ops.dot, Ops.mm, Ops.mv, Ops.matmul, Ops.t,
        // Shape and views
        Ops.view, Ops.reshape, Ops.flattenDims, Ops.contiguous, Ops.expand, Ops.unsqueeze, Ops.squeeze,
        Ops.select, Ops.cat, Ops.clone, Ops.toType,
        // Comparison
        Ops.eq, Ops.ne, Ops.lt, Ops.le, Ops.gt, Ops.ge, Ops.logicalAnd, Ops.whereOp, Ops.equal,
        Ops.allclose,
        // In-place
        Ops.addInPlace, Ops.subInPlace, Ops.mulInPlace, Ops.divInPlace, Ops.zeroInPlace,
        Ops.fillInPlace, Ops.copyInPlace,
        // Layout and indexing: views, joining, pieces, selecting by position and by mask
        Ops.transpose, Ops.permute, Ops.movedim, Ops.narrow, Ops.stack, Ops.repeat, Ops.tile, Ops.flip,
        Ops.chunk, Ops.split, Ops.unbind,
        Ops.indexSelect, Ops.indexAdd, Ops.gather, Ops.scatter, Ops.scatterValue, Ops.scatterAdd,
        Ops.maskedFillTensor, Ops.maskedFill, Ops.maskedSelect, Ops.maskedScatter,
        Ops.maskedFillTensorInPlace, Ops.maskedFillInPlace, Ops.maskedScatterInPlace, Ops.indexAddInPlace,
        Ops.scatterInPlace, Ops.scatterValueInPlace, Ops.scatterAddInPlace,
        // More creation and random numbers
        Ops.linspace, Ops.eye, Ops.zerosLike, Ops.onesLike, Ops.fullLike, Ops.emptyLike,
        Ops.randLike, Ops.randnLike, Ops.randintLike, Ops.randint, Ops.normalTensorTensor,
        Ops.normalTensorNumber, Ops.normalNumberTensor, Ops.normalNumbers, Ops.randperm,
        Ops.multinomial, Ops.bernoulli,
        // Math: element-wise functions
        Ops.log1p, Ops.expm1, Ops.tan, Ops.rsqrt, Ops.exp2, Ops.log2, Ops.log10, Ops.square,
        Ops.floor, Ops.ceil, Ops.round, Ops.trunc, Ops.frac,
        Ops.clamp, Ops.maximum, Ops.minimum,
        // Math: logical and classification
        Ops.logicalOr, Ops.logicalXor, Ops.logicalNot, Ops.isnan, Ops.isinf,
        // Math: reductions
        Ops.prod, Ops.variance, Ops.std, Ops.maxOfTwo, Ops.maxOp, Ops.minOfTwo, Ops.minOp, Ops.amax, Ops.amin,
        Ops.argmax, Ops.argmin, Ops.logsumexp, Ops.all, Ops.any,
        // Math: scans and normalizations
        Ops.cumsum, Ops.cumprod, Ops.softmax, Ops.logSoftmax,
        // Math: sorting
        Ops.sort, Ops.topk,
        // Math: linear algebra
        Ops.outer, Ops.bmm,
        // Training: random fills, affine maps, losses
        Ops.uniformInPlace, Ops.normalInPlace, Ops.bernoulliInPlace,
        Ops.addmm, Ops.linear,
        Ops.mseLoss, Ops.huberLoss, Ops.nllLoss, Ops.crossEntropyLoss, Ops.binaryCrossEntropy,
        Ops.binaryCrossEntropyWithLogits,
        // Training: activations, and the error function GELU is made of
        Ops.leakyRelu, Ops.gelu, Ops.erf,
        // Training: point-wise updates and their in-place forms
        Ops.addcmul, Ops.addcdiv, Ops.lerpTensor, Ops.lerpNumber,
        Ops.negInPlace, Ops.expInPlace, Ops.logInPlace, Ops.sqrtInPlace, Ops.absInPlace, Ops.reluInPlace,
        Ops.sigmoidInPlace, Ops.tanhInPlace, Ops.reciprocalInPlace, Ops.powInPlace, Ops.clampInPlace,
        Ops.addcmulInPlace, Ops.addcdivInPlace, Ops.lerpTensorInPlace, Ops.lerpNumberInPlace,
        Ops.randomInPlace,

        // Internal (not bound to Lua; `Exposure.internal`)
        Ops.unsafeView, Ops.slice, Ops.selectBackward, Ops.sliceBackward, Ops.zeroOp, Ops.fillOp, Ops.copyOp,
        Ops.copySlices, Ops.asStrided, Ops.index, Ops.tanhBackward, Ops.sigmoidBackward, Ops.thresholdBackward,
        Ops.logSoftmaxBackwardData, Ops.divScalar,
        Ops.matmulBatched, Ops.maxAll, Ops.minAll, Ops.maxAlong, Ops.minAlong, Ops.clampNumbers, Ops.clampTensors,
        Ops.uniformFill, Ops.normalFill, Ops.bernoulliFill, Ops.randomOp,
    ]

    /// The ops bound to Lua, in reference-doc order.
    public static let bound: [Op] = all.filter { $0.signature.exposure != .internal }

    /// Ops the graph uses internally (gradients of views, in-place rebasing) or other ops run;
    /// not bound to Lua.
    public static let internalOps: [Op] = all.filter { $0.signature.exposure == .internal }
}
