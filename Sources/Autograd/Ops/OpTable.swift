/// The namespace of op declarations; each `Ops+*.swift` file adds a family.
public enum Ops {}

/// Every op LuaGrad has, in the order the reference docs list them.
///
/// Bindings, `help()`, `docs/reference/ops.md` and the gradcheck test iterate this table, so an
/// op added here is reachable from Lua, documented and tested without further registration.
public enum OpTable {
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
    ]
        + layoutOps
        + creationOps
        + mathOps
        + trainingOps
        + pointwiseOps + inPlaceUpdateOps + randomIntegerOps

    /// Ops the graph uses internally (gradients of views, in-place rebasing); not bound to Lua.
    public static let internalOps: [Op] = [
        Ops.unsafeView, Ops.slice, Ops.selectBackward, Ops.sliceBackward, Ops.zeroOp, Ops.fillOp, Ops.copyOp,
        Ops.copySlices, Ops.asStrided, Ops.index, Ops.tanhBackward, Ops.sigmoidBackward, Ops.divScalar,
        Ops.randomOp,
    ] + trainingInternalOps
}
