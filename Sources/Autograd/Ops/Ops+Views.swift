/// Views that reorder or cut dims: transpose, permute, movedim, narrow, flatten.
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
            let a = try Shapes.wrapDim(call.int("dim0"), x.ndim)
            let b = try Shapes.wrapDim(call.int("dim1"), x.ndim)
            return x.transposedView(a, b)
        },
        backward: { ctx in [try ctx.grad.transpose(ctx.int("dim0"), ctx.int("dim1"))] })

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
    static let moreDims: [Param] = (2...8).map { Param("dim\($0)", .dims, default: .absent) }

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
            let order = try movedimOrder(ndim: x.ndim, source: call.ints("source"), destination: call.ints("destination"))
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
            let d = try Shapes.wrapDim(call.int("dim"), x.ndim)
            let size = x.shape[d]
            var start = try call.int("start")
            let length = try call.int("length")
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

    /// `flatten(start_dim, end_dim)`.
    static let flattenDims = Op(
        "flatten", Signature(["flatten"], [.tensor(), Param("start_dim", .dim, default: .int(0)), Param("end_dim", .dim, default: .int(-1))]),
        doc: "The dims `start_dim` through `end_dim` merged into one (a view when possible).",
        samples: [OpSample([.tensor([2, 3, 2])], [.int(1), .int(-1)])],
        forward: { call in
            let x = call.inputs[0]
            if x.ndim == 0 { return try x.reshape([1]) }
            let start = try Shapes.wrapDim(call.int("start_dim"), x.ndim), end = try Shapes.wrapDim(call.int("end_dim"), x.ndim)
            guard start <= end else { throw TorchError("flatten() has invalid args: start_dim cannot come after end_dim") }
            if start == end { return x }
            let merged = x.shape[start...end].reduce(1, *)
            return try x.reshape(Array(x.shape[..<start]) + [merged] + Array(x.shape[(end + 1)...]))
        })
}
