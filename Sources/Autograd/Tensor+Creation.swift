/// Swift methods for the creation and random ops of `Ops+Creation2.swift` and `Ops+Random.swift`:
/// each is one call into the op table. Positions come back 0-based, as everywhere in Swift.
extension Tensor {
    // MARK: - Ranges and constants

    /// `steps` values evenly spaced from `start` to `end`, both included.
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32) throws -> Tensor {
        try Ops.linspace.apply([], [.scalar(.double(start)), .scalar(.double(end)), .int(steps), .dtype(dtype), .bool(false)])
    }
    /// The `n` × `m` identity matrix (square when `m` is nil).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) throws -> Tensor {
        try Ops.eye.apply([], [.int(n), m.map { .int($0) } ?? .absent, .dtype(dtype), .bool(false)])
    }
    public func zerosLike(dtype: DType? = nil) throws -> Tensor { try Ops.zerosLike.apply(self, Self.likeArgs(dtype)) }
    public func onesLike(dtype: DType? = nil) throws -> Tensor { try Ops.onesLike.apply(self, Self.likeArgs(dtype)) }
    public func emptyLike(dtype: DType? = nil) throws -> Tensor { try Ops.emptyLike.apply(self, Self.likeArgs(dtype)) }
    public func fullLike(_ value: Double, dtype: DType? = nil) throws -> Tensor {
        try Ops.fullLike.apply(self, [.scalar(.double(value))] + Self.likeArgs(dtype))
    }

    // MARK: - Random

    public func randLike(dtype: DType? = nil) throws -> Tensor { try Ops.randLike.apply(self, Self.likeArgs(dtype)) }
    public func randnLike(dtype: DType? = nil) throws -> Tensor { try Ops.randnLike.apply(self, Self.likeArgs(dtype)) }
    /// Random integers in [`low`, `high`) with this tensor's shape (and dtype).
    public func randintLike(low: Int64 = 0, high: Int64, dtype: DType? = nil) throws -> Tensor {
        try Ops.randintLike.apply(self, [.scalar(.int(low)), .scalar(.int(high))] + Self.likeArgs(dtype))
    }
    /// Random integers in [`low`, `high`) of `shape`.
    public static func randint(low: Int64 = 0, high: Int64, shape: [Int], dtype: DType = .int64) throws -> Tensor {
        try Ops.randint.apply(Tensor([high], shape: []), [.scalar(.int(low)), .ints(shape), .dtype(dtype), .bool(false)])
    }
    /// A random permutation of the 0-based positions 0..<n.
    public static func randperm(_ n: Int, dtype: DType = .int64) throws -> Tensor {
        try Ops.randperm.apply([], [.int(n), .dtype(dtype), .bool(false)])
    }
    /// Normal random numbers of `shape` with mean `mean` and standard deviation `std`.
    public static func normal(_ mean: Double, _ std: Double, _ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try Ops.normalNumbers.apply([], [.double(mean), .double(std), .ints(shape), .dtype(dtype), .bool(false)])
    }
    /// Normal random numbers with element-wise `mean` and `std` (broadcast together).
    public static func normal(mean: Tensor, std: Tensor) throws -> Tensor { try Ops.normalTensorTensor.apply(mean, std) }
    /// Normal random numbers with element-wise `mean` and one `std`.
    public static func normal(mean: Tensor, std: Double = 1) throws -> Tensor {
        try Ops.normalTensorNumber.apply(mean, [.double(std)])
    }
    /// Normal random numbers with one `mean` and element-wise `std`.
    public static func normal(mean: Double, std: Tensor) throws -> Tensor {
        try Ops.normalNumberTensor.apply(std, [.double(mean)])
    }
    /// `numSamples` 0-based category positions per row of this tensor of weights.
    public func multinomial(_ numSamples: Int, replacement: Bool = false) throws -> Tensor {
        try Ops.multinomial.apply(self, [.int(numSamples), .bool(replacement)])
    }
    /// 1 with probability `p` (each element of this tensor when `p` is nil), else 0.
    public func bernoulli(p: Double? = nil) throws -> Tensor {
        try Ops.bernoulli.apply(self, [p.map { .double($0) } ?? .absent])
    }

    private static func likeArgs(_ dtype: DType?) -> [Arg] { [dtype.map { .dtype($0) } ?? .absent, .bool(false)] }
}
