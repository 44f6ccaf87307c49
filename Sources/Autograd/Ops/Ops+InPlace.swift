#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// In-place ops (`add_`, `zero_`, slice assignment) and how they rewrite the graph.
extension Ops {
    static let addInPlace = Op(inPlace: "add_", of: add, Signature(["add_"], .method, alphaParams),
                               doc: "Adds `other` into the tensor in place.")
    static let subInPlace = Op(inPlace: "sub_", of: sub, Signature(["sub_"], .method, alphaParams),
                               doc: "Subtracts `other` from the tensor in place.")
    static let mulInPlace = Op(inPlace: "mul_", of: mul, Signature(["mul_"], .method, [.tensor(), .operand()]),
                               doc: "Multiplies the tensor by `other` in place.")
    static let divInPlace = Op(inPlace: "div_", of: div, Signature(["div_"], .method, [.tensor(), .operand()]),
                               doc: "Divides the tensor by `other` in place.")

    /// The out-of-place op behind `zero_`.
    static let zeroOp = Op(
        "zero", Signature(["zero"], .internal, [.tensor()]),
        doc: "Zeros shaped like the tensor (what `zero_` writes).",
        gradFn: "ZeroBackward0",
        forward: { call in try Tensor.zeros(call.inputs[0].shape, dtype: call.inputs[0].dtype) },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })
    static let zeroInPlace = Op(inPlace: "zero_", of: zeroOp, Signature(["zero_"], .method, [.tensor()]),
                                doc: "Fills the tensor with 0 in place.")

    /// The out-of-place op behind `fill_`.
    static let fillOp = Op(
        "fill", Signature(["fill"], .internal, [.tensor(), .operand("value")]),
        doc: "The value broadcast to the tensor's shape (what `fill_` writes).",
        gradFn: "FillBackward0",
        forward: { call in
            let x = call.inputs[0], v = call.inputs[1]
            guard v.ndim == 0 else {
                throw TorchError("fill_ only supports 0-dimension value tensor but got tensor with \(v.ndim) dimensions.")
            }
            let out = try Tensor.empty(x.shape, dtype: x.dtype)
            try out.copyElements(from: v)
            return out
        },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype), ctx.needsGrad(1) ? try ctx.grad.sum() : nil] })
    static let fillInPlace = Op(inPlace: "fill_", of: fillOp, Signature(["fill_"], .method, [.tensor(), .operand("value")]),
                                doc: "Fills the tensor with `value` in place.")

    /// The out-of-place op behind `copy_`.
    static let copyOp = Op(
        "copy", Signature(["copy"], .internal, [.tensor(), .operand("src")]),
        doc: "`src` broadcast to the tensor's shape and dtype (what `copy_` writes).",
        gradFn: "CopyBackwards",
        forward: { call in
            let x = call.inputs[0]
            let out = try Tensor.empty(x.shape, dtype: x.dtype)
            try out.copyElements(from: call.inputs[1])
            return out
        },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype), ctx.needsGrad(1) ? ctx.grad : nil] })
    static let copyInPlace = Op(inPlace: "copy_", of: copyOp, Signature(["copy_"], .method, [.tensor(), .operand("src")]),
                                doc: "Copies `src` (broadcast and converted) into the tensor in place.")

    /// Writes a region of a base tensor: what in-place changes to a view do to the view's base.
    static let copySlices = Op(
        "copy_slices", Signature(["copy_slices"], .internal, [.tensor("base"), .tensor("src"), Param("geometry", .sizes)]),
        doc: "A copy of `base` with the strided region `geometry` replaced by `src`.",
        gradFn: "CopySlices",
        forward: { call in
            let out = try call.inputs[0].materialized()
            try out.region(call.ints("geometry")).copyElements(from: call.inputs[1])
            return out
        },
        backward: { ctx in
            let g = try ctx.grad.materialized()
            let region = try g.region(ctx.ints("geometry"))
            let src = try region.materialized()
            try region.copyElements(from: Tensor.zeros([], dtype: g.dtype))
            return [g, ctx.needsGrad(1) ? src : nil]
        })

    /// A strided view of a contiguous base: how a view is re-derived after its base changed.
    static let asStrided = Op(
        "as_strided", Signature(["as_strided"], .internal, [.tensor(), Param("geometry", .sizes)]),
        doc: "A view of the tensor's memory with the given geometry.",
        gradFn: "AsStridedBackward0",
        forward: { call in try call.inputs[0].region(call.ints("geometry")) },
        backward: { ctx in
            let out = try Tensor.zeros(ctx.inputShape(0), dtype: ctx.grad.dtype)
            try out.region(ctx.ints("geometry")).addElements(ctx.grad)
            return [out]
        })
}

extension Tensor {
    /// Encodes this view's layout relative to its contiguous root: ndim, shape, strides, offset.
    func geometry(relativeTo base: Tensor) -> [Int] {
        [ndim] + shape + strides + [offset - base.offset]
    }

    /// The view of this contiguous tensor described by `geometry(relativeTo:)`.
    func region(_ geometry: [Int]) throws -> Tensor {
        guard let n = geometry.first, geometry.count == 2 + 2 * n else {
            throw TorchError("invalid view geometry")
        }
        let shape = Array(geometry[1..<(1 + n)]), strides = Array(geometry[(1 + n)..<(1 + 2 * n)])
        return view(shape: shape, strides: strides, offset: offset + geometry[2 * n + 1])
    }

    /// Adds `source` into this tensor's elements (overlapping elements receive every addition).
    func addElements(_ source: Tensor) throws {
        let src = try source.converted(to: dtype).expand(shape)
        for i in 0..<numel {
            setElement(i, element(i) + src.element(i))
        }
    }

    /// `self += other` without graph or checks: the engine's gradient accumulation.
    func addInPlaceUnchecked(_ other: Tensor) throws {
        if try !updateInPlace(named: "add", other) {
            let sum = try Tensor.arithmetic(self, other, dtype: dtype, op: "add", Ops.AddKernel())
            try copyElements(from: sum)
        }
        storage.bumpVersion()
    }

    /// `self op= other` computed straight into this tensor's memory, for the arithmetic ops on
    /// a contiguous float tensor with a float operand that broadcasts to it (an SGD step,
    /// gradient accumulation). Returns false when the general path must run instead.
    func updateInPlace(named name: String, _ other: Tensor) throws -> Bool {
        guard canUpdateInPlace(with: other) else { return false }
        let y = try other.converted(to: dtype)
        switch name {
        case "add": try Tensor.zip(self, y, into: self, Ops.AddKernel(), op: name)
        case "sub": try Tensor.zip(self, y, into: self, Ops.SubKernel(), op: name)
        case "mul": try Tensor.zip(self, y, into: self, Ops.MulKernel(), op: name)
        case "div": try Tensor.zip(self, y, into: self, Ops.DivKernel(), op: name)
        default: return false
        }
        return true
    }

    /// `self += alpha * other` computed straight into this tensor's memory, with one rounding
    /// (`add_(other, alpha=)`: PyTorch's CPU kernel is `vec::fmadd(other, alpha, self)`, alpha
    /// converted to the tensor's dtype first). Returns false when the general path must run.
    func updateInPlace(adding other: Tensor, times alpha: Double) throws -> Bool {
        guard canUpdateInPlace(with: other) else { return false }
        let y = try other.converted(to: dtype)
        try Tensor.zip(self, y, into: self, Ops.AddScaledKernel(alpha: alpha), op: "add")
        return true
    }

    /// Whether `updateInPlace` may write `self op other` into this tensor's memory as it
    /// reads it: a contiguous float tensor, a float operand that broadcasts to it and does not
    /// overlap it (a single shared value is read once, first), no forward-mode tangents.
    private func canUpdateInPlace(with other: Tensor) -> Bool {
        isContiguous && dtype.isFloatingPoint && (other.dtype.isFloatingPoint || other.isWrappedNumber)
            && tangent == nil && other.tangent == nil
            && (try? Shapes.broadcast(shape, other.shape)) == shape
            && !(other.storage === storage && !(other.numel == 1 || other.isBroadcastScalar))
    }

    /// Runs `op` on this tensor and `others` and writes the result back into this tensor.
    ///
    /// Without a graph to record this is a kernel and a copy. With one, the op is recorded on a
    /// snapshot of the old values and this tensor's history is rebased onto the new node, as
    /// PyTorch does; an in-place change to a view rebases the view's base through `CopySlices`.
    func applyInPlace(_ op: Op, _ others: [Tensor], _ args: [Arg]) throws -> Tensor {
        let recording = op.isDifferentiable && ThreadState.current.gradEnabled
            && (requiresGrad || others.contains { $0.requiresGrad })
        if recording, requiresGrad {
            if let base = viewBase, base.isLeaf, base.requiresGrad {
                throw TorchError(AutogradMessages.viewOfLeafInPlace)
            }
            if isLeaf && viewBase == nil { throw TorchError(AutogradMessages.leafInPlace) }
        }
        if recording, let base = viewBase, base.isLeaf, base.requiresGrad {
            throw TorchError(AutogradMessages.viewOfLeafInPlace)
        }
        // PyTorch's `copy_` refuses overlapping copies whether or not it records.
        if op === Ops.copyOp, others.count == 1 { try checkCopyOverlap(others[0]) }
        guard recording else {
            // `copy_` writes its source straight into this tensor's memory, where the op
            // below would copy it into a new tensor and that back: half the passes.
            if op === Ops.copyOp, others.count == 1, try copyInPlace(from: others[0]) {
                storage.bumpVersion()
                return self
            }
            // Plain arithmetic (no alpha) runs straight into this tensor's memory.
            if others.count == 1, args.allSatisfy({ $0.isAbsent }), Tensor.isPlainArithmetic(op.name),
               try updateInPlace(named: op.name, others[0]) {
                storage.bumpVersion()
                return self
            }
            // So does `add_`/`sub_` with `alpha` (every optimizer step), fused as PyTorch's
            // kernel computes it, where the op scaled a copy, added into a new tensor and
            // copied that back: three passes and two temporaries.
            if others.count == 1, args.count == 1, op === Ops.add || op === Ops.sub,
               case .scalar(let alpha) = args[0],
               try updateInPlace(adding: others[0], times: op === Ops.sub ? -alpha.doubleValue : alpha.doubleValue) {
                storage.bumpVersion()
                return self
            }
            if op === Ops.zeroOp, isContiguous, tangent == nil {
                // Zero is all-bits-zero in every dtype: a memset (`p.grad:zero_()` each step),
                // split as the ops that wrote the gradient were (`Parallel.zeroFill`).
                Parallel.zeroFill(storage.bytes + offset &* dtype.itemSize, count: numel, itemSize: dtype.itemSize)
                storage.bumpVersion()
                return self
            }
            if op === Ops.fillOp && others.first?.ndim == 0, isContiguous, tangent == nil {
                let value = try others[0].item().doubleValue
                try copyElements(from: Tensor.scalar(value, dtype: dtype))
                storage.bumpVersion()
                return self
            }
            let result = try withNoGrad { try op.apply([self] + others, args) }
            try writeBack(result)
            if let t = result.tangent { setTangent(t) }
            return self
        }
        let snapshot = try materialized()
        snapshot.requiresGrad = requiresGrad
        snapshot.gradFn = gradFn
        snapshot.outputNr = outputNr
        let result = try op.apply([snapshot] + others, args)
        if let base = viewBase, base.requiresGrad || result.requiresGrad {
            guard base.isContiguous else {
                throw TorchError("in-place operations on views of non-contiguous tensors that require grad are not supported")
            }
            let geometry = self.geometry(relativeTo: base)
            let rebased = try Ops.copySlices.apply(base, result, [.ints(geometry)])
            try writeBack(result)
            let former = base.gradFn
            base.gradFn = rebased.gradFn
            base.outputNr = 0
            base.requiresGrad = true
            base.historyReplaced(from: former)
            let rederived = try Ops.asStrided.apply(base, [.ints(geometry)])
            let formerOwn = gradFn
            gradFn = rederived.gradFn
            historyReplaced(from: formerOwn)
        } else {
            try writeBack(result)
            let former = gradFn
            gradFn = result.gradFn
            historyReplaced(from: former)
        }
        storage.lastInPlaceNode = (viewBase?.gradFn ?? gradFn)?.qualifiedName
        if let t = result.tangent { setTangent(t) }
        outputNr = 0
        requiresGrad = true
        return self
    }

    /// Whether `updateInPlace(named:)` computes the op named `name`. A switch, not an array's
    /// `contains`: the array literal was built and destroyed on every in-place op (~100
    /// instructions of a 10-element `sub_`).
    private static func isPlainArithmetic(_ name: String) -> Bool {
        switch name {
        case "add", "sub", "mul", "div": true
        default: false
        }
    }

    /// Copies an in-place op's result into this tensor, with PyTorch's shape and cast checks.
    private func writeBack(_ result: Tensor) throws {
        guard result.shape == shape else {
            throw TorchError("output with shape \(Shapes.format(shape)) doesn't match the broadcast shape \(Shapes.format(result.shape))")
        }
        if result.dtype.category > dtype.category {
            throw TorchError("result type \(result.dtype.scalarTypeName) can't be cast to the desired output type \(dtype.scalarTypeName)")
        }
        try copyElements(from: result)
        storage.bumpVersion()
    }
}
