/// Graph-only ops the math family's backward formulas are written with: flip, transpose,
/// gather and scatter into zeros. They are differentiable (so gradients of gradients work) but
/// not bound to Lua; each mirrors the PyTorch op whose grad_fn name it records.
extension Ops {
    /// `flip(dims)`: a copy with the order of elements reversed along `dims`.
    static let mathFlip = Op(
        "flip", Signature(["flip"], .method, [.tensor(), Param("dims", .dims)]),
        doc: "A copy with the elements in reverse order along `dims`.",
        gradFn: "FlipBackward0",
        forward: { call in
            let x = call.inputs[0]
            var strides = x.strides, offset = x.offset
            let dims = call.args[0].ints ?? []
            for d in dims.isEmpty || x.ndim == 0 ? [] : try x.reductionDims(dims) where x.shape[d] > 1 {
                offset += (x.shape[d] - 1) * strides[d]
                strides[d] = -strides[d]
            }
            let reversed = Tensor(storage: x.storage, shape: x.shape, strides: strides, offset: offset, dtype: x.dtype)
            return try reversed.materialized()
        },
        backward: { ctx in [try ctx.grad.reversed(along: ctx.args[0].ints ?? [])] })

    /// `transpose(dim0, dim1)`: a view with two dims swapped.
    static let mathTranspose = Op(
        "transpose", Signature(["transpose"], .method, [.tensor(), Param("dim0", .dim), Param("dim1", .dim)]),
        doc: "A view with dims `dim0` and `dim1` swapped.",
        gradFn: "TransposeBackward0",
        forward: { call in
            let x = call.inputs[0]
            let a = try Shapes.wrapDim(call.args[0].int ?? 0, x.ndim), b = try Shapes.wrapDim(call.args[1].int ?? 0, x.ndim)
            guard x.ndim > 0 else { return x.view(shape: x.shape, strides: x.strides, offset: x.offset) }
            var shape = x.shape, strides = x.strides
            shape.swapAt(a, b)
            strides.swapAt(a, b)
            return x.view(shape: shape, strides: strides, offset: x.offset)
        },
        backward: { ctx in [try ctx.grad.swappingDims(ctx.args[0].int ?? 0, ctx.args[1].int ?? 0)] })

    /// `gather(input, dim, index)`: `out[p] = input[p with p[dim] = index[p]]`.
    static let mathGather = Op(
        "gather", Signature(["gather"], .function, [.tensor(), Param("dim", .dim), Param("index", .positions)]),
        doc: "Picks values along `dim` at the positions in `index`.",
        gradFn: "GatherBackward0", saves: [.input(1)],
        forward: { call in try Tensor.gatherForGradient(call.inputs[0], call.inputs[1], dim: call.args[0].int ?? 0) },
        backward: { ctx in
            [try ctx.grad.scatteredIntoZeros(ctx.inputShape(0), dim: ctx.args[0].int ?? 0, index: ctx.saved(0)), nil]
        })

    /// Zeros of `sizes` with `src` added at the positions `index` along `dim` (`scatter_add` on
    /// zeros; for distinct positions, as in every use here, the same as PyTorch's `scatter`).
    static let mathScatterIntoZeros = Op(
        "scatter", Signature(["scatter"], .function, [.tensor("src"), Param("index", .positions), Param("sizes", .sizes), Param("dim", .dim)]),
        doc: "Writes `src` into zeros of `sizes` at the positions in `index` along `dim`.",
        gradFn: "ScatterBackward0", saves: [.input(1)],
        forward: { call in
            try Tensor.scatterForGradient(call.inputs[0], call.inputs[1], sizes: call.args[0].ints ?? [], dim: call.args[1].int ?? 0)
        },
        backward: { ctx in [try ctx.grad.gathered(along: ctx.args[1].int ?? 0, index: ctx.saved(0)), nil] })
}

extension Tensor {
    // MARK: - Helpers for backward formulas

    /// The elements in reverse order along `dims` (recorded as `FlipBackward0`).
    func reversed(along dims: [Int]) throws -> Tensor {
        try Ops.mathFlip.apply([self], [.ints(dims)])
    }

    /// A view with two dims swapped (recorded as `TransposeBackward0`).
    func swappingDims(_ a: Int, _ b: Int) throws -> Tensor {
        try Ops.mathTranspose.apply([self], [.int(a), .int(b)])
    }

    /// `gather` along `dim` with 0-based positions.
    func gathered(along dim: Int, index: Tensor) throws -> Tensor {
        try Ops.mathGather.apply([self, index], [.int(dim)])
    }

    /// This tensor added into zeros of `sizes` at 0-based positions `index` along `dim`.
    func scatteredIntoZeros(_ sizes: [Int], dim: Int, index: Tensor) throws -> Tensor {
        try Ops.mathScatterIntoZeros.apply([self, index], [.ints(sizes), .int(dim)])
    }

    // MARK: - Kernels

    /// Checks a gather/scatter index against `size` and returns it as a 0-based Int.
    @inline(__always)
    private static func checkedPosition(_ v: Int64, size: Int, dim: Int) throws -> Int {
        guard v >= 0, v < Int64(size) else {
            throw TorchError("index \(ThreadState.userPosition(Int(clamping: v))) is out of bounds for dimension \(ThreadState.userPosition(dim)) with size \(size)")
        }
        return Int(v)
    }

    /// Validates the operands of gather/scatter: same number of dims, int64 positions.
    private static func checkIndexOperand(_ index: Tensor, ndim: Int, _ op: String) throws {
        guard index.dtype == .int64 else {
            throw TorchError("\(op)(): Expected dtype int64 for index")
        }
        guard index.ndim == ndim || (index.ndim <= 1 && ndim <= 1) else {
            throw TorchError("Index tensor must have the same number of dimensions as \(op == "gather" ? "input" : "self") tensor")
        }
    }

    static func gatherForGradient(_ x: Tensor, _ index: Tensor, dim: Int) throws -> Tensor {
        try checkIndexOperand(index, ndim: x.ndim, "gather")
        let d = try Shapes.wrapDim(dim, x.ndim)
        let src = x.atLeastOneDim, idx = index.atLeastOneDim
        for i in 0..<src.ndim where i != d && idx.shape[i] > src.shape[i] {
            throw TorchError("Size does not match at dimension \(ThreadState.userPosition(i)) expected index \(Shapes.format(index.shape)) to be no larger than self \(Shapes.format(x.shape)) apart from dimension \(ThreadState.userPosition(d))")
        }
        let out = try Tensor.empty(index.shape, dtype: x.dtype)
        var readStrides = src.strides
        readStrides[d] = 0
        let outStrides = Shapes.contiguousStrides(idx.shape)
        let pi = idx.pointer(Int64.self)
        let size = src.shape[d], step = src.strides[d]
        func run<T: TensorElement>(_: T.Type) throws {
            let ps = src.pointer(T.self), po = out.pointer(T.self)
            var failure: Error?
            StridedLoop.run(idx.shape, readStrides, idx.strides, outStrides) { s, i, o in
                guard failure == nil else { return }
                do { po[o] = ps[s + (try checkedPosition(pi[i], size: size, dim: d)) * step] } catch { failure = error }
            }
            if let failure { throw failure }
        }
        switch x.dtype {
        case .float32: try run(Float.self)
        case .float64: try run(Double.self)
        case .int64: try run(Int64.self)
        case .bool: try run(Bool.self)
        }
        return out
    }

    static func scatterForGradient(_ src: Tensor, _ index: Tensor, sizes: [Int], dim: Int) throws -> Tensor {
        try checkIndexOperand(index, ndim: sizes.count, "scatter")
        let d = try Shapes.wrapDim(dim, sizes.count)
        let out = try Tensor.zeros(sizes, dtype: src.dtype)
        guard src.shape == index.shape else {
            throw TorchError("scatter(): Expected src \(Shapes.format(src.shape)) to have the shape of index \(Shapes.format(index.shape))")
        }
        let dst = out.atLeastOneDim, idx = index.atLeastOneDim, values = src.atLeastOneDim
        var writeStrides = dst.strides
        writeStrides[d] = 0
        let pi = idx.pointer(Int64.self)
        let size = dst.shape[d], step = dst.strides[d]
        func run<T: TensorElement>(_: T.Type, _ add: (T, T) -> T) throws {
            let pv = values.pointer(T.self), po = dst.pointer(T.self)
            var failure: Error?
            StridedLoop.run(idx.shape, writeStrides, idx.strides, values.strides) { o, i, v in
                guard failure == nil else { return }
                do {
                    let at = o + (try checkedPosition(pi[i], size: size, dim: d)) * step
                    po[at] = add(po[at], pv[v])
                } catch { failure = error }
            }
            if let failure { throw failure }
        }
        switch src.dtype {
        case .float32: try run(Float.self, +)
        case .float64: try run(Double.self, +)
        case .int64: try run(Int64.self, &+)
        case .bool: try run(Bool.self) { $0 || $1 }
        }
        return out
    }
}
