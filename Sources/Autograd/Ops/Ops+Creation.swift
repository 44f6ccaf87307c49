/// Creation ops: tensors from data, constants, ranges, identity matrices, and tensors shaped
/// like another. Random creation ops are in `Ops+Random.swift`.
extension Ops {
    /// `{dtype=, requires_grad=}`, the keywords every creation op takes.
    static let creationOptions: [Param] = [
        .keyword("dtype", .dtype, .absent), .keyword("requires_grad", .bool, .bool(false)),
    ]

    static let tensor = Op(
        "tensor", Signature(["tensor"], .function, [Param("data", .data)] + creationOptions),
        doc: "A tensor holding `data`: a number, a boolean or nested tables of them.",
        forward: { call in
            let data = call.inputs[0]
            let inferred = data.isWrappedNumber ? DType.defaultFor(category: data.dtype.category) : data.dtype
            let out = try data.materialized(dtype: call.dtype("dtype") ?? inferred)
            return try out.creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let zeros = Op(
        "zeros", Signature(["zeros"], .function, [Param("size", .sizes)] + creationOptions),
        doc: "A tensor of `size` filled with 0.",
        forward: { call in
            try Tensor.full(call.ints("size"), 0, dtype: call.dtype("dtype") ?? .float32)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let ones = Op(
        "ones", Signature(["ones"], .function, [Param("size", .sizes)] + creationOptions),
        doc: "A tensor of `size` filled with 1.",
        forward: { call in
            try Tensor.full(call.ints("size"), 1, dtype: call.dtype("dtype") ?? .float32)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let empty = Op(
        "empty", Signature(["empty"], .function, [Param("size", .sizes)] + creationOptions),
        doc: "A tensor of `size` (LuaGrad fills it with 0 rather than leaving memory uninitialized).",
        forward: { call in
            try Tensor.full(call.ints("size"), 0, dtype: call.dtype("dtype") ?? .float32)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let full = Op(
        "full", Signature(["full"], .function, [Param("size", .sizes), Param("fill_value", .number)] + creationOptions),
        doc: "A tensor of `size` filled with `fill_value` (its dtype follows the value's type).",
        forward: { call in
            let value = try call.scalar("fill_value")
            let dtype = try call.dtype("dtype") ?? DType.of(value)
            return try Tensor.full(call.ints("size"), value.doubleValue, dtype: dtype)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let arange = Op(
        "arange", Signature(["arange"], .function, [
            Param("start", .number), Param("end", .number, default: .absent),
            Param("step", .number, default: .scalar(.int(1))),
        ] + creationOptions),
        doc: "Values from `start` (default 0) up to but excluding `end`, spaced by `step`, as in PyTorch.",
        forward: { call in
            let first = try call.scalar("start")
            var start = Scalar.int(0), end = first
            if let e = try call.optionalScalar("end") { start = first; end = e }
            let step = try call.scalar("step")
            let isFloat = [start, end, step].contains { if case .double = $0 { true } else { false } }
            let dtype = try call.dtype("dtype") ?? (isFloat ? .float32 : .int64)
            return try Tensor.arange(start: start.doubleValue, end: end.doubleValue, step: step.doubleValue, dtype: dtype)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let linspace = Op(
        "linspace", Signature(["linspace"], .function, [
            Param("start", .number), Param("end", .number), Param("steps", .int),
        ] + creationOptions),
        doc: "`steps` values evenly spaced from `start` to `end`, both included (float32 unless `dtype` says otherwise).",
        forward: { call in
            let start = try call.scalar("start"), end = try call.scalar("end")
            let dtype = try call.dtype("dtype") ?? .float32
            return try Tensor.linspaceKernel(start: start, end: end, steps: call.int("steps"), dtype: dtype)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let eye = Op(
        "eye", Signature(["eye"], .function, [Param("n", .int), Param("m", .int, default: .absent)] + creationOptions),
        doc: "An `n` × `m` matrix (square when `m` is nil) with ones on the diagonal and zeros elsewhere.",
        forward: { call in
            let n = try call.int("n")
            return try Tensor.identity(n, call.optionalInt("m") ?? n, dtype: call.dtype("dtype") ?? .float32)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    // MARK: - Shaped like another tensor

    /// `zeros_like(input, {dtype=, requires_grad=})` and its siblings: the input's shape and,
    /// unless `dtype` is given, its dtype.
    private static func like(_ name: String, doc: String, value: Double) -> Op {
        Op(name, Signature([name], .function, [.tensor()] + creationOptions), doc: doc, forward: { call in
            let x = call.inputs[0]
            return try Tensor.full(x.shape, value, dtype: call.dtype("dtype") ?? x.dtype)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })
    }

    static let zerosLike = like("zeros_like", doc: "Zeros with the shape (and dtype) of `input`.", value: 0)
    static let onesLike = like("ones_like", doc: "Ones with the shape (and dtype) of `input`.", value: 1)
    static let emptyLike = like(
        "empty_like", doc: "A tensor with the shape (and dtype) of `input` (LuaGrad fills it with 0).", value: 0)

    static let fullLike = Op(
        "full_like", Signature(["full_like"], .function, [.tensor(), Param("fill_value", .number)] + creationOptions),
        doc: "`fill_value` (converted to the dtype of `input`, or `dtype`) with the shape of `input`.",
        forward: { call in
            let value = try call.scalar("fill_value")
            let x = call.inputs[0]
            return try Tensor.full(x.shape, value.doubleValue, dtype: call.dtype("dtype") ?? x.dtype)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })
}

// MARK: - Requires grad

extension Tensor {
    /// Applies a creation op's `requires_grad` keyword, refusing it for integer and bool
    /// results with the wording PyTorch's factories use.
    func creationResult(requiresGrad flag: Bool) throws -> Tensor {
        if flag {
            guard dtype.isFloatingPoint else {
                throw TorchError("Only Tensors of floating point and complex dtype can require gradients")
            }
            try setRequiresGrad(true)
        }
        return self
    }
}
