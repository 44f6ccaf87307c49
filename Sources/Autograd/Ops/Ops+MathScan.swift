#if canImport(Glibc)
import Glibc
#endif

/// Ops that run along one dimension and keep the shape: cumulative sums and products,
/// softmax and log-softmax.
extension Ops {
    // MARK: - Cumulative sums and products

    static let cumsum = Op(
        "cumsum", Signature(["cumsum"], [.tensor(), Param("dim", .dim), .keyword("dtype", .dtype, .absent)]),
        doc: "Running sums along `dim` (integers and bools give int64).",
        gradFn: "CumsumBackward0",
        samples: [OpSample([.tensor([2, 3])], [.int(1), .absent]), OpSample([.tensor([3, 2])], [.int(0), .absent])],
        forward: { call in try call.inputs[0].cumulative(dim: call.int("dim"), dtype: call.dtype("dtype"), product: false) },
        backward: { ctx in
            let g = ctx.grad
            let d = try Shapes.wrapDim(ctx.int("dim"), g.ndim)
            if g.numel <= 1 || g.shape[d] == 1 { return [g] }
            return [try g.reversedCumsum(d)]
        })

    static let cumprod = Op(
        "cumprod", Signature(["cumprod"], [.tensor(), Param("dim", .dim), .keyword("dtype", .dtype, .absent)]),
        doc: "Running products along `dim` (integers and bools give int64).",
        gradFn: "CumprodBackward0", saves: [.input(0), .output],
        samples: [OpSample([.tensor([2, 3])], [.int(1), .absent]), OpSample([.tensor([3, 2])], [.int(0), .absent])],
        forward: { call in try call.inputs[0].cumulative(dim: call.int("dim"), dtype: call.dtype("dtype"), product: true) },
        backward: { ctx in
            [try Tensor.cumprodBackward(ctx.grad, ctx.saved(0), ctx.saved(1), dim: ctx.int("dim"))]
        })

    // MARK: - Softmax

    static let softmax = Op(
        "softmax", Signature(["softmax"], [.tensor(), Param("dim", .dim), .keyword("dtype", .dtype, .absent)]),
        doc: "exp(x) / sum(exp(x)) along `dim` (computed in `dtype` when given).",
        gradFn: "SoftmaxBackward0", saves: [.output],
        samples: [OpSample([.tensor([2, 3])], [.int(1), .absent]), OpSample([.tensor([3, 2])], [.int(0), .absent])],
        forward: { call in try call.inputs[0].softmaxKernel(dim: call.int("dim"), dtype: call.dtype("dtype"), log: false) },
        backward: { ctx in
            // PyTorch's _softmax_backward_data: y * (grad - sum(grad * y)); in one pass per
            // line when no graph is recorded (the ops below make that graph otherwise).
            let y = try ctx.saved(0)
            let d = try Shapes.wrapDim(ctx.int("dim"), y.ndim)
            if !Tensor.recordsOps(ctx.grad, y), let fused = try Tensor.softmaxBackwardKernel(ctx.grad, y, dim: d) {
                return [fused]
            }
            return [try y.mul(ctx.grad.sub(ctx.grad.mul(y).sum(dims: [d], keepdim: true)))]
        })

    static let logSoftmax = Op(
        "log_softmax", Signature(["log_softmax"], [.tensor(), Param("dim", .dim), .keyword("dtype", .dtype, .absent)]),
        doc: "log(softmax(x)) along `dim`, computed stably (in `dtype` when given).",
        gradFn: "LogSoftmaxBackward0", saves: [.output],
        samples: [OpSample([.tensor([2, 3])], [.int(1), .absent]), OpSample([.tensor([3, 2])], [.int(0), .absent])],
        forward: { call in try call.inputs[0].softmaxKernel(dim: call.int("dim"), dtype: call.dtype("dtype"), log: true) },
        backward: { ctx in
            let y = try ctx.saved(0)
            return [try ctx.grad.logSoftmaxBackward(y, dim: Shapes.wrapDim(ctx.int("dim"), y.ndim))]
        })

    /// The gradient of `log_softmax` as its own op, as PyTorch records it
    /// (`LogSoftmaxBackwardDataBackward0`): `grad - exp(y) * sum(grad)` along `dim`, in one pass
    /// per line for contiguous operands instead of four ops and three temporaries.
    static let logSoftmaxBackwardData = Op(
        "_log_softmax_backward_data", Signature(["_log_softmax_backward_data"], .internal, [.tensor("grad_output"), .tensor("output"), Param("dim", .dim)]),
        doc: "grad_output - exp(output) * sum(grad_output, dim): the gradient of log_softmax.",
        gradFn: "LogSoftmaxBackwardDataBackward0", saves: [.input(0), .input(1)],
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])], [.int(1)]),
                  OpSample([.tensor([3, 2]), .tensor([3, 2])], [.int(0)])],
        forward: { call in
            let g = call.inputs[0], y = call.inputs[1]
            let d = try Shapes.wrapDim(call.int("dim"), y.ndim)
            if let out = try Tensor.logSoftmaxBackwardKernel(g, y, dim: d) { return out }
            return try withNoGrad { try g.sub(y.exp().mul(g.sum(dims: [d], keepdim: true))) }
        },
        backward: { ctx in
            // derivatives.yaml: grad_output gets grad - sum(grad * exp(y)); output gets
            // -sum(grad_output) * exp(y) * grad.
            let g = try ctx.saved(0), y = try ctx.saved(1)
            let d = try Shapes.wrapDim(ctx.int("dim"), y.ndim)
            return [ctx.needsGrad(0) ? try ctx.grad.sub(ctx.grad.mul(y.exp()).sum(dims: [d], keepdim: true)) : nil,
                    ctx.needsGrad(1) ? try g.sum(dims: [d], keepdim: true).neg().mul(y.exp()).mul(ctx.grad) : nil]
        })
}

// MARK: - Backward helpers

extension Tensor {
    /// The gradient of `log_softmax` from this output gradient and the output `y`
    /// (`_log_softmax_backward_data`).
    func logSoftmaxBackward(_ y: Tensor, dim: Int) throws -> Tensor {
        try Ops.logSoftmaxBackwardData.apply(self, y, [.int(dim)])
    }

    /// Sums from each position to the end along `dim` (PyTorch's reversed_cumsum).
    func reversedCumsum(_ dim: Int) throws -> Tensor {
        try flip([dim]).cumsum(dim).flip([dim])
    }

    /// PyTorch's cumprod_backward: sum_{j >= k} grad_j * y_j / x_k when no input is zero, and
    /// otherwise the products with x_k omitted, computed slice by slice (still differentiable).
    static func cumprodBackward(_ grad: Tensor, _ input: Tensor, _ output: Tensor, dim: Int) throws -> Tensor {
        if input.numel <= 1 { return grad }
        let d = try Shapes.wrapDim(dim, input.ndim)
        let n = input.shape[d]
        if n == 1 { return grad }
        if !input.containsZero {
            return try output.mul(grad).reversedCumsum(d).div(input)
        }
        var onesShape = input.shape
        onesShape[d] = 1
        let ones = try Tensor.ones(onesShape, dtype: grad.dtype)
        var slices: [Tensor] = []
        for k in 0..<n {
            let omitted: Tensor
            if k == 0 {
                omitted = try Tensor.cat([ones, input.slice(d, 1, n).cumprod(d)], dim: d)
            } else {
                let untilK = try input.slice(d, 0, k).prod(dim: d, keepdim: true)
                if k == n - 1 {
                    omitted = untilK
                } else {
                    let fromK = try input.slice(d, k + 1, n).cumprod(d)
                    omitted = try Tensor.cat([untilK, untilK.expand(fromK.shape).mul(fromK)], dim: d)
                }
            }
            slices.append(try grad.slice(d, k, n).mul(omitted).sum(dims: [d], keepdim: true))
        }
        return try Tensor.cat(slices, dim: d)
    }
}

// MARK: - Kernels

extension Tensor {
    /// Running sums or products along `dim` in `dtype` (by default the input's, int64 for
    /// integers and bools); floats accumulate in double precision, as PyTorch's CPU kernels.
    func cumulative(dim: Int, dtype requested: DType?, product: Bool) throws -> Tensor {
        let d = try Shapes.wrapDim(dim, ndim)
        let dtype = requested ?? (self.dtype.isFloatingPoint ? self.dtype : .int64)
        if dtype == .bool { throw TorchError("\"\(product ? "cumprod" : "cumsum")_out_cpu\" not implemented for 'Bool'") }
        let x = try converted(to: dtype)
        let out = try Tensor.empty(shape, dtype: dtype)
        guard numel > 0 else { return out }
        let source = x.atLeastOneDim
        let size = source.shape[d], step = source.strides[d]
        let (all, kept) = source.contiguousStrides(dropping: d)
        let outStep = all[d]
        func run<T: TensorElement, A>(_: T.Type, _ start: A, _ combine: (A, T) -> A, _ store: (A) -> T) {
            let p = source.pointer(T.self), po = out.pointer(T.self)
            source.forEachLine(along: d, outStrides: kept) { base, o in
                var acc = start
                for i in 0..<size {
                    acc = combine(acc, p[base + i * step])
                    po[o + i * outStep] = store(acc)
                }
            }
        }
        if source.isContiguous && d == source.ndim - 1 && dtype.isFloatingPoint {
            if dtype == .float32 { Tensor.runningFloatLines(source.pointer(Float.self), out.pointer(Float.self), size: size, count: numel / size, product: product) }
            else { Tensor.runningFloatLines(source.pointer(Double.self), out.pointer(Double.self), size: size, count: numel / size, product: product) }
            return out
        }
        switch dtype {
        case .float32:
            run(Float.self, product ? 1.0 : 0.0, { product ? $0 * Double($1) : $0 + Double($1) }, { Float($0) })
        case .float64:
            run(Double.self, product ? 1.0 : 0.0, { product ? $0 * $1 : $0 + $1 }, { $0 })
        case .int64:
            run(Int64.self, Int64(product ? 1 : 0), { product ? $0 &* $1 : $0 &+ $1 }, { $0 })
        case .bool:
            break  // rejected above
        }
        return out
    }

    /// Running sums (or products) of `count` contiguous float lines of `size`, accumulated in
    /// double, lines split over the pool (each runs whole, in order: the same bits as one
    /// thread). Written out, not through `cumulative`'s closures: called per element from a
    /// pool part, they made `x:cumsum(2)` of 256 lines of 1 024 2.3 times slower split than whole.
    static func runningFloatLines<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ po: UnsafeMutablePointer<T>,
                                                   size: Int, count: Int, product: Bool) {
        Parallel.lines(count, length: size) { lines in
            for line in lines {
                let x = p + line &* size, y = po + line &* size
                var acc = product ? 1.0 : 0.0
                for i in 0..<size {
                    acc = product ? acc * x[i].doubleValue : acc + x[i].doubleValue
                    y[i] = T(converting: acc)
                }
            }
        }
    }

    /// softmax or log_softmax along `dim`, shifted by each line's maximum.
    func softmaxKernel(dim: Int, dtype requested: DType?, log: Bool) throws -> Tensor {
        let d = try Shapes.wrapDim(dim, ndim)
        let name = log ? "log_softmax" : "softmax"
        let dtype = requested ?? self.dtype
        guard dtype.isFloatingPoint else {
            let last = ndim == 0 || d == ndim - 1
            throw TorchError("\"\(name)_\(last ? "lastdim_" : "")kernel_impl\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let x = try converted(to: dtype)
        let out = try Tensor.empty(shape, dtype: dtype)
        guard numel > 0 else { return out }
        try dtype.dispatchFloat(SoftmaxLines(source: x.atLeastOneDim, dim: d, out: out, log: log), op: name)
        return out
    }

    private struct SoftmaxLines: FloatDispatch {
        let source: Tensor, dim: Int, out: Tensor, log: Bool

        func callAsFunction<T: FloatElement>(_: T.Type) {
            let size = source.shape[dim], step = source.strides[dim]
            let p = source.pointer(T.self), po = out.pointer(T.self)
            if source.isContiguous && dim == source.ndim - 1 {
                // Lines side by side (a batch of logits): pointers straight through, without
                // the strided walk and index arithmetic per element that were most of a
                // 10-class line's cost outside `exp`, and lines split over the pool. Float32
                // lines run in float as PyTorch's kernels do (`SoftmaxFloat`), a line with a
                // non-finite maximum or sum in double as below.
                let floatLines = T.self == Float.self, log = log
                Parallel.lines(source.numel / size, length: size, minimum: SoftmaxFloat.parallelMinimum) { lines in
                    for line in lines {
                        let x = p + line &* size, y = po + line &* size
                        if floatLines, log ? SoftmaxFloat.logSoftmaxLine(x.asFloats, y.asFloats, size)
                                           : SoftmaxFloat.softmaxLine(x.asFloats, y.asFloats, size) { continue }
                        softmax(x, 1, y, 1, size)
                    }
                }
                return
            }
            let (all, kept) = source.contiguousStrides(dropping: dim)
            let outStep = all[dim]
            source.forEachLine(along: dim, outStrides: kept) { base, o in
                softmax(p + base, step, po + o, outStep, size)
            }
        }

        /// One line of `size` elements, `step` apart in `x` and `outStep` apart in `y`; in
        /// double precision, shifted by the line's maximum.
        @inline(__always)
        private func softmax<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ step: Int,
                                              _ y: UnsafeMutablePointer<T>, _ outStep: Int, _ size: Int) {
            var m = -Double.infinity
            for i in 0..<size {
                let v = x[i &* step].doubleValue
                if v.isNaN || v > m { m = v }
                if v.isNaN { break }
            }
            if m.isInfinite { m = m > 0 ? m : 0 }
            var total = 0.0
            for i in 0..<size { total += Glibc.exp(x[i &* step].doubleValue - m) }
            let logTotal = Glibc.log(total)
            for i in 0..<size {
                let shifted = x[i &* step].doubleValue - m
                y[i &* outStep] = T(converting: log ? shifted - logTotal : Glibc.exp(shifted) / total)
            }
        }
    }
}
