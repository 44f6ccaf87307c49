/// Creation ops: tensors from data, constants, ranges and random numbers.
extension Ops {
    private static let creationKeywords: [Param] = [
        .keyword("dtype", .dtype, .absent), .keyword("requires_grad", .bool, .bool(false)),
    ]

    static let tensor = Op(
        "tensor", Signature(["tensor"], .function, [Param("data", .data)] + creationKeywords),
        doc: "A tensor holding `data`: a number, a boolean or nested tables of them.",
        forward: { call in
            let data = call.inputs[0]
            let inferred = data.isWrappedNumber ? DType.defaultFor(category: data.dtype.category) : data.dtype
            let out = try data.materialized(dtype: call.args[0].dtype ?? inferred)
            return try out.creationResult(requiresGrad: call.args[1])
        })

    static let zeros = Op(
        "zeros", Signature(["zeros"], .function, [Param("size", .sizes)] + creationKeywords),
        doc: "A tensor of `size` filled with 0.",
        forward: { call in
            try Tensor.full(call.args[0].ints ?? [], 0, dtype: call.args[1].dtype ?? .float32)
                .creationResult(requiresGrad: call.args[2])
        })

    static let ones = Op(
        "ones", Signature(["ones"], .function, [Param("size", .sizes)] + creationKeywords),
        doc: "A tensor of `size` filled with 1.",
        forward: { call in
            try Tensor.full(call.args[0].ints ?? [], 1, dtype: call.args[1].dtype ?? .float32)
                .creationResult(requiresGrad: call.args[2])
        })

    static let empty = Op(
        "empty", Signature(["empty"], .function, [Param("size", .sizes)] + creationKeywords),
        doc: "A tensor of `size` (LuaGrad fills it with 0 rather than leaving memory uninitialized).",
        forward: { call in
            try Tensor.full(call.args[0].ints ?? [], 0, dtype: call.args[1].dtype ?? .float32)
                .creationResult(requiresGrad: call.args[2])
        })

    static let full = Op(
        "full", Signature(["full"], .function, [Param("size", .sizes), Param("fill_value", .number)] + creationKeywords),
        doc: "A tensor of `size` filled with `fill_value` (its dtype follows the value's type).",
        forward: { call in
            guard case .scalar(let value) = call.args[1] else { throw TorchError("full(): fill_value must be a number") }
            let dtype = call.args[2].dtype ?? DType.of(value)
            return try Tensor.full(call.args[0].ints ?? [], value.doubleValue, dtype: dtype)
                .creationResult(requiresGrad: call.args[3])
        })

    static let arange = Op(
        "arange", Signature(["arange"], .function, [
            Param("start", .number), Param("end", .number, default: .absent),
            Param("step", .number, default: .scalar(.int(1))),
        ] + creationKeywords),
        doc: "Values from `start` (default 0) up to but excluding `end`, spaced by `step`, as in PyTorch.",
        forward: { call in
            guard case .scalar(let first) = call.args[0] else { throw TorchError("arange(): start must be a number") }
            var start = Scalar.int(0), end = first
            if case .scalar(let e) = call.args[1] { start = first; end = e }
            let step: Scalar = if case .scalar(let s) = call.args[2] { s } else { .int(1) }
            let isFloat = [start, end, step].contains { if case .double = $0 { true } else { false } }
            let dtype = call.args[3].dtype ?? (isFloat ? .float32 : .int64)
            return try Tensor.arange(start: start.doubleValue, end: end.doubleValue, step: step.doubleValue, dtype: dtype)
                .creationResult(requiresGrad: call.args[4])
        })

    static let rand = Op(
        "rand", Signature(["rand"], .function, [Param("size", .sizes)] + creationKeywords).drawingRandomNumbers(),
        doc: "Uniform random numbers in [0, 1), the same stream as PyTorch's CPU generator.",
        forward: { call in
            try Tensor.random(call.args[0].ints ?? [], dtype: call.args[1].dtype ?? .float32, normal: false)
                .creationResult(requiresGrad: call.args[2])
        })

    static let randn = Op(
        "randn", Signature(["randn"], .function, [Param("size", .sizes)] + creationKeywords).drawingRandomNumbers(),
        doc: "Standard normal random numbers, the same stream as PyTorch's CPU generator.",
        forward: { call in
            try Tensor.random(call.args[0].ints ?? [], dtype: call.args[1].dtype ?? .float32, normal: true)
                .creationResult(requiresGrad: call.args[2])
        })
}

extension DType {
    /// The dtype PyTorch infers for a Python number.
    static func of(_ value: Scalar) -> DType {
        switch value {
        case .bool: .bool
        case .int: .int64
        case .double: .float32
        }
    }
}

extension Tensor {
    /// Applies a creation op's `requires_grad` keyword.
    func creationResult(requiresGrad flag: Arg) throws -> Tensor {
        if flag.bool == true { try setRequiresGrad(true) }
        return self
    }

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) throws -> Tensor {
        let t = try empty(shape, dtype: dtype)
        let n = t.numel
        switch dtype {
        case .float32: t.pointer(Float.self).update(repeating: Float(value), count: n)
        case .float64: t.pointer(Double.self).update(repeating: value, count: n)
        case .int64: t.pointer(Int64.self).update(repeating: Int64(clampingFloat: value), count: n)
        case .bool: t.pointer(Bool.self).update(repeating: value != 0, count: n)
        }
        return t
    }

    /// A tensor of `shape` filled with 0.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try full(shape, 0, dtype: dtype)
    }

    /// A tensor of `shape` filled with 1.
    public static func ones(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try full(shape, 1, dtype: dtype)
    }

    /// `torch.arange`: the size is ceil((end - start) / step), values start + i * step.
    public static func arange(start: Double, end: Double, step: Double, dtype: DType) throws -> Tensor {
        guard step != 0 else { throw TorchError("step must be nonzero") }
        guard start.isFinite, end.isFinite else {
            throw TorchError("unsupported range: \(start) -> \(end)")
        }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else {
            throw TorchError("upper bound and larger bound inconsistent with step sign")
        }
        let count = ((end - start) / step).rounded(.up)
        guard count < Double(Storage.maxBytes) else {
            throw TorchError("arange of \(count) elements is too large")
        }
        let n = Int(count)
        let t = try empty([n], dtype: dtype)
        for i in 0..<n { t.setElement(i, start + Double(i) * step) }
        return t
    }

    /// Random numbers from the thread's generator.
    static func random(_ shape: [Int], dtype: DType, normal: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("\"\(normal ? "normal_kernel_cpu" : "check_uniform_bounds")\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let t = try empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        if dtype == .float32 {
            let buffer = UnsafeMutableBufferPointer(start: t.pointer(Float.self), count: t.numel)
            if normal { try g.fillNormal(buffer, mean: 0, std: 1) } else { try g.fillUniform(buffer, from: 0, to: 1) }
        } else {
            let buffer = UnsafeMutableBufferPointer(start: t.pointer(Double.self), count: t.numel)
            if normal { try g.fillNormal(buffer, mean: 0, std: 1) } else { try g.fillUniform(buffer, from: 0, to: 1) }
        }
        return t
    }

    /// Sets `requires_grad` on a leaf, with PyTorch's checks.
    public func setRequiresGrad(_ flag: Bool) throws {
        if flag && !dtype.isFloatingPoint {
            throw TorchError("only Tensors of floating point dtype can require gradients")
        }
        if !flag && !isLeaf {
            throw TorchError("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        }
        requiresGrad = flag
    }
}
