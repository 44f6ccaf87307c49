/// Ops that pick or write elements by position: index_select, index_add, gather, scatter,
/// scatter_add, their in-place forms, and the internal `index` behind Lua's tensor keys.
///
/// Positions and dims are 0-based here; the Lua binder converts scripts' 1-based ones, and
/// negative positions count from the end everywhere (PyTorch rejects them in `gather` and
/// `index_select`; Lua scripts expect `-1` to mean the last).
extension Ops {
    // MARK: - Selecting by position

    static let indexSelect = Op(
        "index_select", Signature(["index_select"], [.tensor(), Param("dim", .dim), Param("index", .positions)]),
        doc: "The slices at positions `index` (a 1-d int64 tensor) along `dim`, in that order.",
        gradFn: "IndexSelectBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([5], bound: 3)], [.int(0)]),
                  OpSample([.tensor([3, 4]), .indices([], bound: 4)], [.int(1)])],
        forward: { call in try call.inputs[0].indexSelectKernel(dim: call.int("dim"), call.inputs[1]) },
        backward: { ctx in
            let index = try ctx.saved(0)
            let zeros = try Tensor.zeros(ctx.inputShape(0), dtype: ctx.grad.dtype)
            return [try zeros.indexAdd(ctx.int("dim"), index, ctx.grad), nil]
        })

    static let indexAdd = Op(
        "index_add", Signature(["index_add"], [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("source")]),
        doc: "A copy with the slices of `source` added at positions `index` along `dim`.",
        gradFn: "IndexAddBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([5], bound: 3), .tensor([5, 4])], [.int(0)])],
        forward: { call in try call.inputs[0].indexAddKernel(dim: call.int("dim"), call.inputs[1], call.inputs[2]) },
        backward: { ctx in
            guard ctx.needsGrad(2) else { return [ctx.grad, nil, nil] }
            let index = try ctx.saved(0)
            var g = try ctx.grad.indexSelect(ctx.int("dim"), index)
            if g.shape != ctx.inputShape(2) { g = try g.reshape(ctx.inputShape(2)) }
            return [ctx.grad, nil, g]
        })

    static let gather = Op(
        "gather", Signature(["gather"], [.tensor(), Param("dim", .dim), Param("index", .positions)]),
        doc: "Elements picked along `dim` at the positions in `index` (shaped like the result).",
        gradFn: "GatherBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([2, 4], bound: 3)], [.int(0)]),
                  OpSample([.tensor([3, 4]), .indices([3, 5], bound: 4)], [.int(1)])],
        forward: { call in try call.inputs[0].gatherKernel(dim: call.int("dim"), call.inputs[1]) },
        backward: { ctx in
            [try ctx.grad.gatherBackward(dim: ctx.int("dim"), ctx.saved(0), inputShape: ctx.inputShape(0)), nil]
        })

    static let scatter = Op(
        "scatter", Signature(["scatter"], [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("src")]),
        doc: "A copy with elements of `src` written along `dim` at the positions in `index`.",
        gradFn: "ScatterBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([1, 4], bound: 3), .tensor([2, 5])], [.int(0)])],
        forward: { call in
            try call.inputs[0].scatterKernel(dim: call.int("dim"), call.inputs[1], source: call.inputs[2])
        },
        backward: { ctx in
            let index = try ctx.saved(0)
            let d = try ctx.int("dim")
            return [ctx.needsGrad(0) ? try ctx.grad.scatter(d, index, value: .int(0)) : nil, nil,
                    ctx.needsGrad(2) ? try ctx.grad.gather(d, index).zeroPadded(to: ctx.inputShape(2)) : nil]
        })

    static let scatterValue = Op(
        "scatter", Signature(["scatter"], [.tensor(), Param("dim", .dim), Param("index", .positions), Param("value", .number)]),
        doc: "A copy with `value` written along `dim` at the positions in `index`.",
        gradFn: "ScatterBackward1", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([2, 4], bound: 3)], [.int(0), .scalar(.double(2.5))])],
        forward: { call in
            let value = try call.scalar("value")
            return try call.inputs[0].scatterKernel(dim: call.int("dim"), call.inputs[1], value: value)
        },
        backward: { ctx in [try ctx.grad.scatter(ctx.int("dim"), ctx.saved(0), value: .int(0)), nil] })

    static let scatterAdd = Op(
        "scatter_add", Signature(["scatter_add"], [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("src")]),
        doc: "A copy with elements of `src` added along `dim` at the positions in `index` (repeats add up).",
        gradFn: "ScatterAddBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([2, 4], bound: 3), .tensor([2, 4])], [.int(0)])],
        forward: { call in
            try call.inputs[0].scatterKernel(dim: call.int("dim"), call.inputs[1], source: call.inputs[2], accumulate: true)
        },
        backward: { ctx in
            [ctx.grad, nil, ctx.needsGrad(2) ? try ctx.grad.gather(ctx.int("dim"), ctx.saved(0)).zeroPadded(to: ctx.inputShape(2)) : nil]
        })

    // MARK: - In place

    static let indexAddInPlace = Op(inPlace: "index_add_", of: indexAdd,
        Signature(["index_add_"], .method, [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("source")]),
        doc: "Adds the slices of `source` at positions `index` along `dim`, in place.")
    static let scatterInPlace = Op(inPlace: "scatter_", of: scatter,
        Signature(["scatter_"], .method, [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("src")]),
        doc: "Writes elements of `src` along `dim` at the positions in `index`, in place.")
    static let scatterValueInPlace = Op(inPlace: "scatter_", of: scatterValue,
        Signature(["scatter_"], .method, [.tensor(), Param("dim", .dim), Param("index", .positions), Param("value", .number)]),
        doc: "Writes `value` along `dim` at the positions in `index`, in place.")
    static let scatterAddInPlace = Op(inPlace: "scatter_add_", of: scatterAdd,
        Signature(["scatter_add_"], .method, [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("src")]),
        doc: "Adds elements of `src` along `dim` at the positions in `index`, in place.")

    // MARK: - Internal

    /// `x[index]` with an int64 tensor of positions (along dim 0) or a bool mask (over the
    /// leading dims): what Lua indexing with a tensor key should run. Its results carry
    /// PyTorch's `IndexBackward0`.
    static let index = Op(
        "index", Signature(["index"], .internal, [.tensor(), .tensor("indices")]),
        doc: "`x[indices]` for an int64 tensor of positions along dim 1 or a bool mask over the leading dims.",
        gradFn: "IndexBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 2]), .indices([2, 2], bound: 3)]), OpSample([.tensor([2, 3, 2]), .mask([2, 3])])],
        forward: { call in try call.inputs[0].indexKernel(call.inputs[1]) },
        backward: { ctx in
            let key = try ctx.saved(0)
            let shape = ctx.inputShape(0)
            let zeros = try Tensor.zeros(shape, dtype: ctx.grad.dtype)
            if key.dtype == .bool {
                let mask = try key.reshape(key.shape + [Int](repeating: 1, count: shape.count - key.ndim))
                return [try zeros.maskedScatter(mask, ctx.grad), nil]
            }
            let rows = try ctx.grad.reshape([key.numel] + shape.dropFirst())
            return [try zeros.indexAdd(0, key.reshape([key.numel]), rows), nil]
        })
}

// MARK: - Backward helpers

extension Tensor {
    /// This tensor extended with zeros at the end of each dim to `target` (a source's gradient
    /// when the index covered only part of it; PyTorch raises there instead).
    fileprivate func zeroPadded(to target: [Int]) throws -> Tensor {
        var result = self
        for j in 0..<Swift.min(ndim, target.count) where result.shape[j] < target[j] {
            var shape = result.shape
            shape[j] = target[j] - result.shape[j]
            result = try Tensor.cat([result, Tensor.zeros(shape, dtype: dtype)], dim: j)
        }
        return result
    }
}
