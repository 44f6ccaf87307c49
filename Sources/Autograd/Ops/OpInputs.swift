/// The tensor operands of one op invocation, the first two held inline: nearly every op has
/// one or two, and an array per call was a heap allocation on the per-op path (forward ops
/// and every op a backward formula runs).
public struct OpInputs: RandomAccessCollection {
    private var first: Tensor?
    private var second: Tensor?
    private var rest: [Tensor] = []
    public private(set) var count: Int

    public init(_ a: Tensor) {
        first = a
        count = 1
    }

    public init(_ a: Tensor, _ b: Tensor) {
        first = a
        second = b
        count = 2
    }

    public init(_ tensors: [Tensor]) {
        count = tensors.count
        if count > 0 { first = tensors[0] }
        if count > 1 { second = tensors[1] }
        if count > 2 { rest = Array(tensors[2...]) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> Tensor {
        precondition(i >= 0 && i < count, "input index out of range")
        switch i {
        case 0: return first.unsafelyUnwrapped
        case 1: return second.unsafelyUnwrapped
        default: return rest[i - 2]
        }
    }

    /// `body` applied to the first two operands, lent in place: the subscript returns an
    /// operand retained, a retain and a release per read, and binary forward kernels read two.
    @inline(__always)
    func withPair<R>(_ body: (Tensor, Tensor) throws -> R) rethrows -> R {
        guard let first, let second else { preconditionFailure("input index out of range") }
        return try body(first, second)
    }

    /// `body` applied to operand `i`, lent in place (see `withPair`).
    @inline(__always)
    func withOperand<R>(_ i: Int, _ body: (Tensor) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < count, "input index out of range")
        if i == 0, let first { return try body(first) }
        if i == 1, let second { return try body(second) }
        return try body(rest[i - 2])
    }

    // MARK: Reading one field in place
    // Recording a node reads every operand a few times; through the subscript, which returns
    // the operand retained, each read was a retain and a release (eight per recorded op).

    /// Whether operand `i` requires grad.
    func requiresGrad(_ i: Int) -> Bool {
        switch i {
        case 0: return first?.requiresGrad ?? false
        case 1: return second?.requiresGrad ?? false
        default: return rest[i - 2].requiresGrad
        }
    }

    /// The depth of the node that made operand `i` (`Node.depth`), -1 for a leaf.
    func historyDepth(_ i: Int) -> Int {
        withOperand(i) { $0.gradFn?.depth ?? -1 }
    }

    /// The edge of operand `i` (`Tensor.edgeOrNone`).
    func edge(_ i: Int) -> Edge {
        switch i {
        case 0: return (first?.edgeOrNone)!
        case 1: return (second?.edgeOrNone)!
        default: return rest[i - 2].edgeOrNone
        }
    }

    /// The operands after the first (an in-place op's others), built directly:
    /// `Array(dropFirst())` went through the standard library's generic copy of a slice, about
    /// 650 instructions per `x:sub_(y)`.
    var allButFirst: [Tensor] {
        switch count {
        case 0, 1: return []
        case 2: return [second.unsafelyUnwrapped]
        default: return [second.unsafelyUnwrapped] + rest
        }
    }

    /// Whether any operand requires grad (read in place: no operand is retained).
    var anyRequiresGrad: Bool {
        if let first, first.requiresGrad { return true }
        if let second, second.requiresGrad { return true }
        return count > 2 && rest.contains { $0.requiresGrad }
    }
}
