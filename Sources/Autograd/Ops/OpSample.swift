// The samples an op declares for the table-driven tests (`Op.samples`).

/// One set of inputs for checking an op: tensors are float64 leaves that require grad.
public struct OpSample: Sendable {
    public let inputs: [SampleInput]
    public let args: [Arg]

    public init(_ inputs: [SampleInput], _ args: [Arg] = []) {
        self.inputs = inputs
        self.args = args
    }
}

/// One input of an `OpSample`.
public enum SampleInput: Sendable {
    /// A float64 tensor of this shape that requires grad, with values from `domain`.
    case tensor([Int], SampleDomain = .real)
    /// A number operand (wrapped, not differentiated).
    case number(Double)
    /// A bool tensor of this shape (alternating true/false).
    case mask([Int])
    /// An int64 tensor of this shape with values in `0..<bound` (0-based positions).
    case indices([Int], bound: Int)
    /// A float64 tensor of this shape that does not require grad.
    case constant([Int])
}

/// Where sample values lie, so formulas are checked away from their singularities.
public enum SampleDomain: Sendable {
    case real
    case positive
    /// |x| >= 0.5, for functions singular or non-smooth at 0.
    case awayFromZero
    /// (-0.9, 0.9), for functions like asin.
    case unitInterval
    /// (0.05, 0.95), for probabilities (`binary_cross_entropy`).
    case probability
}
