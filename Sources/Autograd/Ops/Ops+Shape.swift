/// Views and copies that change shape: reshape, expand, squeeze, select, slice, cat, clone.
extension Ops {
    static let view = Op(
        "view", Signature(["view"], .method, [.tensor(), Param("size", .sizes)]),
        doc: "A view with a new shape (one size may be -1); the tensor must be contiguous.",
        gradFn: "ViewBackward0",
        samples: [OpSample([.tensor([2, 3])], [.ints([3, -1])])],
        forward: { call in
            let x = call.inputs[0]
            let shape = try x.inferShape(call.ints("size"))
            guard x.isContiguous else {
                throw TorchError("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
            }
            return x.view(shape: shape, strides: Shapes.contiguousStrides(shape), offset: x.offset)
        },
        backward: { ctx in [try ctx.grad.reshape(ctx.inputShape(0))] })

    /// What `reshape` runs when the data must be copied first.
    static let unsafeView = Op(
        "_unsafe_view", Signature(["_unsafe_view"], .internal, [.tensor(), Param("size", .sizes)]),
        doc: "Reshapes a contiguous copy of the tensor (what reshape runs on non-contiguous input).",
        gradFn: "UnsafeViewBackward0",
        forward: { call in
            let x = call.inputs[0]
            let shape = try x.inferShape(call.ints("size"))
            let copy = try x.materialized()
            return Tensor(storage: copy.storage, shape: shape, strides: Shapes.contiguousStrides(shape),
                          offset: 0, dtype: x.dtype)
        },
        backward: { ctx in [try ctx.grad.reshape(ctx.inputShape(0))] })

    static let expand = Op(
        "expand", Signature(["expand"], .method, [.tensor(), Param("size", .sizes)]),
        doc: "A view repeating size-1 dims to `size` without copying (-1 keeps a size).",
        gradFn: "ExpandBackward0",
        samples: [OpSample([.tensor([3, 1])], [.ints([2, 3, 4])])],
        forward: { call in
            let x = call.inputs[0]
            let sizes = try call.ints("size")
            guard sizes.count >= x.ndim else {
                throw TorchError("expand(\(x.dtype.legacyName){\(Shapes.format(x.shape))}, size=\(Shapes.format(sizes))): the number of sizes provided (\(sizes.count)) must be greater or equal to the number of dimensions in the tensor (\(x.ndim))")
            }
            let lead = sizes.count - x.ndim
            var shape = sizes, strides = [Int](filling: 0, count: sizes.count)
            for i in 0..<sizes.count {
                if i < lead {
                    guard sizes[i] >= 0 else {
                        throw TorchError("The expanded size of the tensor (\(sizes[i])) isn't allowed in a leading, non-existing dimension \(ThreadState.userPosition(i))")
                    }
                    continue
                }
                let size = x.shape[i - lead]
                if sizes[i] == -1 { shape[i] = size }
                if size == shape[i] { strides[i] = x.strides[i - lead] }
                else if size == 1 { strides[i] = 0 }
                else {
                    throw TorchError("The expanded size of the tensor (\(shape[i])) must match the existing size (\(size)) at non-singleton dimension \(ThreadState.userPosition(i)).  Target sizes: \(Shapes.format(sizes)).  Tensor sizes: \(Shapes.format(x.shape))")
                }
            }
            try Shapes.validate(shape)
            return x.view(shape: shape, strides: strides, offset: x.offset)
        },
        backward: { ctx in [try ctx.grad.sumToShape(ctx.inputShape(0))] })

    static let unsqueeze = Op(
        "unsqueeze", Signature(["unsqueeze"], [.tensor(), Param("dim", .dim)]),
        doc: "A view with a size-1 dimension inserted at `dim`.",
        gradFn: "UnsqueezeBackward0",
        samples: [OpSample([.tensor([2, 3])], [.int(1)])],
        forward: { call in
            let x = call.inputs[0]
            let d = try Shapes.wrapDim(call.int("dim"), x.ndim + 1)
            var shape = x.shape, strides = x.strides
            let stride = d < x.ndim ? x.shape[d] * x.strides[d] : 1
            shape.insert(1, at: d)
            strides.insert(stride, at: d)
            return x.view(shape: shape, strides: strides, offset: x.offset)
        },
        backward: { ctx in [try ctx.grad.squeeze(ctx.int("dim"))] })

    static let squeeze = Op(
        "squeeze", Signature(["squeeze"], [.tensor(), Param("dim", .dims, default: .absent)]),
        doc: "A view without size-1 dimensions (all of them, or those among `dim`).",
        gradFn: "SqueezeBackward0",
        gradFnOverload: .custom { pointer in
            let call = pointer.pointee
            guard call.isGiven("dim"), let dims = try? call.ints("dim") else { return "SqueezeBackward0" }
            return dims.count == 1 ? "SqueezeBackward1" : "SqueezeBackward2"
        },
        samples: [OpSample([.tensor([2, 1, 3])], [.absent]), OpSample([.tensor([2, 1])], [.ints([1])])],
        forward: { call in
            let x = call.inputs[0]
            let dims = try call.optionalInts("dim").map { try $0.map { try Shapes.wrapDim($0, x.ndim) } }
            var shape: [Int] = [], strides: [Int] = []
            for i in 0..<x.ndim where !(x.shape[i] == 1 && (dims?.contains(i) ?? true)) {
                shape.append(x.shape[i])
                strides.append(x.strides[i])
            }
            return x.view(shape: shape, strides: strides, offset: x.offset)
        },
        backward: { ctx in [try ctx.grad.reshape(ctx.inputShape(0))] })

    static let select = Op(
        "select", Signature(["select"], [.tensor(), Param("dim", .dim), Param("index", .index)]),
        doc: "The slice at `index` along `dim`, as a view with that dim removed.",
        gradFn: "SelectBackward0",
        samples: [OpSample([.tensor([3, 4])], [.int(1), .int(-1)])],
        forward: { call in
            let x = call.inputs[0]
            guard x.ndim > 0 else { throw TorchError("select() cannot be applied to a 0-dim tensor.") }
            let d = try Shapes.wrapDim(call.int("dim"), x.ndim)
            let size = x.shape[d]
            var i = try call.int("index")
            guard i >= -size, i < size else {
                throw TorchError("index \(ThreadState.userPosition(i)) is out of bounds for dimension \(ThreadState.userPosition(d)) with size \(size)")
            }
            if i < 0 { i += size }
            var shape = x.shape, strides = x.strides
            shape.remove(at: d)
            strides.remove(at: d)
            return x.view(shape: shape, strides: strides, offset: x.offset + i * x.strides[d])
        },
        backward: { ctx in
            [try Ops.selectBackward.apply(ctx.grad, [.ints(ctx.inputShape(0)), ctx.arg("dim"), ctx.arg("index")])]
        })

    /// The gradient of `select`: zeros with the incoming gradient written at the index.
    static let selectBackward = Op(
        "select_backward", Signature(["select_backward"], .internal, [.tensor("grad"), Param("input_sizes", .sizes), Param("dim", .dim), Param("index", .int)]),
        doc: "Scatters a gradient into zeros of `input_sizes` at `index` along `dim`.",
        gradFn: "SelectBackwardBackward0",
        forward: { call in
            let out = try Tensor.zeros(call.ints("input_sizes"), dtype: call.inputs[0].dtype)
            try out.select(call.int("dim"), call.int("index")).copyElements(from: call.inputs[0])
            return out
        },
        backward: { ctx in [try ctx.grad.select(ctx.int("dim"), ctx.int("index"))] })

    static let slice = Op(
        "slice", Signature(["narrow_range"], .internal, [.tensor(), Param("dim", .dim), Param("start", .int), Param("end", .int), Param("step", .int, default: .int(1))]),
        doc: "Elements `start` up to (not including) `end` along `dim`, as a view.",
        gradFn: "SliceBackward0",
        forward: { call in
            try call.inputs[0].sliceView(call.int("dim"), call.int("start"), call.int("end"), step: call.int("step"))
        },
        backward: { ctx in
            [try Ops.sliceBackward.apply(ctx.grad, [.ints(ctx.inputShape(0))] + ctx.args)]
        })

    /// The gradient of `slice`: zeros with the incoming gradient written into the range.
    static let sliceBackward = Op(
        "slice_backward", Signature(["slice_backward"], .internal, [.tensor("grad"), Param("input_sizes", .sizes), Param("dim", .dim), Param("start", .int), Param("end", .int), Param("step", .int)]),
        doc: "Scatters a gradient into zeros of `input_sizes` over a range along `dim`.",
        gradFn: "SliceBackwardBackward0",
        forward: { call in
            let out = try Tensor.zeros(call.ints("input_sizes"), dtype: call.inputs[0].dtype)
            try out.slice(call.int("dim"), call.int("start"), call.int("end"), step: call.int("step"))
                .copyElements(from: call.inputs[0])
            return out
        },
        backward: { ctx in
            [try ctx.grad.slice(ctx.int("dim"), ctx.int("start"), ctx.int("end"), step: ctx.int("step"))]
        })

    static let cat = Op(
        "cat", Signature(["cat", "concat", "concatenate"], .function, [Param("tensors", .tensorList), Param("dim", .dim, default: .int(0))]),
        doc: "Joins tensors along an existing dimension `dim`.",
        gradFn: "CatBackward0",
        samples: [OpSample([.tensor([2, 3]), .tensor([1, 3])], [.int(0)])],
        forward: { call in try Tensor.catKernel(Array(call.inputs), dim: call.int("dim")) },
        backward: { ctx in
            let d = try Shapes.wrapDim(ctx.int("dim"), ctx.grad.ndim)
            var start = 0
            var grads = InputGrads()
            for i in 0..<ctx.inputCount {
                let shape = ctx.inputShape(i)
                if shape == [0] { grads.append(nil); continue }
                grads.append(ctx.needsGrad(i) ? try ctx.grad.slice(d, start, start + shape[d]) : nil)
                start += shape[d]
            }
            return grads
        })

    static let reshape = Op(
        "reshape", Signature(["reshape"], [.tensor(), Param("shape", .sizes)]),
        doc: "The same data with a new shape (one size may be -1): a view when possible, else a copy.",
        samples: [OpSample([.tensor([2, 3])], [.ints([6])])],
        forward: { call in try call.inputs[0].reshape(call.ints("shape")) })

    static let contiguous = Op(
        "contiguous", Signature(["contiguous"], .method, [.tensor()]),
        doc: "The tensor itself when contiguous, else a contiguous copy.",
        forward: { call in try call.inputs[0].contiguous() })

    static let clone = Op(
        "clone", Signature(["clone"], [.tensor(), .keyword("memory_format", .string, .string("preserve_format"))]),
        doc: "A copy of the tensor with its own memory, with the strides of a dense tensor (a transpose, a "
            + "permutation) kept; `memory_format=\"contiguous_format\"` makes it row-major.",
        gradFn: "CloneBackward0",
        samples: [OpSample([.tensor([2, 3])]), OpSample([.tensor([3, 2])], [.string("contiguous_format")])],
        forward: { call in
            switch try call.string("memory_format") {
            case "preserve_format": try call.inputs[0].cloneKeepingLayout()
            case "contiguous_format": try call.inputs[0].materialized()
            case let other: throw TorchError("clone: unsupported memory_format \"\(other)\" (preserve_format or contiguous_format)")
            }
        },
        backward: { ctx in [ctx.grad] })

    static let toType = Op(
        "to", Signature(["to"], .method, [.tensor(), Param("dtype", .dtype)]),
        doc: "A copy converted to `dtype` (the tensor itself when it already has it).",
        gradFn: "ToCopyBackward0",
        samples: [OpSample([.tensor([2, 3])], [.dtype(.float64)])],
        forward: { call in try call.inputs[0].materialized(dtype: call.dtype("dtype")) },
        backward: { ctx in [try ctx.grad.to(ctx.inputDtype(0))] })
}

extension BackwardContext {
    /// How many tensor inputs the op had.
    public var inputCount: Int { node.edges.count }
}

extension Tensor {
    /// Resolves a requested shape with at most one -1 against this tensor's element count.
    func inferShape(_ sizes: [Int]) throws -> [Int] {
        var shape = sizes
        let inferred = sizes.indices.filter { sizes[$0] == -1 }
        guard inferred.count <= 1 else { throw TorchError("only one dimension can be inferred") }
        for s in sizes where s < -1 { throw TorchError("invalid shape dimension \(s)") }
        let known = sizes.filter { $0 != -1 }
        guard let product = Shapes.numel(known) else {
            throw TorchError("shape '\(Shapes.format(sizes))' is invalid for input of size \(numel)")
        }
        if let i = inferred.first {
            if numel == 0 && product == 0 {
                throw TorchError("cannot reshape tensor of 0 elements into shape \(Shapes.format(sizes)) because the unspecified dimension size -1 can be any value and is ambiguous")
            }
            guard product != 0, numel % product == 0 else {
                throw TorchError("shape '\(Shapes.format(sizes))' is invalid for input of size \(numel)")
            }
            shape[i] = numel / product
        } else if product != numel {
            throw TorchError("shape '\(Shapes.format(sizes))' is invalid for input of size \(numel)")
        }
        return shape
    }

    /// The view `slice` makes: elements `start..<end` (clamped, stepping by `step`) along `dim`.
    func sliceView(_ dim: Int, _ start: Int, _ end: Int, step: Int) throws -> Tensor {
        guard ndim > 0 else { throw TorchError("slice() cannot be applied to a 0-dim tensor.") }
        let d = try Shapes.wrapDim(dim, ndim)
        let (first, length, _) = try sliceBounds(dim: d, start, end, step)
        var shape = self.shape, strides = self.strides
        shape[d] = length
        strides[d] = self.strides[d] * step
        return view(shape: shape, strides: strides, offset: offset + first * self.strides[d])
    }

    /// Clamps a Python-style slice `start:end:step` along `dim` to the tensor (as PyTorch does).
    func sliceBounds(dim d: Int, _ start: Int, _ end: Int, _ step: Int) throws -> (start: Int, length: Int, step: Int) {
        guard step > 0 else { throw TorchError("slice step must be positive") }
        let size = shape[d]
        var s = start < 0 ? start + size : start
        var e = end < 0 ? end + size : end
        s = Swift.min(Swift.max(s, 0), size)
        e = Swift.min(Swift.max(e, s), size)
        return (s, (e - s + step - 1) / step, step)
    }

    /// Concatenates along `dim`.
    static func catKernel(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first(where: { $0.shape != [0] }) ?? tensors.first else {
            throw TorchError("torch.cat(): expected a non-empty list of Tensors")
        }
        guard first.ndim > 0 else {
            throw TorchError("zero-dimensional tensor (at position 0) cannot be concatenated")
        }
        let d = try Shapes.wrapDim(dim, first.ndim)
        let parts = tensors.filter { $0.shape != [0] }
        let dtype = resultType(parts)
        var shape = first.shape
        shape[d] = 0
        for (i, t) in parts.enumerated() {
            guard t.ndim == first.ndim else {
                throw TorchError("Tensors must have same number of dimensions: got \(first.ndim) and \(t.ndim)")
            }
            for j in 0..<t.ndim where j != d && t.shape[j] != first.shape[j] {
                throw TorchError("Sizes of tensors must match except in dimension \(ThreadState.userPosition(d)). Expected size \(first.shape[j]) but got size \(t.shape[j]) for tensor number \(ThreadState.userPosition(i)) in the list.")
            }
            shape[d] += t.shape[d]
        }
        let out = try Tensor.empty(shape, dtype: dtype)
        var start = 0
        for t in parts {
            let n = t.shape[d]
            var s = out.shape
            s[d] = n
            let region = Tensor(storage: out.storage, shape: s, strides: out.strides,
                                offset: start * out.strides[d], dtype: dtype)
            try region.copyElements(from: t)
            start += n
        }
        return out
    }
}

extension DType {
    /// The legacy name PyTorch prints in `expand` errors (`torch.FloatTensor`).
    var legacyName: String { "torch.\(legacyTypeName)" }
}
