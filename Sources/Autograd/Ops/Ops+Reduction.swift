/// Reductions: sums, means and norms, over everything or over dims.
extension Ops {
    /// The parameters shared by reductions over optional dims: `sum(input, dim, {keepdim=})`.
    private static let dimParams: [Param] = [
        .tensor(), Param("dim", .dims, default: .absent),
        .keyword("keepdim", .bool, .bool(false)), .keyword("dtype", .dtype, .absent),
    ]

    static let sum = Op(
        "sum", Signature(["sum"], dimParams),
        doc: "Sums all elements, or those along `dim` (a dim or a list of dims).",
        gradFn: "SumBackward0", gradFnOverload: .argumentGiven("dim", absent: "SumBackward0", given: "SumBackward1"),
        samples: [OpSample([.tensor([2, 3])], [.absent, .bool(false), .absent]), OpSample([.tensor([2, 3, 2])], [.ints([0, 2]), .bool(false), .absent]), OpSample([.tensor([2, 3])], [.ints([1]), .bool(true), .absent])],
        forward: { call in
            let x = call.inputs[0]
            let dims = try x.reductionDims(call.optionalInts("dim"))
            let keepdim = try call.bool("keepdim")
            let dtype = try call.dtype("dtype") ?? (x.dtype.isFloatingPoint ? x.dtype : .int64)
            return try x.sumKernel(dims: dims, keepdim: keepdim, dtype: dtype)
        },
        backward: { ctx in
            // A 0-d gradient (a sum of everything, or of a vector's one dim) broadcasts over the
            // input whatever `dim` and `keepdim` were: reading the two arguments by name cost
            // more than the view (about 500 instructions of a short `loss:backward()`).
            if ctx.grad.ndim == 0, let view = ctx.grad.broadcastScalarView(to: ctx.inputShape(0)) {
                return InputGrads(one: view)
            }
            return InputGrads(one: try ctx.grad.expandReduced(to: ctx.inputShape(0), dims: ctx.optionalInts("dim"),
                                                              keepdim: ctx.bool("keepdim")))
        })

    static let mean = Op(
        "mean", Signature(["mean"], dimParams),
        doc: "The arithmetic mean of all elements, or of those along `dim`.",
        gradFn: "MeanBackward0", gradFnOverload: .argumentGiven("dim", absent: "MeanBackward0", given: "MeanBackward1"),
        samples: [OpSample([.tensor([2, 3])], [.absent, .bool(false), .absent]), OpSample([.tensor([2, 3])], [.ints([-1]), .bool(true), .absent])],
        forward: { call in
            let x = call.inputs[0]
            let dtype = try call.dtype("dtype") ?? x.dtype
            guard dtype.isFloatingPoint else {
                throw TorchError("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(x.dtype == .int64 ? "Long" : "Bool")")
            }
            let dims = try x.reductionDims(call.optionalInts("dim"))
            return try x.sumKernel(dims: dims, keepdim: call.bool("keepdim"), dtype: dtype, mean: true)
        },
        backward: { ctx in
            let shape = ctx.inputShape(0)
            if let quotient = try ctx.grad.meanGradientView(to: shape) { return InputGrads(one: quotient) }
            let dims = try ctx.optionalInts("dim").map { try $0.map { try Shapes.wrapDim($0, shape.count) } } ?? Array(0..<shape.count)
            let count = dims.reduce(1) { $0 * (shape.isEmpty ? 1 : shape[$1]) }
            let g = try ctx.grad.expandReduced(to: shape, dims: ctx.optionalInts("dim"), keepdim: ctx.bool("keepdim"))
            return [try Ops.divScalar.apply([g, Tensor.wrapped(.int(Int64(count)))])]
        })

    static let norm = Op(
        "norm", Signature(["norm"], [
            .tensor(), Param("p", .double, default: .double(2)), Param("dim", .dims, default: .absent),
            .keyword("keepdim", .bool, .bool(false)),
        ]),
        doc: "The vector p-norm of all elements (2 by default), or along `dim`.",
        gradFn: "LinalgVectorNormBackward0", saves: [.input(0), .output],
        samples: [OpSample([.tensor([4], .awayFromZero)], [.double(2), .absent, .bool(false)]), OpSample([.tensor([2, 3], .awayFromZero)], [.double(1), .ints([1]), .bool(false)]), OpSample([.tensor([2, 3], .awayFromZero)], [.double(3), .ints([0]), .bool(true)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.dtype.isFloatingPoint else {
                throw TorchError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got \(x.dtype == .int64 ? "Long" : "Bool")")
            }
            let p = try call.double("p")
            let dims = try x.reductionDims(call.optionalInts("dim"))
            let keepdim = try call.bool("keepdim")
            return try x.normKernel(p: p, dims: dims, keepdim: keepdim)
        },
        backward: { ctx in
            let x = try ctx.saved(0), n = try ctx.saved(1)
            let p = try ctx.double("p")
            let keepdim = try ctx.bool("keepdim")
            let g = try ctx.grad.expandReduced(to: x.shape, dims: ctx.optionalInts("dim"), keepdim: keepdim)
            let norm = try n.expandReduced(to: x.shape, dims: ctx.optionalInts("dim"), keepdim: keepdim)
            let zero = try Tensor.wrapped(.int(0))
            switch p {
            case 1:
                return [try g.mul(x.sign())]
            case 2:
                // x / ||x||, with 0 where the norm is 0 (PyTorch's convention for the subgradient).
                // grad * (x / norm), the product last as PyTorch records it (MulBackward0).
                return [try g.mul(x.div(norm).masked(where: norm.eq(zero)))]
            case .infinity, -.infinity:
                let hits = try x.abs().eq(norm).converted(to: x.dtype)
                let count = try hits.sum(dims: (ctx.optionalInts("dim") ?? []), keepdim: true)
                return [try g.mul(x.sign()).mul(hits).div(count)]
            default:
                // x * |x|^(p-2) / ||x||^(p-1)
                let scale = try x.abs().pow(Tensor.wrapped(.double(p - 2)))
                    .div(norm.pow(Tensor.wrapped(.double(p - 1))))
                return [try g.mul(x).mul(scale).masked(where: norm.eq(zero))]
            }
        })
}

extension Tensor {
    /// Broadcasts the gradient of a reduction back over the reduced dims of `shape`.
    func expandReduced(to shape: [Int], dims: [Int]?, keepdim: Bool) throws -> Tensor {
        if ndim == 0, let view = broadcastScalarView(to: shape) { return view }
        if !requiresGrad, tangent == nil, let view = expandedReducedView(to: shape, dims: dims, keepdim: keepdim) {
            return view
        }
        var g = self
        if !keepdim, let dims, !dims.isEmpty, !shape.isEmpty {
            for d in try dims.map({ try Shapes.wrapDim($0, shape.count) }).sorted() {
                g = try g.unsqueeze(d)
            }
        } else if !keepdim, !shape.isEmpty, g.ndim != 0 {
            g = try g.reshape([Int](filling: 1, count: shape.count))
        }
        // A 0-d gradient (of a sum of everything) expands as it is, as PyTorch's
        // `grad.expand(self.sizes())`: a reshape to 1s first cost an op call per backward.
        return try g.expand(shape)
    }

    /// This 0-d gradient seen with `shape`, every stride 0, as PyTorch's `grad.expand(sizes)`
    /// lays it out; nil when an op must record the expand (create_graph, forward mode).
    ///
    /// All strides 0, the size-1 dims' too: the element-wise kernels and `.grad` accumulation
    /// read such a tensor as one value (`isBroadcastScalar`), where strides `[0, 1]` sent
    /// them down the strided loop.
    func broadcastScalarView(to shape: [Int]) -> Tensor? {
        guard ndim == 0, !requiresGrad, tangent == nil else { return nil }
        if shape.isEmpty { return self }
        return view(shape: shape, strides: [Int](filling: 0, count: shape.count), offset: offset)
    }

    /// The gradient of a mean of everything (`mean()`), for this 0-d gradient of it: the one
    /// quotient `grad / count`, in the gradient's dtype as `div` by a wrapped count computes
    /// it, seen with the input's `shape` as `sum`'s gradient is. `grad.expand(sizes) / count`
    /// divided every element alike, and ran the division and a wrapped count through the op
    /// table. Nil where those ops must run (a recorded backward, a gradient of more than one
    /// element, an integer dtype).
    func meanGradientView(to shape: [Int]) throws -> Tensor? {
        guard ndim == 0, dtype.isFloatingPoint, !Tensor.recordsOps(self, self) else { return nil }
        let count = shape.reduce(1, *)
        let quotient = dtype == .float64 ? element(0) / Double(count)
            : Double(Float(element(0)) / Float(count))
        return try Tensor.full([], quotient, dtype: dtype).broadcastScalarView(to: shape)
    }

    /// The view `expandReduced` ends with, laid out at once, for a gradient no op would record:
    /// a reshape and an expand through the op table cost more than the whole `sum` they undo.
    /// Nil where the ops must run (dims to unsqueeze, shapes that do not match, errors).
    ///
    /// The strides are those of the ops: expand gives a broadcast dim stride 0;
    /// `view(shape:strides:offset:)` bases it as they do.
    private func expandedReducedView(to shape: [Int], dims: [Int]?, keepdim: Bool) -> Tensor? {
        if !keepdim, !shape.isEmpty {
            // A full reduction (`sum()`) of a gradient kept with one dim: its element broadcast.
            guard dims?.isEmpty ?? true, numel == 1 else { return nil }
            return view(shape: shape, strides: [Int](filling: 0, count: shape.count), offset: offset)
        }
        if self.shape == shape { return self }
        guard ndim == shape.count else { return nil }
        var strides = self.strides
        for i in 0..<shape.count where self.shape[i] != shape[i] {
            guard self.shape[i] == 1, shape[i] >= 0 else { return nil }
            strides[i] = 0
        }
        return view(shape: shape, strides: strides, offset: offset)
    }

    /// The p-norm over `dims` of this float tensor.
    func normKernel(p: Double, dims: [Int], keepdim: Bool) throws -> Tensor {
        try dtype.dispatchFloat(Norm(source: self, p: p, dims: dims, keepdim: keepdim), op: "norm")
    }

    private struct Norm: FloatDispatch {
        let source: Tensor, p: Double, dims: [Int], keepdim: Bool

        func callAsFunction<T: FloatElement>(_: T.Type) throws -> Tensor {
            switch p {
            case .infinity:
                return try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: 0.0,
                                         combine: { Swift.max($0, Swift.abs($1.doubleValue)) },
                                         finish: { (a: Double, _: Int) -> T in T(converting: a) })
            case -.infinity:
                return try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: Double.infinity,
                                         combine: { Swift.min($0, Swift.abs($1.doubleValue)) },
                                         finish: { (a: Double, _: Int) -> T in T(converting: a) })
            case 0:
                return try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: 0.0,
                                         combine: { $0 + ($1 != 0 ? 1 : 0) },
                                         finish: { (a: Double, _: Int) -> T in T(converting: a) })
            case 2:
                // In the element type, in PyTorch's order (`normTwo`); the layouts it leaves
                // add one element at a time, as PyTorch's `NormTwoOps`.
                if let out = try source.normTwo(dims: dims, keepdim: keepdim, T.self) { return out }
                return try source.reduce(dims: dims, keepdim: keepdim, as: T.self, into: T.dtype, initial: T(0),
                                         combine: { $0 + $1 * $1 },
                                         finish: { (a: T, _: Int) -> T in T.sqrt(a) })
            case 1:
                return try source.foldLines(dims: dims, keepdim: keepdim, into: T.dtype, AbsoluteSum<T>())
            default:
                return try source.foldLines(dims: dims, keepdim: keepdim, into: T.dtype, PowerSum<T>(p: T(p)))
            }
        }
    }

    /// The 1-norm of a line as PyTorch's `NormOneOps`: |x| added in the element type, in order.
    /// (PyTorch splits a single output of 2^15 elements or more over its threads, adding the
    /// threads' sums at the end: a whole-tensor 1-norm can differ from it in the last bits.)
    private struct AbsoluteSum<T: FloatElement>: LineFold {
        @inline(__always)
        func callAsFunction(_ count: Int, _ element: (Int) -> T) -> T {
            var total: T = 0
            for i in 0..<count { total += Swift.abs(element(i)) }
            return total
        }
    }

    /// The p-norm of a line as PyTorch's `NormOps`: |x|^p added in the element type, in order,
    /// and the sum raised to 1/p, both by the element type's `pow` (`compat_pow`), 1/p rounded
    /// to it first.
    private struct PowerSum<T: FloatElement>: LineFold {
        let p: T

        @inline(__always)
        func callAsFunction(_ count: Int, _ element: (Int) -> T) -> T {
            var total: T = 0
            for i in 0..<count { total += T.pow(Swift.abs(element(i)), p) }
            return T.pow(total, 1 / p)
        }
    }
}
