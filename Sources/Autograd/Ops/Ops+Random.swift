/// Random creation and sampling ops. Every draw comes from the thread's generator
/// (`ThreadState.current.generator`) in PyTorch's order, so after `manual_seed(s)` the values
/// are bit for bit those of PyTorch's CPU generator after `torch.manual_seed(s)`.
///
/// None of them is differentiable here. PyTorch gives `normal` and `bernoulli` a grad_fn whose
/// gradient is zero (`NormalBackward1`...); LuaGrad's results simply do not require grad.
extension Ops {
    // MARK: - Shaped like another tensor

    static let randLike = Op(
        "rand_like", Signature(["rand_like"], .function, [.tensor()] + creationOptions),
        doc: "Uniform random numbers in [0, 1) with the shape (and dtype) of `input`.",
        forward: { call in
            let x = call.inputs[0]
            return try Tensor.random(x.shape, dtype: call.args[0].dtype ?? x.dtype, normal: false)
                .factoryResult(requiresGrad: call.args[1])
        })

    static let randnLike = Op(
        "randn_like", Signature(["randn_like"], .function, [.tensor()] + creationOptions),
        doc: "Standard normal random numbers with the shape (and dtype) of `input`.",
        forward: { call in
            let x = call.inputs[0]
            return try Tensor.random(x.shape, dtype: call.args[0].dtype ?? x.dtype, normal: true)
                .factoryResult(requiresGrad: call.args[1])
        })

    static let randintLike = Op(
        "randint_like", Signature(["randint_like"], .function, [
            .tensor(), Param("low", .number), Param("high", .number, default: .absent),
        ] + creationOptions),
        doc: "Random integers in [`low`, `high`) (`low` is 0 when only one bound is given) with the shape (and dtype) of `input`.",
        forward: { call in
            let x = call.inputs[0]
            var low = try integerBound(call.args[0], "randint_like", "low"), high = low
            if call.args[1].isAbsent { low = 0 } else { high = try integerBound(call.args[1], "randint_like", "high") }
            return try Tensor.randomIntegers(low: low, high: high, shape: x.shape, dtype: call.args[2].dtype ?? x.dtype)
                .factoryResult(requiresGrad: call.args[3])
        })

    // MARK: - Integers and permutations

    /// `randint(low, high, size)` and `randint(high, size)`. The second parameter takes a
    /// number (`high`) or a table (the size, when `low` was in fact `high`), so it is declared
    /// as data: the binder hands it over as an int64 tensor, 0-d for a number.
    static let randint = Op(
        "randint", Signature(["randint"], .function, [
            Param("low", .number), Param("high", .data, default: .absent), Param("size", .sizes),
        ] + creationOptions).drawingRandomNumbers(),
        doc: "Random integers in [`low`, `high`) of `size`: `randint(low, high, size)` or `randint(high, size)` (int64 unless `dtype` says otherwise).",
        forward: { call in
            // A given `high` arrives as an input, an absent one as an `.absent` argument.
            let rest = Array(call.args.dropFirst(call.inputs.isEmpty ? 2 : 1))
            var low = try integerBound(call.args[0], "randint", "low"), high = low
            var size = rest[0].ints ?? []
            switch call.inputs.first {
            case let second? where second.ndim == 0:
                guard !second.dtype.isFloatingPoint || second.element(0).rounded(.towardZero) == second.element(0) else {
                    throw TorchError("randint(): high must be an integer, got \(second.element(0))")
                }
                high = second.integerElement(0)
            case let second? where second.ndim == 1 && (size.isEmpty || second.numel == 0):
                // randint(high, {sizes}): the table was the size.
                if second.numel > 0 { size = (0..<second.numel).map { Int(clamping: second.integerElement($0)) } }
                low = 0
            case nil:
                throw TorchError("randint(): missing required argument 'size'")
            default:
                throw TorchError("randint(): high must be an integer and size a table of integers")
            }
            return try Tensor.randomIntegers(low: low, high: high, shape: size, dtype: rest[1].dtype ?? .int64)
                .factoryResult(requiresGrad: rest[2])
        })

    static let randperm = Op(
        "randperm", Signature(["randperm"], .function, [Param("n", .int)] + creationOptions)
            .returningPositions([0]).drawingRandomNumbers(),
        doc: "A random permutation of the positions 1..`n` (int64 unless `dtype` says otherwise).",
        forward: { call in
            try Tensor.permutation(call.args[0].int ?? 0, dtype: call.args[1].dtype ?? .int64)
                .factoryResult(requiresGrad: call.args[2])
        })

    // MARK: - Normal

    static let normalTensorTensor = Op(
        "normal", Signature(["normal"], .function, [Param("mean", .tensor), Param("std", .tensor)]),
        doc: "Normal random numbers with element-wise `mean` and `std` (tensors, broadcast together), or of `size` for numbers: `normal(mean, std, size)`.",
        forward: { call in try Tensor.normalSamples(mean: call.inputs[0], std: call.inputs[1]) })

    static let normalTensorNumber = Op(
        "normal", Signature(["normal"], .function, [Param("mean", .tensor), Param("std", .double, default: .double(1))]),
        doc: "Normal random numbers with element-wise `mean` and one `std`.",
        forward: { call in try Tensor.normalSamples(mean: call.inputs[0], std: call.args[0].double ?? 1) })

    static let normalNumberTensor = Op(
        "normal", Signature(["normal"], .function, [Param("mean", .double), Param("std", .tensor)]),
        doc: "Normal random numbers with one `mean` and element-wise `std`.",
        forward: { call in try Tensor.normalSamples(mean: call.args[0].double ?? 0, std: call.inputs[0]) })

    static let normalNumbers = Op(
        "normal", Signature(["normal"], .function, [
            Param("mean", .double), Param("std", .double), Param("size", .sizes),
        ] + creationOptions),
        doc: "Normal random numbers of `size` with mean `mean` and standard deviation `std`.",
        forward: { call in
            try Tensor.normalSamples(mean: call.args[0].double ?? 0, std: call.args[1].double ?? 1,
                                     shape: call.args[2].ints ?? [], dtype: call.args[3].dtype ?? .float32)
                .factoryResult(requiresGrad: call.args[4])
        })

    // MARK: - Sampling from probabilities

    static let multinomial = Op(
        "multinomial", Signature(["multinomial"], [
            .tensor(), Param("num_samples", .int), Param("replacement", .bool, default: .bool(false)),
        ]).returningPositions([0]).drawingRandomNumbers(),
        doc: "`num_samples` category positions (1-based) drawn from the weights in each row of `input` (1-D or 2-D), with or without replacement.",
        forward: { call in
            try call.inputs[0].multinomialKernel(numSamples: call.args[0].int ?? 0, replacement: call.args[1].bool ?? false)
        })

    static let bernoulli = Op(
        "bernoulli", Signature(["bernoulli"], [.tensor(), Param("p", .double, default: .absent)]).drawingRandomNumbers(),
        doc: "1 with probability `p` (or each element of `input` when `p` is nil), else 0, in the dtype of `input`.",
        forward: { call in try call.inputs[0].bernoulliKernel(p: call.args[0].double) })

    /// A bound of `randint` that must be an integer (a float with an integral value counts).
    private static func integerBound(_ arg: Arg, _ function: String, _ name: String) throws -> Int64 {
        guard case .scalar(let s) = arg else { throw TorchError("\(function)(): \(name) must be an integer") }
        switch s {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .double(let d):
            guard d.rounded(.towardZero) == d, d.magnitude < 0x1p63 else {
                throw TorchError("\(function)(): \(name) must be an integer, got \(d)")
            }
            return Int64(d)
        }
    }
}

// MARK: - Kernels

extension Tensor {
    /// `torch.randint(low, high, size)` in int64, float32 or float64.
    static func randomIntegers(low: Int64, high: Int64, shape: [Int], dtype: DType) throws -> Tensor {
        let out = try empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        let n = out.numel
        switch dtype {
        case .int64: try g.fillRandint(UnsafeMutableBufferPointer(start: out.pointer(Int64.self), count: n), low: low, high: high)
        case .float32: try g.fillRandint(UnsafeMutableBufferPointer(start: out.pointer(Float.self), count: n), low: low, high: high)
        case .float64: try g.fillRandint(UnsafeMutableBufferPointer(start: out.pointer(Double.self), count: n), low: low, high: high)
        case .bool: throw TorchError("randint(): dtype torch.bool is not supported")
        }
        return out
    }

    /// `torch.randperm(n)`: the 0-based positions 0..<n in random order (Lua shows them 1-based).
    static func permutation(_ n: Int, dtype: DType) throws -> Tensor {
        guard n >= 0 else { throw TorchError("Trying to create tensor with negative dimension \(n): [\(n)]") }
        guard dtype != .bool else { throw TorchError("\"randperm\" not implemented for 'Bool'") }
        let positions = try empty([n], dtype: .int64)
        ThreadState.current.generator.fillRandperm(UnsafeMutableBufferPointer(start: positions.pointer(Int64.self), count: n))
        guard dtype != .int64 else { return positions }
        return try positions.materialized(dtype: dtype)
    }

    /// `torch.normal(mean, std, size)`: `normal_(mean, std)` on a new tensor.
    static func normalSamples(mean: Double, std: Double, shape: [Int], dtype: DType) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("\"normal_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let out = try empty(shape, dtype: dtype)
        try out.fillNormal(mean: mean, std: std)
        return out
    }

    /// `torch.normal(mean, std)` with tensors: PyTorch draws standard normals of the
    /// broadcast shape, then multiplies by `std` and adds `mean` (two roundings, no FMA).
    static func normalSamples(mean: Tensor, std: Tensor) throws -> Tensor {
        let dtype = try normalDtype(mean.dtype, std.dtype)
        let shape = try Shapes.broadcast(mean.shape, std.shape)
        try checkStdTensor(std)
        let z = try empty(shape, dtype: dtype)
        try z.fillNormal(mean: 0, std: 1)
        return try withNoGrad { try z.mul(std.detach()).add(mean.detach()) }
    }

    /// `torch.normal(mean, std)` with a tensor mean: `normal_(0, std)`, then `+ mean`.
    static func normalSamples(mean: Tensor, std: Double) throws -> Tensor {
        let dtype = try normalDtype(mean.dtype, mean.dtype)
        guard std >= 0 else { throw TorchError("normal expects std >= 0.0, but found std \(cppFormat(std))") }
        let z = try empty(mean.shape, dtype: dtype)
        try z.fillNormal(mean: 0, std: std)
        return try withNoGrad { try z.add(mean.detach()) }
    }

    /// `torch.normal(mean, std)` with a tensor std: standard normals, `· std`, then `+ mean`.
    static func normalSamples(mean: Double, std: Tensor) throws -> Tensor {
        let dtype = try normalDtype(std.dtype, std.dtype)
        try checkStdTensor(std)
        let z = try empty(std.shape, dtype: dtype)
        try z.fillNormal(mean: 0, std: 1)
        return try withNoGrad { try z.mul(std.detach()).add(Tensor.number(mean)) }
    }

    private static func normalDtype(_ a: DType, _ b: DType) throws -> DType {
        let dtype = DType.promote(a, b)
        guard dtype.isFloatingPoint else {
            throw TorchError("\"normal_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
        return dtype
    }

    private static func checkStdTensor(_ std: Tensor) throws {
        for i in 0..<std.numel where !(std.element(i) >= 0) {
            throw TorchError("normal expects all elements of std >= 0.0")
        }
    }

    /// `normal_(mean, std)` on this new contiguous float tensor.
    fileprivate func fillNormal(mean: Double, std: Double) throws {
        let g = ThreadState.current.generator
        if dtype == .float32 {
            try g.fillNormal(UnsafeMutableBufferPointer(start: pointer(Float.self), count: numel), mean: mean, std: std)
        } else {
            try g.fillNormal(UnsafeMutableBufferPointer(start: pointer(Double.self), count: numel), mean: mean, std: std)
        }
    }

    /// `torch.multinomial(self, numSamples, replacement)`: 0-based category positions.
    func multinomialKernel(numSamples: Int, replacement: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("multinomial only supports floating-point dtypes for input, got: \(dtype.scalarTypeName)")
        }
        guard ndim == 1 || ndim == 2 else { throw TorchError("prob_dist must be 1 or 2 dim") }
        let categories = shape[ndim - 1], rows = ndim == 2 ? shape[0] : 1
        let p = try detach().contiguous()
        let g = ThreadState.current.generator
        let samples = if dtype == .float32 {
            try g.multinomial(UnsafeBufferPointer(start: p.pointer(Float.self), count: p.numel),
                              rows: rows, categories: categories, numSamples: numSamples, replacement: replacement)
        } else {
            try g.multinomial(UnsafeBufferPointer(start: p.pointer(Double.self), count: p.numel),
                              rows: rows, categories: categories, numSamples: numSamples, replacement: replacement)
        }
        return try Tensor(samples, shape: ndim == 2 ? [rows, numSamples] : [numSamples])
    }

    /// `torch.bernoulli(self)` (each element is a probability) or `torch.bernoulli(self, p)`.
    func bernoulliKernel(p: Double?) throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        func fill<T: BernoulliOutcome & TensorElement>(_: T.Type) throws {
            let buffer = UnsafeMutableBufferPointer(start: out.pointer(T.self), count: out.numel)
            if let p { return try g.fillBernoulli(buffer, p: p) }
            let probabilities = try detach().contiguous()
            switch dtype {
            case .float32:
                try g.fillBernoulli(buffer, probabilities: UnsafeBufferPointer(start: probabilities.pointer(Float.self), count: numel))
            case .float64:
                try g.fillBernoulli(buffer, probabilities: UnsafeBufferPointer(start: probabilities.pointer(Double.self), count: numel))
            case .int64, .bool:
                throw TorchError("\"bernoulli_tensor_cpu_p_\" not implemented for '\(dtype.scalarTypeName)'")
            }
        }
        switch dtype {
        case .float32: try fill(Float.self)
        case .float64: try fill(Double.self)
        case .int64: try fill(Int64.self)
        case .bool: try fill(Bool.self)
        }
        return out
    }
}
