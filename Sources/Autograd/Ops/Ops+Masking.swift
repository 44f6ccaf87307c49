/// Ops that pick or write elements by a bool mask: masked_fill, masked_select, masked_scatter
/// and their in-place forms.
extension Ops {
    // MARK: - Selecting by mask

    static let maskedFillTensor = Op(
        "masked_fill", Signature(["masked_fill"], [.tensor(), .tensor("mask"), .tensor("value")]),
        doc: "A copy with the 0-d tensor `value` where `mask` (bool, broadcast) is true.",
        gradFn: "MaskedFillBackward1", saves: [.input(1)],
        samples: [OpSample([.tensor([2, 3]), .mask([3]), .tensor([])])],
        forward: { call in
            let value = call.inputs[2]
            guard value.ndim == 0 else {
                throw TorchError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with \(value.ndim) dimension(s).")
            }
            return try call.inputs[0].maskedFillKernel(call.inputs[1], value.item())
        },
        backward: { ctx in
            let mask = try ctx.saved(0)
            return [ctx.needsGrad(0) ? try ctx.grad.maskedFill(mask, .int(0)) : nil, nil,
                    ctx.needsGrad(2) ? try Tensor.where(mask, ctx.grad, Tensor.number(0)).sum() : nil]
        })

    static let maskedFill = Op(
        "masked_fill", Signature(["masked_fill"], [.tensor(), .tensor("mask"), Param("value", .number)]),
        doc: "A copy with `value` where `mask` (bool, broadcast) is true.",
        gradFn: "MaskedFillBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([2, 3]), .mask([2, 3])], [.scalar(.double(0.5))])],
        forward: { call in
            let value = try call.scalar("value")
            return try call.inputs[0].maskedFillKernel(call.inputs[1], value)
        },
        backward: { ctx in [try ctx.grad.maskedFill(ctx.saved(0), .int(0)), nil] })

    static let maskedSelect = Op(
        "masked_select", Signature(["masked_select"], [.tensor(), .tensor("mask")]),
        doc: "The elements where `mask` (bool, broadcast) is true, as a 1-d tensor.",
        gradFn: "MaskedSelectBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([2, 3]), .mask([3])])],
        forward: { call in try call.inputs[0].maskedSelectKernel(call.inputs[1]) },
        backward: { ctx in
            let mask = try ctx.saved(0)
            let shape = try Shapes.broadcast(ctx.inputShape(0), mask.shape)
            return [try Tensor.zeros(shape, dtype: ctx.grad.dtype).maskedScatter(mask, ctx.grad), nil]
        })

    static let maskedScatter = Op(
        "masked_scatter", Signature(["masked_scatter"], [.tensor(), .tensor("mask"), .tensor("source")]),
        doc: "A copy with the elements of `source`, in order, written where `mask` (bool, broadcast) is true.",
        gradFn: "MaskedScatterBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([2, 3]), .mask([2, 3]), .tensor([4])])],
        forward: { call in try call.inputs[0].maskedScatterKernel(call.inputs[1], call.inputs[2]) },
        backward: { ctx in
            let mask = try ctx.saved(0)
            var source: Tensor? = nil
            if ctx.needsGrad(2) {
                let shape = ctx.inputShape(2)
                let count = Shapes.numel(shape) ?? 0
                var picked = try ctx.grad.maskedSelect(mask)
                if picked.numel < count {
                    picked = try Tensor.cat([picked, Tensor.zeros([count - picked.numel], dtype: picked.dtype)])
                }
                source = try picked.reshape(shape)
            }
            return [ctx.needsGrad(0) ? try ctx.grad.maskedFill(mask, .int(0)) : nil, nil, source]
        })

    // MARK: - In place

    static let maskedFillTensorInPlace = Op(inPlace: "masked_fill_", of: maskedFillTensor,
        Signature(["masked_fill_"], .method, [.tensor(), .tensor("mask"), .tensor("value")]),
        doc: "Writes the 0-d tensor `value` where `mask` is true, in place.")
    static let maskedFillInPlace = Op(inPlace: "masked_fill_", of: maskedFill,
        Signature(["masked_fill_"], .method, [.tensor(), .tensor("mask"), Param("value", .number)]),
        doc: "Writes `value` where `mask` is true, in place.")
    static let maskedScatterInPlace = Op(inPlace: "masked_scatter_", of: maskedScatter,
        Signature(["masked_scatter_"], .method, [.tensor(), .tensor("mask"), .tensor("source")]),
        doc: "Writes the elements of `source`, in order, where `mask` is true, in place.")
}
