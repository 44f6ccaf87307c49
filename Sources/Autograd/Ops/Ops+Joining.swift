/// Ops that join, repeat or reverse: stack, repeat, tile, flip.
extension Ops {
    // MARK: - Joining, repeating, reversing

    static let stack = Op(
        "stack", Signature(["stack"], .function, [Param("tensors", .tensorList), Param("dim", .dim, default: .int(0))]),
        doc: "Joins tensors of equal shape along a new dimension `dim`.",
        gradFn: "StackBackward0",
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])], [.int(1)])],
        forward: { call in try Tensor.stackKernel(Array(call.inputs), dim: call.int("dim")) },
        backward: { ctx in
            let d = try Shapes.wrapDim(ctx.int("dim"), ctx.grad.ndim)
            return InputGrads(try (0..<ctx.inputCount).map { i in ctx.needsGrad(i) ? try ctx.grad.select(d, i) : nil })
        })

    static let `repeat` = Op(
        "repeat", Signature(["repeat"], .method, [.tensor(), Param("repeats", .sizes)]),
        doc: "The tensor tiled `repeats` times along each dim (`repeat` is a Lua keyword: `x:tile(...)` or `x['repeat'](x, ...)`).",
        gradFn: "RepeatBackward0",
        samples: [OpSample([.tensor([2, 3])], [.ints([2, 1, 2])])],
        forward: { call in try call.inputs[0].repeatKernel(call.ints("repeats")) },
        backward: { ctx in [try ctx.grad.repeatBackward(ctx.ints("repeats"), inputShape: ctx.inputShape(0))] })

    static let tile = Op(
        "tile", Signature(["tile"], [.tensor(), Param("dims", .sizes)]),
        doc: "Like `repeat`, except that fewer sizes than dims repeat the last dims.",
        samples: [OpSample([.tensor([2, 3])], [.ints([2])])],
        forward: { call in
            let x = call.inputs[0]
            let reps = try call.ints("dims")
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
}

// MARK: - Backward helpers

extension Tensor {
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
}
