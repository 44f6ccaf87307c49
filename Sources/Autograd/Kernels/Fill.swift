/// Creation kernels: tensors filled with a constant, ranges and identity matrices.
extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) throws -> Tensor {
        let t = try empty(shape, dtype: dtype)
        dtype.dispatch(Fill(tensor: t, value: value))
        return t
    }

    /// Every element of a fresh contiguous tensor set to `value`, converted as PyTorch casts.
    private struct Fill: ElementDispatch {
        let tensor: Tensor, value: Double
        func callAsFunction<T: TensorElement>(_: T.Type) {
            tensor.pointer(T.self).update(repeating: T(converting: value), count: tensor.numel)
        }
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
