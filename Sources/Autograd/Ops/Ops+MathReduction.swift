#if canImport(Glibc)
import Glibc
#endif

/// Reductions of the math family: products, variance, extrema, arg-extrema, log-sum-exp and
/// truth tests, over everything or over dims.
extension Ops {
    // MARK: - Products

    static let prod = Op(
        "prod", Signature(["prod"], [
            .tensor(), Param("dim", .dim, default: .absent), Param("keepdim", .bool, default: .bool(false)),
            .keyword("dtype", .dtype, .absent),
        ]),
        doc: "The product of all elements, or of those along `dim` (integers and bools give int64).",
        gradFn: "ProdBackward0", gradFnOverload: .argumentGiven("dim", absent: "ProdBackward0", given: "ProdBackward1"),
        saves: [.input(0), .output],
        samples: [
            OpSample([.tensor([2, 3])], [.absent, .bool(false), .absent]),
            OpSample([.tensor([2, 3])], [.int(1), .bool(false), .absent]),
            OpSample([.tensor([3, 2])], [.int(0), .bool(true), .absent]),
        ],
        forward: { call in
            let x = call.inputs[0]
            let dtype = try call.dtype("dtype") ?? (x.dtype.isFloatingPoint ? x.dtype : .int64)
            let dims = try call.optionalInt("dim").map { [$0] }
            let keepdim = try dims != nil && call.bool("keepdim")
            return try x.converted(to: dtype).prodKernel(dims: x.reductionDims(dims), keepdim: keepdim)
        },
        backward: { ctx in
            let x = try ctx.saved(0), result = try ctx.saved(1)
            guard x.ndim > 0 else { return [ctx.grad] }
            guard let dim = try ctx.optionalInt("dim") else {
                // Whole product: grad * result / x, or the zero-safe formula when x has zeros.
                if !x.containsZero { return [try ctx.grad.mul(result.div(x))] }
                let flat = try x.contiguous().reshape([-1])
                return [try Tensor.prodSafeZerosBackward(ctx.grad, flat, dim: 0).reshape(x.shape)]
            }
            let d = try Shapes.wrapDim(dim, x.ndim)
            var g = ctx.grad, r = result
            if try !ctx.bool("keepdim") { g = try g.unsqueeze(d); r = try r.unsqueeze(d) }
            if !x.containsZero { return [try g.mul(r.div(x))] }
            return [try Tensor.prodSafeZerosBackward(g, x, dim: d)]
        })

    // MARK: - Variance and standard deviation

    /// `var(dim, {correction=, unbiased=, keepdim=})` and `std(...)` take the same arguments.
    private static let spreadParams: [Param] = [
        .tensor(), Param("dim", .dims, default: .absent), .keyword("unbiased", .bool, .absent),
        .keyword("keepdim", .bool, .bool(false)), .keyword("correction", .double, .absent),
    ]

    static let variance = Op(
        "var", Signature(["var"], spreadParams),
        doc: "The variance of all elements or along `dim`, with Bessel's correction (correction=1) by default.",
        gradFn: "VarBackward0", saves: [.input(0)],
        samples: [
            OpSample([.tensor([2, 3])], [.absent, .absent, .bool(false), .absent]),
            OpSample([.tensor([2, 3])], [.ints([1]), .absent, .bool(true), .double(0)]),
            OpSample([.tensor([3, 2])], [.ints([0]), .bool(false), .bool(false), .absent]),
        ],
        forward: { call in
            try call.inputs[0].varianceKernel(dims: call.optionalInts("dim"), keepdim: call.bool("keepdim"),
                                              correction: Tensor.varianceCorrection(call), name: "var", root: false)
        },
        backward: { ctx in [try Tensor.varianceBackward(ctx.grad, ctx.saved(0), ctx)] })

    static let std = Op(
        "std", Signature(["std"], spreadParams),
        doc: "The standard deviation of all elements or along `dim` (correction=1 by default).",
        gradFn: "StdBackward0", saves: [.input(0), .output],
        samples: [
            OpSample([.tensor([2, 3])], [.absent, .absent, .bool(false), .absent]),
            OpSample([.tensor([2, 3])], [.ints([-1]), .absent, .bool(false), .double(0)]),
        ],
        forward: { call in
            try call.inputs[0].varianceKernel(dims: call.optionalInts("dim"), keepdim: call.bool("keepdim"),
                                              correction: Tensor.varianceCorrection(call), name: "std", root: true)
        },
        backward: { ctx in
            let result = try ctx.saved(1)
            let gradVar = try ctx.grad.div(result.mul(Tensor.number(2))).masked(where: result.eq(Tensor.number(0)))
            return [try Tensor.varianceBackward(gradVar, ctx.saved(0), ctx)]
        })

    // MARK: - Extrema

    /// The parameters of `max`/`min`/`argmax`/`argmin`: an optional dim and keepdim.
    private static let extremumParams: [Param] = [
        .tensor(), Param("dim", .dim, default: .absent), Param("keepdim", .bool, default: .bool(false)),
    ]

    /// `max(input, other)`: PyTorch's overload for two tensors is `maximum`.
    static let maxOfTwo = Op(
        "max", Signature(["max"], [.tensor(), .tensor("other")]),
        doc: "With a tensor `other`: the element-wise maximum (as `maximum`).",
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])])],
        forward: { call in try call.inputs[0].maximum(call.inputs[1]) })

    static let minOfTwo = Op(
        "min", Signature(["min"], [.tensor(), .tensor("other")]),
        doc: "With a tensor `other`: the element-wise minimum (as `minimum`).",
        samples: [OpSample([.tensor([2, 3]), .tensor([2, 3])])],
        forward: { call in try call.inputs[0].minimum(call.inputs[1]) })

    static let maxOp = extremum("max", largest: true, all: maxAll, along: maxAlong)
    static let minOp = extremum("min", largest: false, all: minAll, along: minAlong)

    /// `max(input)` → the largest value; `max(input, dim)` → values and 1-based positions.
    private static func extremum(_ name: String, largest: Bool, all: Op, along: Op) -> Op {
        Op(name, Signature([name], extremumParams, returns: "Tensor[, LongTensor]").returningPositions([1]),
           doc: "The \(largest ? "largest" : "smallest") element; with `dim`, the \(largest ? "largest" : "smallest") values along it and their positions (first on ties, NaN counts as \(largest ? "largest" : "smallest")).",
           extraOutputs: 1,
           samples: [
               OpSample([.tensor([2, 3])], [.absent, .bool(false)]),
               OpSample([.tensor([2, 3])], [.int(1), .bool(false)]),
               OpSample([.tensor([3, 2])], [.int(0), .bool(true)]),
           ],
           forward: { call in
               guard call.isGiven("dim") else {
                   if try call.bool("keepdim") {
                       throw TorchError("\(name)(): keepdim=true needs a dim to reduce")
                   }
                   return try all.apply(call.inputs)
               }
               let results = try along.applyAll(call.inputs, call.args)
               call.aux = [results[1]]
               return results[0]
           })
    }

    /// The whole-tensor extremum; ties share the gradient evenly.
    private static func extremumAllOp(_ name: String, largest: Bool, gradFn: String) -> Op {
        Op(name, Signature([name], .internal, [.tensor()]),
           doc: "The \(largest ? "largest" : "smallest") element (NaN if there is one).",
           gradFn: gradFn, saves: [.input(0), .output],
           samples: [OpSample([.tensor([2, 3])])],
           forward: { call in try call.inputs[0].extremumAll(largest: largest, name: name) },
           backward: { ctx in
               // PyTorch's evenly_distribute_backward.
               let x = try ctx.saved(0), value = try ctx.saved(1)
               let mask = value.element(0).isNaN ? try x.isnan() : try x.eq(value)
               return [try ctx.grad.div(mask.sum()).mul(mask)]
           })
    }

    /// The extremum along one dim, with positions as an extra output; the gradient goes to
    /// the selected position.
    private static func extremumAlongOp(_ name: String, largest: Bool, gradFn: String) -> Op {
        Op(name, Signature([name], .internal, [.tensor(), Param("dim", .dim), Param("keepdim", .bool, default: .bool(false))]),
           doc: "The \(largest ? "largest" : "smallest") values along `dim` and their positions.",
           gradFn: gradFn, saves: [.aux(0)], extraOutputs: 1,
           samples: [OpSample([.tensor([2, 3])], [.int(1), .bool(false)]), OpSample([.tensor([3, 2])], [.int(0), .bool(true)])],
           forward: { call in
               let (values, indices) = try call.inputs[0].extremum(along: call.int("dim"), largest: largest,
                                                                    keepdim: try call.bool("keepdim"), name: name)
               call.aux = [indices]
               return values
           },
           backward: { ctx in
               [try Tensor.valueSelectingBackward(ctx.grad, dim: ctx.int("dim"), indices: ctx.saved(0),
                                                  sizes: ctx.inputShape(0), keepdim: try ctx.bool("keepdim"))]
           })
    }

    static let maxAll = extremumAllOp("max", largest: true, gradFn: "MaxBackward1")
    static let minAll = extremumAllOp("min", largest: false, gradFn: "MinBackward1")
    static let maxAlong = extremumAlongOp("max", largest: true, gradFn: "MaxBackward0")
    static let minAlong = extremumAlongOp("min", largest: false, gradFn: "MinBackward0")

    /// `amax`/`amin`: extrema over dims without positions; ties share the gradient.
    private static func extremumOverDims(_ name: String, largest: Bool, gradFn: String) -> Op {
        Op(name, Signature([name], [.tensor(), Param("dim", .dims, default: .absent), Param("keepdim", .bool, default: .bool(false))]),
           doc: "The \(largest ? "largest" : "smallest") values over `dim` (all dims by default); ties share the gradient.",
           gradFn: gradFn, saves: [.input(0), .output],
           samples: [
               OpSample([.tensor([2, 3])], [.absent, .bool(false)]),
               OpSample([.tensor([2, 3])], [.ints([1]), .bool(false)]),
               OpSample([.tensor([2, 3, 2])], [.ints([0, 2]), .bool(true)]),
           ],
           forward: { call in
               let x = call.inputs[0]
               let given = try !(call.optionalInts("dim") ?? []).isEmpty
               return try x.extremum(overDims: x.reductionDims(call.optionalInts("dim")), largest: largest,
                                     keepdim: try call.bool("keepdim"), name: name, dimsGiven: given)
           },
           backward: { ctx in
               // PyTorch's scale_grad_by_count: grad / count * mask, count of the tied positions.
               let x = try ctx.saved(0), result = try ctx.saved(1)
               let dims = try ctx.optionalInts("dim") ?? [], keepdim = try ctx.bool("keepdim")
               let g = try ctx.grad.expandReduced(to: x.shape, dims: dims, keepdim: keepdim)
               let mask = try result.expandReduced(to: x.shape, dims: dims, keepdim: keepdim).eq(x)
               return [try g.div(mask.sum(dims: dims, keepdim: true)).mul(mask)]
           })
    }

    static let amax = extremumOverDims("amax", largest: true, gradFn: "AmaxBackward0")
    static let amin = extremumOverDims("amin", largest: false, gradFn: "AminBackward0")

    private static func argExtremum(_ name: String, largest: Bool) -> Op {
        Op(name, Signature([name], extremumParams, returns: "LongTensor").returningPositions([0]),
           doc: "The 1-based position of the \(largest ? "largest" : "smallest") element (of the flattened tensor, or along `dim`); the first one on ties.",
           forward: { call in
               let x = call.inputs[0]
               guard x.dtype != .bool else { throw TorchError("\(name)(): does not support bool input") }
               let keepdim = try call.bool("keepdim")
               guard let dim = try call.optionalInt("dim") else {
                   let position = try x.argExtremumFlat(largest: largest, name: name)
                   return keepdim ? try position.reshapedView([Int](repeating: 1, count: x.ndim)) : position
               }
               return try x.extremum(along: dim, largest: largest, keepdim: keepdim, name: name, values: false).indices
           })
    }

    static let argmax = argExtremum("argmax", largest: true)
    static let argmin = argExtremum("argmin", largest: false)

    // MARK: - Log-sum-exp

    static let logsumexp = Op(
        "logsumexp", Signature(["logsumexp"], [.tensor(), Param("dim", .dims), Param("keepdim", .bool, default: .bool(false))]),
        doc: "log(sum(exp(x))) over `dim`, computed stably (integers compute in float32).",
        gradFn: "LogsumexpBackward0", saves: [.input(0), .output],
        samples: [OpSample([.tensor([2, 3])], [.ints([1]), .bool(false)]), OpSample([.tensor([2, 3])], [.ints([0, 1]), .bool(true)])],
        forward: { call in
            let x = call.inputs[0]
            let input = x.dtype.isFloatingPoint ? x : try x.converted(to: .float32)
            return try input.logsumexpKernel(dims: x.reductionDims(call.optionalInts("dim")), keepdim: call.bool("keepdim"))
        },
        backward: { ctx in
            let x = try ctx.saved(0), result = try ctx.saved(1)
            let dims = try ctx.ints("dim"), keepdim = try ctx.bool("keepdim")
            let g = try ctx.grad.expandReduced(to: x.shape, dims: dims, keepdim: keepdim)
            let r = try result.expandReduced(to: x.shape, dims: dims, keepdim: keepdim)
            return [try g.mul(x.sub(r).exp())]
        })

    // MARK: - Truth tests

    private static func truthTest(_ name: String, every: Bool) -> Op {
        Op(name, Signature([name], [.tensor(), Param("dim", .dims, default: .absent), Param("keepdim", .bool, default: .bool(false))],
                           returns: "BoolTensor"),
           doc: every ? "Whether every element is true (nonzero), overall or along `dim`."
                      : "Whether any element is true (nonzero), overall or along `dim`.",
           forward: { call in
               let x = call.inputs[0]
               let keepdim = try call.isGiven("dim") && call.bool("keepdim")
               return try x.truthKernel(dims: x.reductionDims(call.optionalInts("dim")), keepdim: keepdim, every: every)
           })
    }

    static let all = truthTest("all", every: true)
    static let any = truthTest("any", every: false)
}

// MARK: - Backward helpers

extension Tensor {
    /// Whether any element is zero.
    var containsZero: Bool { (0..<numel).contains { element($0) == 0 } }

    /// PyTorch's prod_safe_zeros_backward: the product of all other elements along `dim`, as
    /// exclusive cumulative products from both ends (exact when `input` holds zeros).
    static func prodSafeZerosBackward(_ grad: Tensor, _ input: Tensor, dim: Int) throws -> Tensor {
        if input.numel == 0 { return try grad.expand(input.shape) }
        let n = input.shape[dim]
        if n == 1 { return grad }
        var onesShape = input.shape
        onesShape[dim] = 1
        let ones = try Tensor.ones(onesShape, dtype: grad.dtype)
        let before = try Tensor.cat([ones, input.slice(dim, 0, n - 1)], dim: dim).cumprod(dim)
        let reversedTail = try input.slice(dim, 1, n).flip([dim])
        let after = try Tensor.cat([ones, reversedTail], dim: dim).cumprod(dim).flip([dim])
        return try grad.mul(before.mul(after))
    }

    /// PyTorch's value_selecting_reduction_backward: the gradient placed at the selected positions.
    static func valueSelectingBackward(_ grad: Tensor, dim: Int, indices: Tensor, sizes: [Int], keepdim: Bool) throws -> Tensor {
        if sizes.isEmpty { return grad }
        let d = try Shapes.wrapDim(dim, sizes.count)
        var g = grad, positions = indices
        if !keepdim {
            g = try g.unsqueeze(d)
            positions = try positions.unsqueeze(d)
        }
        return try Tensor.zeros(sizes, dtype: g.dtype).scatter(d, positions, g)
    }

    /// PyTorch's var_backward: 2 / (n - correction) * grad * (x - mean).
    static func varianceBackward(_ grad: Tensor, _ x: Tensor, _ args: some OpArguments) throws -> Tensor {
        let correction = try Tensor.varianceCorrection(args)
        let keepdim = try args.bool("keepdim")
        guard let dims = try args.optionalInts("dim"), x.ndim > 0 else {
            let dof = Double(x.numel) - correction
            if dof <= 0 {
                let mean = try x.mean()
                let nan = try Tensor.number(Double.nan), inf = try Tensor.number(Double.infinity)
                return try grad.mul(Tensor.where(x.eq(mean), nan, inf))
            }
            return try grad.mul(Tensor.number(2 / dof)).mul(x.sub(x.mean()))
        }
        let reduced = try x.reductionDims(dims)
        let count = reduced.reduce(1) { $0 * x.shape[$1] }
        let g = try grad.expandReduced(to: x.shape, dims: dims, keepdim: keepdim)
        return try g.mul(Tensor.number(2 / (Double(count) - correction))).mul(x.sub(x.mean(dims: reduced, keepdim: true)))
    }

    /// The correction of a var/std call: `correction`, else 0 for `unbiased=false`, else 1.
    static func varianceCorrection(_ args: some OpArguments) throws -> Double {
        if let c = try args.optionalDouble("correction") {
            guard !args.isGiven("unbiased") else {
                throw TorchError("var(): cannot pass both correction and unbiased arguments")
            }
            return c
        }
        return try args.isGiven("unbiased") && !args.bool("unbiased") ? 0 : 1
    }

    /// A view of this contiguous tensor with a new shape of the same element count.
    func reshapedView(_ newShape: [Int]) throws -> Tensor {
        Tensor(storage: storage, shape: newShape, strides: Shapes.contiguousStrides(newShape), offset: offset, dtype: dtype)
    }
}
