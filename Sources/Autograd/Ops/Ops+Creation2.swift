/// More creation ops: evenly spaced values, identity matrices, and tensors shaped like another.
///
/// The random creation ops live in `Ops+Random.swift`; both families are listed in
/// `OpTable.creationOps` below.
extension Ops {
    /// `{dtype=, requires_grad=}`, the keywords every creation op takes.
    static let creationOptions: [Param] = [
        .keyword("dtype", .dtype, .absent), .keyword("requires_grad", .bool, .bool(false)),
    ]

    static let linspace = Op(
        "linspace", Signature(["linspace"], .function, [
            Param("start", .number), Param("end", .number), Param("steps", .int),
        ] + creationOptions),
        doc: "`steps` values evenly spaced from `start` to `end`, both included (float32 unless `dtype` says otherwise).",
        forward: { call in
            guard case .scalar(let start) = call.args[0], case .scalar(let end) = call.args[1] else {
                throw TorchError("linspace(): start and end must be numbers")
            }
            let dtype = call.args[3].dtype ?? .float32
            return try Tensor.linspaceKernel(start: start, end: end, steps: call.args[2].int ?? 0, dtype: dtype)
                .factoryResult(requiresGrad: call.args[4])
        })

    static let eye = Op(
        "eye", Signature(["eye"], .function, [Param("n", .int), Param("m", .int, default: .absent)] + creationOptions),
        doc: "An `n` × `m` matrix (square when `m` is nil) with ones on the diagonal and zeros elsewhere.",
        forward: { call in
            let n = call.args[0].int ?? 0
            return try Tensor.identity(n, call.args[1].int ?? n, dtype: call.args[2].dtype ?? .float32)
                .factoryResult(requiresGrad: call.args[3])
        })

    // MARK: - Shaped like another tensor

    /// `zeros_like(input, {dtype=, requires_grad=})` and its siblings: the input's shape and,
    /// unless `dtype` is given, its dtype.
    private static func like(_ name: String, doc: String, value: Double) -> Op {
        Op(name, Signature([name], .function, [.tensor()] + creationOptions), doc: doc, forward: { call in
            let x = call.inputs[0]
            return try Tensor.full(x.shape, value, dtype: call.args[0].dtype ?? x.dtype)
                .factoryResult(requiresGrad: call.args[1])
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
            guard case .scalar(let value) = call.args[0] else { throw TorchError("full_like(): fill_value must be a number") }
            let x = call.inputs[0]
            return try Tensor.full(x.shape, value.doubleValue, dtype: call.args[1].dtype ?? x.dtype)
                .factoryResult(requiresGrad: call.args[2])
        })
}

extension OpTable {
    /// The ops of `Ops+Creation2.swift` and `Ops+Random.swift`, in the order the docs list them.
    static let creationOps: [Op] = [
        Ops.linspace, Ops.eye, Ops.zerosLike, Ops.onesLike, Ops.fullLike, Ops.emptyLike,
        Ops.randLike, Ops.randnLike, Ops.randintLike, Ops.randint, Ops.normalTensorTensor,
        Ops.normalTensorNumber, Ops.normalNumberTensor, Ops.normalNumbers, Ops.randperm,
        Ops.multinomial, Ops.bernoulli,
    ]
}

// MARK: - Kernels

extension Tensor {
    /// Applies a factory's `requires_grad` keyword, refusing it for integer and bool results
    /// with the wording PyTorch's factories use.
    func factoryResult(requiresGrad flag: Arg) throws -> Tensor {
        if flag.bool == true && !dtype.isFloatingPoint {
            throw TorchError("Only Tensors of floating point and complex dtype can require gradients")
        }
        return try creationResult(requiresGrad: flag)
    }

    /// `torch.linspace(start, end, steps)`, value for value as PyTorch's CPU kernel computes it.
    ///
    /// `linspace_kernel` (native/cpu/RangeFactoriesKernel.cpp) fills the first half forward
    /// from `start` and the second half backward from `end`, so both ends are exact:
    /// `start + step·i` for `i < steps/2`, else `end − step·(steps − 1 − i)`, with
    /// `step = (end − start) / (steps − 1)` in the output's float type (in double for int64,
    /// whose results are truncated). PyTorch's compiler fuses each multiply–add into one FMA,
    /// so the Swift code fuses them too (`addingProduct`); unfused, most results differ in
    /// the last bit.
    static func linspaceKernel(start: Scalar, end: Scalar, steps: Int, dtype: DType) throws -> Tensor {
        guard steps >= 0 else { throw TorchError("number of steps must be non-negative") }
        let out = try empty([steps], dtype: dtype)
        guard steps > 0 else { return out }
        switch dtype {
        case .float32:
            fillLinspace(out.pointer(Float.self), steps, start.floatValue, end.floatValue)
        case .float64:
            fillLinspace(out.pointer(Double.self), steps, start.doubleValue, end.doubleValue)
        case .int64:
            // `scalar.to<int64_t>()` truncates; the step and each value are computed in double.
            let values = UnsafeMutablePointer<Double>.allocate(capacity: steps)
            defer { values.deallocate() }
            fillLinspace(values, steps, Double(start.int64Value), Double(end.int64Value))
            let p = out.pointer(Int64.self)
            for i in 0..<steps { p[i] = values[i].truncatedToInt64LikeX86 }
        case .bool:
            throw TorchError("\"linspace_cpu\" not implemented for 'Bool'")
        }
        return out
    }

    private static func fillLinspace<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>, _ steps: Int,
                                                            _ start: T, _ end: T) {
        // linspace_out special-cases one step: the kernel would compute 0 · inf.
        guard steps > 1 else { p[0] = start; return }
        let step = (end - start) / T(steps - 1)
        let halfway = steps / 2
        for i in 0..<halfway { p[i] = start.addingProduct(step, T(i)) }
        for i in halfway..<steps { p[i] = end.addingProduct(-step, T(steps - 1 - i)) }
    }

    /// `torch.eye(n, m)`: ones where the row equals the column.
    static func identity(_ n: Int, _ m: Int, dtype: DType) throws -> Tensor {
        guard n >= 0 else { throw TorchError("n must be greater or equal to 0, got \(n)") }
        guard m >= 0 else { throw TorchError("m must be greater or equal to 0, got \(m)") }
        let out = try full([n, m], 0, dtype: dtype)
        for i in 0..<min(n, m) { out.setElement(i * m + i, 1) }
        return out
    }
}

extension Scalar {
    /// The value as C++'s `Scalar::to<float>()` reads it (an integer rounds once).
    fileprivate var floatValue: Float {
        switch self {
        case .int(let i): Float(i)
        case .bool(let b): b ? 1 : 0
        case .double(let d): Float(d)
        }
    }

    /// The value as C++'s `Scalar::to<int64_t>()` reads it: floats are truncated.
    fileprivate var int64Value: Int64 {
        switch self {
        case .int(let i): i
        case .bool(let b): b ? 1 : 0
        case .double(let d): Int64(clampingFloat: d)
        }
    }
}
