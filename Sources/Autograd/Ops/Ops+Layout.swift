/// Layout ops: views that reorder or cut dims (transpose, permute, narrow, split), ops that
/// join or repeat (stack, repeat, flip), and ops that pick elements by position or by mask
/// (index_select, gather, scatter, masked_fill, masked_select).
///
/// Positions and dims are 0-based here; the Lua binder converts scripts' 1-based ones, and
/// negative positions count from the end everywhere (PyTorch rejects them in `gather` and
/// `index_select`; Lua scripts expect `-1` to mean the last).
extension Ops {
    // MARK: - Views

    static let transpose = Op(
        "transpose", Signature(["transpose", "swapaxes", "swapdims"], [.tensor(), Param("dim0", .dim), Param("dim1", .dim)]),
        doc: "A view with dims `dim0` and `dim1` swapped.",
        gradFn: "TransposeBackward0",
        samples: [OpSample([.tensor([2, 3, 4])], [.int(0), .int(2)])],
        forward: { call in
            let x = call.inputs[0]
            let a = try Shapes.wrapDim(call.args[0].int ?? 0, x.ndim)
            let b = try Shapes.wrapDim(call.args[1].int ?? 0, x.ndim)
            return x.transposedView(a, b)
        },
        backward: { ctx in [try ctx.grad.transpose(ctx.args[0].int ?? 0, ctx.args[1].int ?? 0)] })

    static let permute = Op(
        "permute", Signature(["permute"], [.tensor(), Param("dims", .dims)] + moreDims),
        doc: "A view with the dims reordered: `x:permute(2, 1)` or `x:permute{2, 1}`.",
        gradFn: "PermuteBackward0",
        samples: [OpSample([.tensor([2, 3, 4])], [.ints([2, 0, 1])])],
        forward: { call in
            let x = call.inputs[0]
            let order = try permutation(call.args, ndim: x.ndim)
            return x.permutedView(order)
        },
        backward: { ctx in
            let order = try permutation(ctx.args, ndim: ctx.grad.ndim)
            var inverse = [Int](repeating: 0, count: order.count)
            for (i, d) in order.enumerated() { inverse[d] = i }
            return [try ctx.grad.permute(inverse)]
        })

    /// Dims as varargs (`permute(2, 1)`, `flip(1, 2)`): the binder has no varargs form for
    /// dims, so the first dim (or a table of them) comes in `dims` and the others in these.
    private static let moreDims: [Param] = (2...8).map { Param("dim\($0)", .dims, default: .absent) }

    /// The dims of a `permute` call, checked to be a permutation of `0..<ndim`.
    private static func permutation(_ args: [Arg], ndim: Int) throws -> [Int] {
        let given = args.flatMap { $0.ints ?? [] }
        guard given.count == ndim else {
            throw TorchError("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = \(ndim) is not equal to len(dims) = \(given.count)")
        }
        let order = try given.map { try Shapes.wrapDim($0, ndim) }
        guard Set(order).count == order.count else { throw TorchError("permute(): duplicate dims are not allowed.") }
        return order
    }

    static let movedim = Op(
        "movedim", Signature(["movedim", "moveaxis"], [.tensor(), Param("source", .dims), Param("destination", .dims)]),
        doc: "A view with dims `source` moved to positions `destination`, the others keeping their order.",
        samples: [OpSample([.tensor([2, 3, 4])], [.ints([0]), .ints([2])])],
        forward: { call in
            let x = call.inputs[0]
            let order = try movedimOrder(ndim: x.ndim, source: call.args[0].ints ?? [], destination: call.args[1].ints ?? [])
            return try x.permute(order)
        })

    /// The permutation that moves `source` dims to `destination`, as PyTorch computes it.
    private static func movedimOrder(ndim: Int, source: [Int], destination: [Int]) throws -> [Int] {
        func shown(_ dims: [Int]) -> String { Shapes.format(dims.map(ThreadState.userPosition)) }
        guard source.count == destination.count else {
            throw TorchError("movedim: Invalid source or destination dims: source (\(shown(source)) dims) should contain the same number of dims as destination (\(shown(destination)) dims)")
        }
        let src = try source.map { try Shapes.wrapDim($0, ndim) }
        let dst = try destination.map { try Shapes.wrapDim($0, ndim) }
        guard Set(src).count == src.count else { throw TorchError("movedim: repeated dim in `source` (\(shown(source)))") }
        guard Set(dst).count == dst.count else { throw TorchError("movedim: repeated dim in `destination` (\(shown(destination)))") }
        if ndim == 0 { return [] }
        var order = [Int?](repeating: nil, count: ndim)
        for (s, d) in zip(src, dst) { order[d] = s }
        var rest = (0..<ndim).filter { !src.contains($0) }.makeIterator()
        return order.map { $0 ?? rest.next() ?? 0 }
    }

    static let narrow = Op(
        "narrow", Signature(["narrow"], [.tensor(), Param("dim", .dim), Param("start", .index), Param("length", .int)]),
        doc: "A view of `length` elements from position `start` along `dim`.",
        samples: [OpSample([.tensor([3, 4])], [.int(1), .int(1), .int(2)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.ndim > 0 else { throw TorchError("narrow() cannot be applied to a 0-dim tensor.") }
            let d = try Shapes.wrapDim(call.args[0].int ?? 0, x.ndim)
            let size = x.shape[d]
            var start = call.args[1].int ?? 0
            let length = call.args[2].int ?? 0
            guard start >= -size, start <= size else {
                let base = ThreadState.current.indexBase
                let range = base == 1 ? "[-\(size), -1] or [1, \(size + 1)]" : "[\(-size), \(size)]"
                throw TorchError("start out of range (expected to be in range of \(range), but got \(ThreadState.userPosition(start)))")
            }
            if start < 0 { start += size }
            guard length >= 0 else { throw TorchError("narrow(): length must be non-negative.") }
            guard start <= size - length else {
                throw TorchError("start (\(ThreadState.userPosition(start))) + length (\(length)) exceeds dimension size (\(size)).")
            }
            return try x.slice(d, start, start + length)
        })

    // MARK: - Joining, repeating, reversing

    static let stack = Op(
        "stack", Signature(["stack"], .function, [Param("tensors", .tensorList), Param("dim", .dim, default: .int(0))]),
        doc: "Joins tensors of equal shape along a new dimension `dim`.",
        gradFn: "StackBackward0",
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])], [.int(1)])],
        forward: { call in try Tensor.stackKernel(Array(call.inputs), dim: call.args[0].int ?? 0) },
        backward: { ctx in
            let d = try Shapes.wrapDim(ctx.args[0].int ?? 0, ctx.grad.ndim)
            return try (0..<ctx.inputCount).map { i in ctx.needsGrad(i) ? try ctx.grad.select(d, i) : nil }
        })

    static let `repeat` = Op(
        "repeat", Signature(["repeat"], .method, [.tensor(), Param("repeats", .sizes)]),
        doc: "The tensor tiled `repeats` times along each dim (`repeat` is a Lua keyword: `x:tile(...)` or `x['repeat'](x, ...)`).",
        gradFn: "RepeatBackward0",
        samples: [OpSample([.tensor([2, 3])], [.ints([2, 1, 2])])],
        forward: { call in try call.inputs[0].repeatKernel(call.args[0].ints ?? []) },
        backward: { ctx in [try ctx.grad.repeatBackward(ctx.args[0].ints ?? [], inputShape: ctx.inputShape(0))] })

    static let tile = Op(
        "tile", Signature(["tile"], [.tensor(), Param("dims", .sizes)]),
        doc: "Like `repeat`, except that fewer sizes than dims repeat the last dims.",
        samples: [OpSample([.tensor([2, 3])], [.ints([2])])],
        forward: { call in
            let x = call.inputs[0]
            let reps = call.args[0].ints ?? []
            return try x.repeat([Int](repeating: 1, count: Swift.max(x.ndim - reps.count, 0)) + reps)
        })

    static let flip = Op(
        "flip", Signature(["flip"], [.tensor(), Param("dims", .dims)] + moreDims),
        doc: "A copy with the order of elements reversed along `dims`.",
        gradFn: "FlipBackward0",
        samples: [OpSample([.tensor([2, 3])], [.ints([0, 1])])],
        forward: { call in
            let x = call.inputs[0]
            return try x.flipKernel(flipDims(call.args.flatMap { $0.ints ?? [] }, ndim: x.ndim))
        },
        backward: { ctx in [try ctx.grad.flip(ctx.args.flatMap { $0.ints ?? [] })] })

    /// `flip`'s dims, wrapped and checked for repeats.
    private static func flipDims(_ dims: [Int], ndim: Int) throws -> [Int] {
        let wrapped = try dims.map { try Shapes.wrapDim($0, ndim) }
        for (i, d) in wrapped.enumerated() where wrapped[..<i].contains(d) {
            throw TorchError("dim \(ThreadState.userPosition(d)) appears multiple times in the list of dims")
        }
        return wrapped
    }

    // MARK: - Pieces (several results)

    static let chunk = Op(
        "chunk", Signature(["chunk"], [.tensor(), Param("chunks", .int), Param("dim", .dim, default: .int(0))]),
        doc: "Up to `chunks` views of equal size along `dim` (the last may be smaller), as several results.",
        gradFn: "SplitBackward0", extraOutputs: variadicOutputs,
        samples: [OpSample([.tensor([5, 2])], [.int(2), .int(0)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.ndim > 0 else { throw TorchError("chunk expects at least a 1-dimensional tensor") }
            let chunks = call.args[0].int ?? 0
            guard chunks > 0 else { throw TorchError("chunk expects `chunks` to be greater than 0, got: \(chunks)") }
            // Every piece is a result; more than a script could ever take is refused up front.
            guard chunks <= Ops.maxPieces else {
                throw TorchError("chunk: \(chunks) pieces are more than the \(Ops.maxPieces) a call can return")
            }
            let d = try Shapes.wrapDim(call.args[1].int ?? 0, x.ndim)
            let size = x.shape[d]
            if size == 0 {
                // PyTorch gives `chunks` empty pieces here, through split_with_sizes.
                return try x.pieces(call: &call, dim: d, lengths: [Int](repeating: 0, count: chunks), node: "SplitWithSizesBackward0")
            }
            let step = (size - 1) / chunks + 1
            return try x.pieces(call: &call, dim: d, lengths: try splitLengths(size, step), node: "SplitBackward0")
        })

    static let split = Op(
        "split", Signature(["split"], [.tensor(), Param("split_size_or_sections", .data), Param("dim", .dim, default: .int(0))]),
        doc: "Views of `split_size` elements along `dim` (the last may be smaller), or of the sizes in a table, as several results.",
        gradFn: "SplitBackward0", extraOutputs: variadicOutputs,
        samples: [OpSample([.tensor([5, 2]), .indices([], bound: 5)], [.int(0)]),
                  OpSample([.tensor([5, 2]), .indices([2], bound: 4)], [.int(0)])],
        forward: { call in
            let x = call.inputs[0], sizes = call.inputs[1]
            guard sizes.dtype == .int64, sizes.ndim <= 1 else {
                throw TorchError("split(): argument 'split_size_or_sections' must be an integer or a table of integers, not a \(sizes.ndim > 1 ? "nested table" : sizes.dtype.description) value")
            }
            let d = x.ndim > 0 ? try Shapes.wrapDim(call.args[0].int ?? 0, x.ndim) : 0
            if sizes.ndim == 0 {
                guard x.ndim > 0 else { throw TorchError("split expects at least a 1-dimensional tensor") }
                let step = Int(sizes.integerElement(0))
                let size = x.shape[d]
                guard step >= 0 else { throw TorchError("split expects split_size be non-negative, but got split_size=\(step)") }
                guard step > 0 || size == 0 else {
                    throw TorchError("split_size can only be 0 if dimension size is 0, but got dimension size of \(size)")
                }
                return try x.pieces(call: &call, dim: d, lengths: step == 0 ? [0] : splitLengths(size, step), node: "SplitBackward0")
            }
            guard x.ndim > 0 else { throw TorchError("split_with_sizes expects at least a 1-dimensional tensor") }
            let lengths = (0..<sizes.numel).map { Int(sizes.integerElement($0)) }
            guard lengths.allSatisfy({ $0 >= 0 }) else {
                throw TorchError("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=\(Shapes.format(lengths))")
            }
            var total = 0
            for n in lengths {
                let (sum, overflow) = total.addingReportingOverflow(n)
                total = overflow ? Int.max : sum
            }
            guard total == x.shape[d] else {
                throw TorchError("split_with_sizes expects split_sizes to sum exactly to \(x.shape[d]) (input tensor's size at dimension \(ThreadState.userPosition(d))), but got split_sizes=\(Shapes.format(lengths))")
            }
            return try x.pieces(call: &call, dim: d, lengths: lengths, node: "SplitWithSizesBackward0")
        })

    static let unbind = Op(
        "unbind", Signature(["unbind"], [.tensor(), Param("dim", .dim, default: .int(0))]),
        doc: "Every slice along `dim` (that dim removed), as several results.",
        gradFn: "UnbindBackward0", extraOutputs: variadicOutputs,
        samples: [OpSample([.tensor([3, 2])], [.int(1)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.ndim > 0 else {
                throw TorchError("Dimension specified as \(ThreadState.userPosition(call.args[0].int ?? 0)) but tensor has no dimensions")
            }
            let d = try Shapes.wrapDim(call.args[0].int ?? 0, x.ndim)
            return try x.pieces(call: &call, dim: d, lengths: [Int](repeating: 1, count: x.shape[d]), node: "UnbindBackward0", squeeze: true)
        })

    /// `extraOutputs` of ops whose number of results depends on the call: every tensor the
    /// forward pass leaves in `OpCall.aux` is a result (`applyAll` takes a prefix of aux).
    static let variadicOutputs = Int.max

    /// The most pieces `split`, `chunk` and `unbind` return (each is a result value).
    static let maxPieces = 1 << 20

    /// The lengths of consecutive pieces of `step` elements covering `size` (at least one piece).
    private static func splitLengths(_ size: Int, _ step: Int) throws -> [Int] {
        // `size / step` rounded up, without overflowing for huge steps.
        let count = Swift.max(size / step + (size % step == 0 ? 0 : 1), 1)
        guard count <= maxPieces else {
            throw TorchError("split: \(count) pieces are more than the \(maxPieces) a call can return")
        }
        return (0..<count).map { Swift.min(step, size - $0 * step) }
    }

    // MARK: - Selecting by position

    static let indexSelect = Op(
        "index_select", Signature(["index_select"], [.tensor(), Param("dim", .dim), Param("index", .positions)]),
        doc: "The slices at positions `index` (a 1-d int64 tensor) along `dim`, in that order.",
        gradFn: "IndexSelectBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([5], bound: 3)], [.int(0)]),
                  OpSample([.tensor([3, 4]), .indices([], bound: 4)], [.int(1)])],
        forward: { call in try call.inputs[0].indexSelectKernel(dim: call.args[0].int ?? 0, call.inputs[1]) },
        backward: { ctx in
            let index = try ctx.saved(0)
            let zeros = try Tensor.zeros(ctx.inputShape(0), dtype: ctx.grad.dtype)
            return [try zeros.indexAdd(ctx.args[0].int ?? 0, index, ctx.grad), nil]
        })

    static let indexAdd = Op(
        "index_add", Signature(["index_add"], [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("source")]),
        doc: "A copy with the slices of `source` added at positions `index` along `dim`.",
        gradFn: "IndexAddBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([5], bound: 3), .tensor([5, 4])], [.int(0)])],
        forward: { call in try call.inputs[0].indexAddKernel(dim: call.args[0].int ?? 0, call.inputs[1], call.inputs[2]) },
        backward: { ctx in
            guard ctx.needsGrad(2) else { return [ctx.grad, nil, nil] }
            let index = try ctx.saved(0)
            var g = try ctx.grad.indexSelect(ctx.args[0].int ?? 0, index)
            if g.shape != ctx.inputShape(2) { g = try g.reshape(ctx.inputShape(2)) }
            return [ctx.grad, nil, g]
        })

    static let gather = Op(
        "gather", Signature(["gather"], [.tensor(), Param("dim", .dim), Param("index", .positions)]),
        doc: "Elements picked along `dim` at the positions in `index` (shaped like the result).",
        gradFn: "GatherBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([2, 4], bound: 3)], [.int(0)]),
                  OpSample([.tensor([3, 4]), .indices([3, 5], bound: 4)], [.int(1)])],
        forward: { call in try call.inputs[0].gatherKernel(dim: call.args[0].int ?? 0, call.inputs[1]) },
        backward: { ctx in
            let index = try ctx.saved(0)
            let zeros = try Tensor.zeros(ctx.inputShape(0), dtype: ctx.grad.dtype)
            return [try zeros.scatterAdd(ctx.args[0].int ?? 0, index, ctx.grad), nil]
        })

    static let scatter = Op(
        "scatter", Signature(["scatter"], [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("src")]),
        doc: "A copy with elements of `src` written along `dim` at the positions in `index`.",
        gradFn: "ScatterBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([1, 4], bound: 3), .tensor([2, 5])], [.int(0)])],
        forward: { call in
            try call.inputs[0].scatterKernel(dim: call.args[0].int ?? 0, call.inputs[1], source: call.inputs[2])
        },
        backward: { ctx in
            let index = try ctx.saved(0)
            let d = ctx.args[0].int ?? 0
            return [ctx.needsGrad(0) ? try ctx.grad.scatter(d, index, value: .int(0)) : nil, nil,
                    ctx.needsGrad(2) ? try ctx.grad.gather(d, index).zeroPadded(to: ctx.inputShape(2)) : nil]
        })

    static let scatterValue = Op(
        "scatter", Signature(["scatter"], [.tensor(), Param("dim", .dim), Param("index", .positions), Param("value", .number)]),
        doc: "A copy with `value` written along `dim` at the positions in `index`.",
        gradFn: "ScatterBackward1", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([2, 4], bound: 3)], [.int(0), .scalar(.double(2.5))])],
        forward: { call in
            guard case .scalar(let value) = call.args[1] else { throw TorchError("scatter(): value must be a number") }
            return try call.inputs[0].scatterKernel(dim: call.args[0].int ?? 0, call.inputs[1], value: value)
        },
        backward: { ctx in [try ctx.grad.scatter(ctx.args[0].int ?? 0, ctx.saved(0), value: .int(0)), nil] })

    static let scatterAdd = Op(
        "scatter_add", Signature(["scatter_add"], [.tensor(), Param("dim", .dim), Param("index", .positions), .tensor("src")]),
        doc: "A copy with elements of `src` added along `dim` at the positions in `index` (repeats add up).",
        gradFn: "ScatterAddBackward0", saves: [.input(1)],
        samples: [OpSample([.tensor([3, 4]), .indices([2, 4], bound: 3), .tensor([2, 4])], [.int(0)])],
        forward: { call in
            try call.inputs[0].scatterKernel(dim: call.args[0].int ?? 0, call.inputs[1], source: call.inputs[2], accumulate: true)
        },
        backward: { ctx in
            [ctx.grad, nil, ctx.needsGrad(2) ? try ctx.grad.gather(ctx.args[0].int ?? 0, ctx.saved(0)).zeroPadded(to: ctx.inputShape(2)) : nil]
        })

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
            guard case .scalar(let value) = call.args[0] else { throw TorchError("masked_fill(): value must be a number") }
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

    // MARK: - Not in the table yet

    /// `x[index]` with an int64 tensor of positions (along dim 0) or a bool mask (over the
    /// leading dims): what Lua indexing with a tensor key should run. Its results carry
    /// PyTorch's `IndexBackward0`.
    static let index = Op(
        "index", Signature(["index"], .method, [.tensor(), .tensor("indices")]),
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

    /// `flatten(start_dim, end_dim)`: the table's `flatten` (Ops+Shape.swift) takes no dims, and
    /// an overload here would never be chosen (the binder tries overloads in table order).
    static let flattenDims = Op(
        "flatten", Signature(["flatten"], [.tensor(), Param("start_dim", .dim, default: .int(0)), Param("end_dim", .dim, default: .int(-1))]),
        doc: "The dims `start_dim` through `end_dim` merged into one (a view when possible).",
        samples: [OpSample([.tensor([2, 3, 2])], [.int(1), .int(-1)])],
        forward: { call in
            let x = call.inputs[0]
            if x.ndim == 0 { return try x.reshape([1]) }
            let start = try Shapes.wrapDim(call.args[0].int ?? 0, x.ndim), end = try Shapes.wrapDim(call.args[1].int ?? -1, x.ndim)
            guard start <= end else { throw TorchError("flatten() has invalid args: start_dim cannot come after end_dim") }
            if start == end { return x }
            let merged = x.shape[start...end].reduce(1, *)
            return try x.reshape(Array(x.shape[..<start]) + [merged] + Array(x.shape[(end + 1)...]))
        })
}

extension OpTable {
    /// The layout family, as bound to Lua (see `Ops+Layout.swift`).
    static let layoutOps: [Op] = [
        Ops.transpose, Ops.permute, Ops.movedim, Ops.narrow, Ops.stack, Ops.repeat, Ops.tile, Ops.flip,
        Ops.chunk, Ops.split, Ops.unbind,
        Ops.indexSelect, Ops.indexAdd, Ops.gather, Ops.scatter, Ops.scatterValue, Ops.scatterAdd,
        Ops.maskedFillTensor, Ops.maskedFill, Ops.maskedSelect, Ops.maskedScatter,
        Ops.maskedFillTensorInPlace, Ops.maskedFillInPlace, Ops.maskedScatterInPlace, Ops.indexAddInPlace,
        Ops.scatterInPlace, Ops.scatterValueInPlace, Ops.scatterAddInPlace,
    ]

    /// Layout ops that are ready but not bound: `index` (for Lua's tensor keys, in
    /// Indexing.swift) and `flatten` with dims (to replace `Ops.flatten`).
    static let layoutPendingOps: [Op] = [Ops.index]
}

// MARK: - The node shared by the pieces of split, chunk and unbind

/// One graph node for all pieces of a `split`/`chunk`/`unbind`, as PyTorch records
/// (`SplitBackward0`): piece `k` is output `k`, and the input's gradient is the pieces'
/// gradients joined back (zeros for pieces that got none).
final class PiecesNode: Node {
    private let nodeName: String
    private let inputShape: [Int]
    private let dtype: DType
    private let dim: Int
    private let lengths: [Int]
    /// Whether the pieces lost `dim` (`unbind`).
    private let squeezed: Bool

    init(_ name: String, input: Edge, dim: Int, lengths: [Int], squeezed: Bool) {
        nodeName = name
        inputShape = input.shape
        dtype = input.dtype
        self.dim = dim
        self.lengths = lengths
        self.squeezed = squeezed
        super.init(edges: Edges(CollectionOfOne(input)))
    }

    override var name: String { nodeName }
    override var outputCount: Int { lengths.count }

    override func apply(_ grads: OutputGrads, context: BackwardRun) throws -> [Tensor?] {
        var parts: [Tensor] = []
        for (k, length) in lengths.enumerated() {
            if k < grads.count, let g = grads[k] {
                parts.append(squeezed ? try g.unsqueeze(dim) : g)
            } else {
                var shape = inputShape
                shape[dim] = length
                parts.append(try Tensor.zeros(shape, dtype: dtype))
            }
        }
        return [try Tensor.cat(parts, dim: dim)]
    }
}

// MARK: - Kernels

extension Tensor {
    /// The same memory seen with dims `a` and `b` swapped (no graph).
    func transposedView(_ a: Int, _ b: Int) -> Tensor {
        var shape = self.shape, strides = self.strides
        if ndim > 0 {
            shape.swapAt(a, b)
            strides.swapAt(a, b)
        }
        return view(shape: shape, strides: strides, offset: offset)
    }

    /// The same memory with dims in `order` (a checked permutation; no graph).
    func permutedView(_ order: [Int]) -> Tensor {
        view(shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
    }

    /// A temporary view with new geometry, outside any graph and view tracking.
    fileprivate func raw(_ shape: [Int], _ strides: [Int], offset: Int? = nil) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset ?? self.offset, dtype: dtype)
    }

    /// This tensor as 1-d when it is 0-d (the position kernels treat a scalar as one element).
    fileprivate var atLeast1d: Tensor { ndim == 0 ? raw([1], [1]) : self }

    /// A contiguous copy broadcast to `target` (no graph).
    fileprivate func broadcastCopy(_ target: [Int], dtype: DType? = nil) throws -> Tensor {
        try raw(target, Shapes.broadcastStrides(shape: shape, strides: strides, to: target)).materialized(dtype: dtype)
    }

    /// Splits this tensor into views along `d`, leaves all but the first in `call.aux` and
    /// records one `PiecesNode` for them all when gradients are needed.
    fileprivate func pieces(call: inout OpCall, dim d: Int, lengths: [Int], node name: String,
                            squeeze: Bool = false) throws -> Tensor {
        guard !lengths.isEmpty else {
            throw TorchError("\(name.hasPrefix("Unbind") ? "unbind" : "split")(): the result would hold no tensors, which LuaGrad cannot return")
        }
        var views: [Tensor] = []
        var start = 0
        for length in lengths {
            var shape = self.shape, strides = self.strides
            if squeeze {
                shape.remove(at: d)
                strides.remove(at: d)
            } else {
                shape[d] = length
            }
            views.append(view(shape: shape, strides: strides, offset: offset + (length == 0 ? 0 : start * self.strides[d])))
            start += length
        }
        if requiresGrad, dtype.isFloatingPoint, ThreadState.current.gradEnabled, let edge = gradientEdge() {
            let node = PiecesNode(name, input: edge, dim: d, lengths: lengths, squeezed: squeeze)
            for (k, piece) in views.enumerated() {
                piece.gradFn = node
                piece.outputNr = k
                piece.requiresGrad = true
            }
        }
        call.aux = Array(views.dropFirst())
        return views[0]
    }

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

    /// `torch.stack`: each tensor given a size-1 dim at `dim`, then joined along it.
    static func stackKernel(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TorchError("stack expects a non-empty TensorList") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TorchError("stack expects each tensor to be equal size, but got \(Shapes.format(first.shape)) at entry \(ThreadState.userPosition(0)) and \(Shapes.format(t.shape)) at entry \(ThreadState.userPosition(i))")
        }
        let d = try Shapes.wrapDim(dim, first.ndim + 1)
        let columns = try tensors.map { t -> Tensor in
            var shape = t.shape, strides = t.strides
            shape.insert(1, at: d)
            strides.insert(1, at: d)
            return t.raw(shape, strides)
        }
        return try catKernel(columns, dim: d)
    }

    /// `repeat`: a broadcast view shaped `[r0, s0, r1, s1, ...]`, copied, then merged pairwise.
    func repeatKernel(_ repeats: [Int]) throws -> Tensor {
        guard repeats.count >= ndim else {
            throw TorchError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        }
        let lead = repeats.count - ndim
        let padded = [Int](repeating: 1, count: lead) + shape
        var result: [Int] = []
        for (r, s) in Swift.zip(repeats, padded) {
            let (n, overflow) = r.multipliedReportingOverflow(by: s)
            result.append(overflow ? Int.max : n)
        }
        try Shapes.validate(result)
        let paddedStrides = [Int](repeating: 0, count: lead) + strides
        var pairShape: [Int] = [], pairStrides: [Int] = []
        for i in 0..<repeats.count {
            pairShape += [repeats[i], padded[i]]
            pairStrides += [0, paddedStrides[i]]
        }
        let copy = try raw(pairShape, pairStrides).materialized()
        return copy.raw(result, Shapes.contiguousStrides(result), offset: 0)
    }

    /// The gradient of `repeat`: the gradient seen as `[r0, s0, r1, s1, ...]`, summed over the repeats.
    func repeatBackward(_ repeats: [Int], inputShape: [Int]) throws -> Tensor {
        let lead = repeats.count - inputShape.count
        let padded = [Int](repeating: 1, count: lead) + inputShape
        var pairShape: [Int] = []
        for i in 0..<repeats.count { pairShape += [repeats[i], padded[i]] }
        let pairs = try reshape(pairShape)
        let summed = repeats.isEmpty ? pairs : try pairs.sum(dims: (0..<repeats.count).map { 2 * $0 })
        return try summed.reshape(inputShape)
    }

    /// `flip`: a view stepping backwards along `dims`, copied.
    func flipKernel(_ dims: [Int]) throws -> Tensor {
        var strides = self.strides
        var start = offset
        for d in dims where d < ndim && shape[d] > 0 {
            start += (shape[d] - 1) * strides[d]
            strides[d] = -strides[d]
        }
        return try raw(shape, strides, offset: start).materialized()
    }

    // MARK: Positions

    /// A position wrapped into `0..<size` (negatives count from the end), or nil when out of range.
    @inline(__always)
    fileprivate static func wrapPosition(_ p: Int64, _ size: Int) -> Int? {
        let q = p < 0 ? p + Int64(size) : p
        return q >= 0 && q < Int64(size) ? Int(q) : nil
    }

    /// Checks that `index` holds positions (int64) for `op`.
    fileprivate static func checkPositions(_ index: Tensor, _ op: String) throws {
        guard index.dtype == .int64 else { throw TorchError("\(op)(): Expected dtype int32/int64 for index") }
    }

    func indexSelectKernel(dim: Int, _ index: Tensor) throws -> Tensor {
        guard index.dtype == .int64 else { throw TorchError("index_select(): Expected dtype int32 or int64 for index") }
        guard index.ndim <= 1 else { throw TorchError("index_select(): Index is supposed to be a vector") }
        let x = atLeast1d
        let d = try Shapes.wrapDim(dim, ndim)
        if ndim == 0, index.numel != 1 {
            throw TorchError("index_select(): Index to scalar can have only 1 value, got \(index.numel) value(s)")
        }
        var shape = x.shape
        shape[d] = index.numel
        let out = try x.gather(along: d, at: x.positions(index, along: d), shape: shape)
        return ndim == 0 ? out.raw([], []) : out
    }

    /// The positions `index` (int64, any shape) names along `d`, wrapped and checked.
    private func positions(_ index: Tensor, along d: Int) throws -> [Int] {
        try (0..<index.numel).map { i in
            guard let k = Tensor.wrapPosition(index.integerElement(i), shape[d]) else {
                throw TorchError("index out of range in self")
            }
            return k
        }
    }

    /// The slices at `positions` along `d`, copied into a new contiguous tensor of `shape`
    /// (this tensor's shape with `positions.count` slices along `d`, or a shape laid out the
    /// same way, such as `X[idx]`'s `idx.shape + rest`).
    private func gather(along d: Int, at positions: [Int], shape: [Int]) throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: dtype)
        if isContiguous {
            copyBlocks(along: d, at: positions, into: out)
        } else {
            var slices = self.shape
            slices[d] = positions.count
            let view = out.raw(slices, Shapes.contiguousStrides(slices), offset: 0)
            for (i, k) in positions.enumerated() { try view.rawSelect(d, i).copyElements(from: rawSelect(d, k)) }
        }
        return out
    }

    /// Copies the slices at `positions` along `d` of this contiguous tensor into `out`, one
    /// block of memory per slice and leading index (`X[idx]` on a batch of rows: one copy a row).
    private func copyBlocks(along d: Int, at positions: [Int], into out: Tensor) {
        let item = dtype.itemSize
        var outer = 1, block = item
        for i in 0..<d { outer &*= shape[i] }
        for i in (d + 1)..<ndim { block &*= shape[i] }
        let size = shape[d], n = positions.count
        let source = UnsafeRawPointer(storage.bytes + offset * item)
        let target = out.storage.bytes + out.offset * item
        for o in 0..<outer {
            for (i, k) in positions.enumerated() {
                (target + (o * n + i) * block).copyMemory(from: source + (o * size + k) * block, byteCount: block)
            }
        }
    }

    /// The slice at `i` along `d`, as a temporary view.
    fileprivate func rawSelect(_ d: Int, _ i: Int) -> Tensor {
        var shape = self.shape, strides = self.strides
        shape.remove(at: d)
        strides.remove(at: d)
        return raw(shape, strides, offset: offset + i * self.strides[d])
    }

    func indexAddKernel(dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try Tensor.checkPositions(index, "index_add")
        guard index.ndim <= 1 else { throw TorchError("index_add_(): Index is supposed to be a vector") }
        let d = try Shapes.wrapDim(dim, ndim)
        let x = atLeast1d, src = source.atLeast1d
        guard source.dtype == dtype else {
            throw TorchError("index_add_(): self (\(dtype.scalarTypeName)) and source (\(source.dtype.scalarTypeName)) must have the same scalar type")
        }
        guard src.ndim == x.ndim, index.numel == src.shape[d] else {
            if src.ndim == x.ndim || (ndim == 0 && source.ndim == 0) {
                throw TorchError("index_add_(): Number of indices (\(index.numel)) should be equal to source.size(dim): (\(src.shape[Swift.min(d, src.ndim - 1)])), for dim: \(ThreadState.userPosition(d))")
            }
            throw TorchError("index_add_(): source and self must have the same number of dimensions")
        }
        for j in 0..<x.ndim where j != d && src.shape[j] != x.shape[j] {
            throw TorchError("source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = \(Shapes.format(shape)) source.shape = \(Shapes.format(source.shape))")
        }
        let out = try x.materialized()
        for i in 0..<index.numel {
            let p = index.integerElement(i)
            guard let k = Tensor.wrapPosition(p, x.shape[d]) else {
                throw TorchError("index \(ThreadState.userPosition(Int(p))) is out of bounds for dimension \(ThreadState.userPosition(d)) with size \(x.shape[d])")
            }
            Tensor.accumulate(into: out.rawSelect(d, k), from: src.rawSelect(d, i))
        }
        return ndim == 0 ? out.raw([], []) : out
    }

    /// `into += from` element-wise (same shape and dtype), no graph.
    fileprivate static func accumulate(into dst: Tensor, from src: Tensor) {
        func run<T: LayoutElement>(_: T.Type) {
            let d = dst.pointer(T.self), s = src.pointer(T.self)
            StridedLoop.run(dst.shape, src.strides, dst.strides) { a, b in d[b] = T.combined(d[b], s[a]) }
        }
        run(dst.dtype.layoutElement)
    }

    /// Checks gather/scatter shapes: `index` has this tensor's ndim and fits inside it (and
    /// inside `source`) except along `d`.
    fileprivate func checkScatterShapes(_ d: Int, _ index: Tensor, source: Tensor?, op: String) throws {
        let x = atLeast1d, idx = index.atLeast1d
        guard idx.ndim == x.ndim else {
            throw TorchError("Index tensor must have the same number of dimensions as \(op == "gather" ? "input" : "self") tensor")
        }
        if let source {
            let src = source.atLeast1d
            guard src.ndim == x.ndim else {
                throw TorchError("Index tensor must have the same number of dimensions as src tensor")
            }
            for j in 0..<x.ndim where idx.shape[j] > src.shape[j] || (j != d && idx.shape[j] > x.shape[j]) {
                throw TorchError("Expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(shape)) apart from dimension \(ThreadState.userPosition(d)) and to be no larger size than src \(Shapes.format(source.shape))")
            }
        } else {
            for j in 0..<x.ndim where j != d && idx.shape[j] > x.shape[j] {
                if op == "gather" {
                    throw TorchError("Size does not match at dimension \(ThreadState.userPosition(j)) expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(shape)) apart from dimension \(ThreadState.userPosition(d))")
                }
                throw TorchError("Expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(shape)) apart from dimension \(ThreadState.userPosition(d))")
            }
        }
    }

    func gatherKernel(dim: Int, _ index: Tensor) throws -> Tensor {
        try Tensor.checkPositions(index, "gather")
        let d = try Shapes.wrapDim(dim, ndim)
        try checkScatterShapes(d, index, source: nil, op: "gather")
        let x = atLeast1d, idx = index.atLeast1d
        let out = try Tensor.empty(index.shape, dtype: dtype)
        let o = out.atLeast1d
        var bad: Int64? = nil
        func run<T: LayoutElement>(_: T.Type) {
            let src = x.pointer(T.self), dst = o.pointer(T.self), positions = idx.pointer(Int64.self)
            var xs = x.strides
            xs[d] = 0
            let stride = x.strides[d], size = x.shape[d]
            StridedLoop.run(idx.shape, idx.strides, o.strides, xs) { i, j, s in
                guard let k = Tensor.wrapPosition(positions[i], size) else {
                    if bad == nil { bad = positions[i] }
                    return
                }
                dst[j] = src[s + k * stride]
            }
        }
        run(dtype.layoutElement)
        if let bad {
            throw TorchError("index \(ThreadState.userPosition(Int(bad))) is out of bounds for dimension \(ThreadState.userPosition(d)) with size \(x.shape[d])")
        }
        return out
    }

    /// `scatter` / `scatter_add`: a copy of this tensor with the elements of `source` (of this
    /// dtype), or `value`, written (or added) at the positions in `index` along `dim`.
    func scatterKernel(dim: Int, _ index: Tensor, source: Tensor? = nil, value: Scalar = .int(0),
                       accumulate: Bool = false, name: String = "scatter") throws -> Tensor {
        try Tensor.checkPositions(index, name)
        let d = try Shapes.wrapDim(dim, ndim)
        if let source, source.dtype != dtype { throw TorchError("\(name)(): Expected self.dtype to be equal to src.dtype") }
        try checkScatterShapes(d, index, source: source, op: name)
        let out = try atLeast1d.materialized()
        let idx = index.atLeast1d
        let src: Tensor
        if let source {
            src = source.atLeast1d
        } else {
            // The value, broadcast to the index's shape.
            let v = try Tensor.empty([], dtype: dtype)
            v.setScalar(value)
            src = v.raw(idx.shape, [Int](repeating: 0, count: idx.ndim))
        }
        var bad: Int64? = nil
        func run<T: LayoutElement>(_: T.Type) {
            let s = src.pointer(T.self), o = out.pointer(T.self), positions = idx.pointer(Int64.self)
            var os = out.strides
            os[d] = 0
            let stride = out.strides[d], size = out.shape[d]
            StridedLoop.run(idx.shape, idx.strides, src.strides, os) { i, j, base in
                guard let k = Tensor.wrapPosition(positions[i], size) else {
                    if bad == nil { bad = positions[i] }
                    return
                }
                let at = base + k * stride
                o[at] = accumulate ? T.combined(o[at], s[j]) : s[j]
            }
        }
        run(dtype.layoutElement)
        if let bad {
            throw TorchError("index \(ThreadState.userPosition(Int(bad))) is out of bounds for dimension \(ThreadState.userPosition(d)) with size \(out.shape[d])")
        }
        return ndim == 0 ? out.raw([], []) : out
    }

    /// Writes a number into a one-element tensor, exactly for integers.
    fileprivate func setScalar(_ s: Scalar) {
        switch s {
        case .int(let i): setInteger(0, i)
        case .double(let v): setElement(0, v)
        case .bool(let b): setElement(0, b ? 1 : 0)
        }
    }

    // MARK: Masks

    /// Checks that `mask` is a bool tensor, with `message` otherwise.
    fileprivate static func checkMask(_ mask: Tensor, _ message: @autoclosure () -> String) throws {
        guard mask.dtype == .bool else { throw TorchError(message()) }
    }

    func maskedFillKernel(_ mask: Tensor, _ value: Scalar) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype.cTypeName)")
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let out = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let v = try Tensor.empty([], dtype: dtype)
        v.setScalar(value)
        let flags = m.pointer(Bool.self)
        for i in 0..<out.numel where flags[i] { out.setElementExact(i, from: v, at: 0) }
        return out
    }

    func maskedSelectKernel(_ mask: Tensor) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_select: expected BoolTensor for mask")
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let values = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let flags = m.pointer(Bool.self)
        var count = 0
        for i in 0..<m.numel where flags[i] { count += 1 }
        let out = try Tensor.empty([count], dtype: dtype)
        var k = 0
        for i in 0..<m.numel where flags[i] {
            out.setElementExact(k, from: values, at: i)
            k += 1
        }
        return out
    }

    func maskedScatterKernel(_ mask: Tensor, _ source: Tensor) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_scatter_ only supports boolean masks, but got mask with dtype \(mask.dtype.scalarTypeName)")
        guard source.dtype == dtype else {
            throw TorchError("masked_scatter: expected self and source to have same dtypes but got\(dtype.scalarTypeName) and \(source.dtype.scalarTypeName)")
        }
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let out = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let flags = m.pointer(Bool.self)
        var count = 0
        for i in 0..<m.numel where flags[i] { count += 1 }
        guard count <= source.numel else { throw TorchError("Number of elements of source < number of ones in mask") }
        let src = try source.materialized()
        var k = 0
        for i in 0..<m.numel where flags[i] {
            out.setElementExact(i, from: src, at: k)
            k += 1
        }
        return out
    }

    /// `x[key]`: rows at the positions of an int64 `key`, or the elements (or trailing blocks)
    /// where a bool `key` over the leading dims is true.
    func indexKernel(_ key: Tensor) throws -> Tensor {
        guard ndim > 0 else { throw TorchError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number") }
        switch key.dtype {
        case .int64:
            // The rows `key` names, in `key`'s shape: read the positions straight from the key
            // (any layout) into one new tensor, with no copy or view of the key in between.
            return try gather(along: 0, at: positions(key, along: 0), shape: key.shape + shape.dropFirst())
        case .bool:
            guard key.ndim >= 1, key.ndim <= ndim else {
                throw TorchError("too many indices for tensor of dimension \(ndim) (got \(key.ndim))")
            }
            for j in 0..<key.ndim where key.shape[j] != shape[j] {
                throw TorchError("The shape of the mask \(Shapes.format(key.shape)) at index \(ThreadState.userPosition(j)) does not match the shape of the indexed tensor \(Shapes.format(shape)) at index \(ThreadState.userPosition(j))")
            }
            let rest = Array(shape[key.ndim...])
            let mask = key.raw(key.shape + [Int](repeating: 1, count: rest.count), key.strides + [Int](repeating: 0, count: rest.count))
            let flat = try maskedSelectKernel(mask)
            let result = [flat.numel / Swift.max(Shapes.numel(rest) ?? 1, 1)] + rest
            return flat.raw(result, Shapes.contiguousStrides(result), offset: 0)
        default:
            throw TorchError("tensors used as indices must be long, int, byte or bool tensors")
        }
    }
}

// MARK: - Element helpers

/// Tensor elements the position kernels combine (`scatter_add`, `index_add`).
protocol LayoutElement: TensorElement {
    /// `a + b` as PyTorch adds this type (wrapping for integers, `or` for bool).
    static func combined(_ a: Self, _ b: Self) -> Self
}

extension Float: LayoutElement { static func combined(_ a: Float, _ b: Float) -> Float { a + b } }
extension Double: LayoutElement { static func combined(_ a: Double, _ b: Double) -> Double { a + b } }
extension Int64: LayoutElement { static func combined(_ a: Int64, _ b: Int64) -> Int64 { a &+ b } }
extension Bool: LayoutElement { static func combined(_ a: Bool, _ b: Bool) -> Bool { a || b } }

extension DType {
    /// The Swift element type of this dtype, for kernels generic over `LayoutElement`.
    var layoutElement: any LayoutElement.Type {
        switch self {
        case .float32: Float.self
        case .float64: Double.self
        case .int64: Int64.self
        case .bool: Bool.self
        }
    }

    /// The C type name PyTorch shows in some messages (`long int`).
    var cTypeName: String {
        switch self {
        case .float32: "float"
        case .float64: "double"
        case .int64: "long int"
        case .bool: "bool"
        }
    }
}
