/// Running code written once, generically, for the element type of a dtype known only at run time.
///
/// Swift closures cannot be generic, so work that runs on "whatever elements this tensor holds"
/// is a small struct: what it needs as stored properties, the work in one generic
/// `callAsFunction`. `DType.dispatch` calls it with the dtype's Swift type (`Float` for
/// float32, `Double`, `Int64`, `Bool`) and, being inlined, lets the compiler specialize the
/// work for each as four hand-written cases would be:
///
/// ```swift
/// struct Fill: ElementDispatch {
///     let tensor: Tensor, value: Double
///     func callAsFunction<T: TensorElement>(_: T.Type) {
///         tensor.pointer(T.self).update(repeating: T(converting: value), count: tensor.numel)
///     }
/// }
/// tensor.dtype.dispatch(Fill(tensor: tensor, value: 1))
/// ```
///
/// Work that only makes sense for floating-point elements conforms to `FloatDispatch` instead.
public protocol ElementDispatch {
    /// What the work returns (`Void` for work done in place).
    associatedtype Result
    /// What the work throws: `Never`, the default, when it cannot fail.
    associatedtype Failure: Error = Never
    /// The work, for elements of type `T`.
    func callAsFunction<T: TensorElement>(_: T.Type) throws(Failure) -> Result
}

/// Work written once for float32 and float64 elements, run by `DType.dispatchFloat`
/// (see `ElementDispatch` for the pattern).
public protocol FloatDispatch {
    /// What the work returns (`Void` for work done in place).
    associatedtype Result
    /// The work, for elements of type `T`.
    func callAsFunction<T: FloatElement>(_: T.Type) throws -> Result
}

extension DType {
    /// Runs `work` for this dtype's element type.
    @inlinable @inline(__always)
    public func dispatch<Work: ElementDispatch>(_ work: Work) throws(Work.Failure) -> Work.Result {
        switch self {
        case .float32: try work(Float.self)
        case .float64: try work(Double.self)
        case .int64: try work(Int64.self)
        case .bool: try work(Bool.self)
        }
    }

    /// Runs `work` for this floating-point dtype's element type; for int64 and bool, throws
    /// PyTorch's error for an op without integer kernels: `"op" not implemented for 'Long'`.
    @inlinable @inline(__always)
    public func dispatchFloat<Work: FloatDispatch>(_ work: Work, op: String) throws -> Work.Result {
        switch self {
        case .float32: return try work(Float.self)
        case .float64: return try work(Double.self)
        case .int64, .bool: throw DType.notImplemented(op, for: self)
        }
    }

    /// PyTorch's error for an op with no kernel for `dtype`.
    @usableFromInline
    static func notImplemented(_ op: String, for dtype: DType) -> TorchError {
        TorchError("\"\(op)\" not implemented for '\(dtype.scalarTypeName)'")
    }
}
