/// Swift methods for the math family's ops: each is a one-line call into the op table.
/// Dims and positions are 0-based here (Lua scripts see them 1-based).
extension Tensor {
    // MARK: - Element-wise functions

    public func log1p() throws -> Tensor { try Ops.log1p.apply(self) }
    public func expm1() throws -> Tensor { try Ops.expm1.apply(self) }
    public func tan() throws -> Tensor { try Ops.tan.apply(self) }
    public func rsqrt() throws -> Tensor { try Ops.rsqrt.apply(self) }
    public func exp2() throws -> Tensor { try Ops.exp2.apply(self) }
    public func log2() throws -> Tensor { try Ops.log2.apply(self) }
    public func log10() throws -> Tensor { try Ops.log10.apply(self) }
    public func square() throws -> Tensor { try Ops.square.apply(self) }
    public func floor() throws -> Tensor { try Ops.floor.apply(self) }
    public func ceil() throws -> Tensor { try Ops.ceil.apply(self) }
    public func trunc() throws -> Tensor { try Ops.trunc.apply(self) }
    public func frac() throws -> Tensor { try Ops.frac.apply(self) }
    /// Rounds to the nearest integer (ties to even), or to `decimals` decimal places.
    public func round(decimals: Int? = nil) throws -> Tensor {
        try Ops.round.apply(self, [decimals.map { .int($0) } ?? .absent])
    }

    /// Limits every element to [min, max]; a bound may be nil, a tensor or a wrapped number
    /// (`Tensor.number(0)`). Number bounds record `ClampBackward1`, tensor bounds `ClampBackward0`.
    public func clamp(min low: Tensor? = nil, max high: Tensor? = nil) throws -> Tensor {
        let numbers = [low, high].allSatisfy { $0 == nil || $0?.isWrappedNumber == true }
        if numbers {
            let bounds = try [low, high].map { try $0.map { Arg.scalar(try $0.item()) } ?? .absent }
            return try Ops.clampNumbers.apply(self, bounds)
        }
        let placeholder = try Tensor.number(0)
        return try Ops.clampTensors.apply([self, low ?? placeholder, high ?? placeholder],
                                          [.bool(low != nil), .bool(high != nil)])
    }

    public func maximum(_ other: Tensor) throws -> Tensor { try Ops.maximum.apply(self, other) }
    public func minimum(_ other: Tensor) throws -> Tensor { try Ops.minimum.apply(self, other) }

    // MARK: - Logical ops and classification

    public func logicalOr(_ other: Tensor) throws -> Tensor { try Ops.logicalOr.apply(self, other) }
    public func logicalXor(_ other: Tensor) throws -> Tensor { try Ops.logicalXor.apply(self, other) }
    public func logicalNot() throws -> Tensor { try Ops.logicalNot.apply(self) }
    public func isnan() throws -> Tensor { try Ops.isnan.apply(self) }
    public func isinf() throws -> Tensor { try Ops.isinf.apply(self) }

    // MARK: - Reductions

    /// The product of all elements.
    public func prod() throws -> Tensor { try Ops.prod.apply(self, [.absent, .bool(false), .absent]) }
    /// The product along `dim`.
    public func prod(dim: Int, keepdim: Bool = false) throws -> Tensor {
        try Ops.prod.apply(self, [.int(dim), .bool(keepdim), .absent])
    }
    /// The variance over `dims` (all when nil), with `correction` (1: Bessel's).
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> Tensor {
        try Ops.variance.apply(self, [dims.map { .ints($0) } ?? .absent, .absent, .bool(keepdim), .double(correction)])
    }
    /// The standard deviation over `dims` (all when nil), with `correction` (1: Bessel's).
    public func std(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> Tensor {
        try Ops.std.apply(self, [dims.map { .ints($0) } ?? .absent, .absent, .bool(keepdim), .double(correction)])
    }
    // `max`/`min` would shadow Swift's global max and min in every Tensor extension, hence
    // these names.

    /// The largest element (`x:max()`).
    public func maxElement() throws -> Tensor { try Ops.maxOp.apply(self, [.absent, .bool(false)]) }
    /// The largest values along `dim` and their 0-based positions (`x:max(dim)`).
    public func maxAlong(_ dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Ops.maxOp.applyAll([self], [.int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }
    /// The smallest element (`x:min()`).
    public func minElement() throws -> Tensor { try Ops.minOp.apply(self, [.absent, .bool(false)]) }
    /// The smallest values along `dim` and their 0-based positions (`x:min(dim)`).
    public func minAlong(_ dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Ops.minOp.applyAll([self], [.int(dim), .bool(keepdim)])
        return (r[0], r[1])
    }
    /// The largest values over `dims` (all when nil).
    public func amax(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.amax.apply(self, [dims.map { .ints($0) } ?? .absent, .bool(keepdim)])
    }
    /// The smallest values over `dims` (all when nil).
    public func amin(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.amin.apply(self, [dims.map { .ints($0) } ?? .absent, .bool(keepdim)])
    }
    /// The 0-based position of the largest element (flattened when `dim` is nil).
    public func argmax(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.argmax.apply(self, [dim.map { .int($0) } ?? .absent, .bool(keepdim)])
    }
    /// The 0-based position of the smallest element (flattened when `dim` is nil).
    public func argmin(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.argmin.apply(self, [dim.map { .int($0) } ?? .absent, .bool(keepdim)])
    }
    public func logsumexp(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        try Ops.logsumexp.apply(self, [.ints(dims), .bool(keepdim)])
    }
    /// Whether every element is nonzero (over `dims`, or all when nil).
    public func all(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.all.apply(self, [dims.map { .ints($0) } ?? .absent, .bool(keepdim)])
    }
    /// Whether any element is nonzero (over `dims`, or all when nil).
    public func any(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.any.apply(self, [dims.map { .ints($0) } ?? .absent, .bool(keepdim)])
    }

    // MARK: - Scans and normalizations

    public func cumsum(_ dim: Int) throws -> Tensor { try Ops.cumsum.apply(self, [.int(dim), .absent]) }
    public func cumprod(_ dim: Int) throws -> Tensor { try Ops.cumprod.apply(self, [.int(dim), .absent]) }
    public func softmax(_ dim: Int) throws -> Tensor { try Ops.softmax.apply(self, [.int(dim), .absent]) }
    public func logSoftmax(_ dim: Int) throws -> Tensor { try Ops.logSoftmax.apply(self, [.int(dim), .absent]) }

    // MARK: - Sorting

    /// The values sorted along `dim` and their 0-based positions.
    public func sort(dim: Int = -1, descending: Bool = false, stable: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let r = try Ops.sort.applyAll([self], [.int(dim), .bool(descending), .bool(stable)])
        return (r[0], r[1])
    }
    /// The `k` largest (or smallest) values along `dim` and their 0-based positions.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        let r = try Ops.topk.applyAll([self], [.int(k), .int(dim), .bool(largest), .bool(sorted)])
        return (r[0], r[1])
    }

    // MARK: - Linear algebra

    public func outer(_ other: Tensor) throws -> Tensor { try Ops.outer.apply(self, other) }
    public func bmm(_ other: Tensor) throws -> Tensor { try Ops.bmm.apply(self, other) }
}
