/// Random creation and sampling ops. Every draw comes from the thread's generator
/// (`ThreadState.current.generator`) in PyTorch's order, so after `manual_seed(s)` the values
/// are bit for bit those of PyTorch's CPU generator after `torch.manual_seed(s)`.
///
/// None of them is differentiable here. PyTorch gives `normal` and `bernoulli` a grad_fn whose
/// gradient is zero (`NormalBackward1`...); LuaGrad's results simply do not require grad.
extension Ops {
    // MARK: - Uniform and normal

    static let rand = Op(
        "rand", Signature(["rand"], .function, [Param("size", .sizes)] + creationOptions).drawingRandomNumbers(),
        doc: "Uniform random numbers in [0, 1), the same stream as PyTorch's CPU generator.",
        forward: { call in
            try Tensor.random(call.ints("size"), dtype: call.dtype("dtype") ?? .float32, normal: false)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let randn = Op(
        "randn", Signature(["randn"], .function, [Param("size", .sizes)] + creationOptions).drawingRandomNumbers(),
        doc: "Standard normal random numbers, the same stream as PyTorch's CPU generator.",
        forward: { call in
            try Tensor.random(call.ints("size"), dtype: call.dtype("dtype") ?? .float32, normal: true)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    // MARK: - Shaped like another tensor

    static let randLike = Op(
        "rand_like", Signature(["rand_like"], .function, [.tensor()] + creationOptions),
        doc: "Uniform random numbers in [0, 1) with the shape (and dtype) of `input`.",
        forward: { call in
            let x = call.inputs[0]
            return try Tensor.random(x.shape, dtype: call.dtype("dtype") ?? x.dtype, normal: false)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let randnLike = Op(
        "randn_like", Signature(["randn_like"], .function, [.tensor()] + creationOptions),
        doc: "Standard normal random numbers with the shape (and dtype) of `input`.",
        forward: { call in
            let x = call.inputs[0]
            return try Tensor.random(x.shape, dtype: call.dtype("dtype") ?? x.dtype, normal: true)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    static let randintLike = Op(
        "randint_like", Signature(["randint_like"], .function, [
            .tensor(), Param("low", .number), Param("high", .number, default: .absent),
        ] + creationOptions),
        doc: "Random integers in [`low`, `high`) (`low` is 0 when only one bound is given) with the shape (and dtype) of `input`.",
        forward: { call in
            let x = call.inputs[0]
            var low = try integerBound(call.arg("low"), "randint_like", "low"), high = low
            if !call.isGiven("high") { low = 0 } else { high = try integerBound(call.arg("high"), "randint_like", "high") }
            return try Tensor.randomIntegers(low: low, high: high, shape: x.shape, dtype: call.dtype("dtype") ?? x.dtype)
                .creationResult(requiresGrad: call.bool("requires_grad"))
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
            // A given `high` arrives as an input, an absent one as an `.absent` argument, so the
            // arguments after `low` shift and are read by position rather than by name.
            let rest = Array(call.args.dropFirst(call.inputs.isEmpty ? 2 : 1))
            var low = try integerBound(call.arg("low"), "randint", "low"), high = low
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
                .creationResult(requiresGrad: rest[2].bool == true)
        })

    static let randperm = Op(
        "randperm", Signature(["randperm"], .function, [Param("n", .int)] + creationOptions)
            .returningPositions([0]).drawingRandomNumbers(),
        doc: "A random permutation of the positions 1..`n` (int64 unless `dtype` says otherwise).",
        forward: { call in
            try Tensor.permutation(call.int("n"), dtype: call.dtype("dtype") ?? .int64)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    // MARK: - Normal

    static let normalTensorTensor = Op(
        "normal", Signature(["normal"], .function, [Param("mean", .tensor), Param("std", .tensor)]),
        doc: "Normal random numbers with element-wise `mean` and `std` (tensors, broadcast together), or of `size` for numbers: `normal(mean, std, size)`.",
        forward: { call in try Tensor.normalSamples(mean: call.inputs[0], std: call.inputs[1]) })

    static let normalTensorNumber = Op(
        "normal", Signature(["normal"], .function, [Param("mean", .tensor), Param("std", .double, default: .double(1))]),
        doc: "Normal random numbers with element-wise `mean` and one `std`.",
        forward: { call in try Tensor.normalSamples(mean: call.inputs[0], std: call.double("std")) })

    static let normalNumberTensor = Op(
        "normal", Signature(["normal"], .function, [Param("mean", .double), Param("std", .tensor)]),
        doc: "Normal random numbers with one `mean` and element-wise `std`.",
        forward: { call in try Tensor.normalSamples(mean: call.double("mean"), std: call.inputs[0]) })

    static let normalNumbers = Op(
        "normal", Signature(["normal"], .function, [
            Param("mean", .double), Param("std", .double), Param("size", .sizes),
        ] + creationOptions),
        doc: "Normal random numbers of `size` with mean `mean` and standard deviation `std`.",
        forward: { call in
            try Tensor.normalSamples(mean: call.double("mean"), std: call.double("std"),
                                     shape: try call.ints("size"), dtype: call.dtype("dtype") ?? .float32)
                .creationResult(requiresGrad: call.bool("requires_grad"))
        })

    // MARK: - Sampling from probabilities

    static let multinomial = Op(
        "multinomial", Signature(["multinomial"], [
            .tensor(), Param("num_samples", .int), Param("replacement", .bool, default: .bool(false)),
        ]).returningPositions([0]).drawingRandomNumbers(),
        doc: "`num_samples` category positions (1-based) drawn from the weights in each row of `input` (1-D or 2-D), with or without replacement.",
        forward: { call in
            try call.inputs[0].multinomialKernel(numSamples: call.int("num_samples"), replacement: call.bool("replacement"))
        })

    static let bernoulli = Op(
        "bernoulli", Signature(["bernoulli"], [.tensor(), Param("p", .double, default: .absent)]).drawingRandomNumbers(),
        doc: "1 with probability `p` (or each element of `input` when `p` is nil), else 0, in the dtype of `input`.",
        forward: { call in try call.inputs[0].bernoulliKernel(p: call.optionalDouble("p")) })

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
