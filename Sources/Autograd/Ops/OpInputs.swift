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
    ///
    /// Lent unretained: bound with `guard let`, each operand was still retained for `body` and
    /// released after (two pairs per `a + b`). The call holds both while `body` runs, and
    /// `body` cannot reach the call to change them.
    @inline(__always)
    func withPair<R>(_ body: (Tensor, Tensor) throws -> R) rethrows -> R {
        guard first != nil, second != nil else { preconditionFailure("input index out of range") }
        let a = Unmanaged.passUnretained(first.unsafelyUnwrapped)
        let b = Unmanaged.passUnretained(second.unsafelyUnwrapped)
        return try a._withUnsafeGuaranteedRef { a in try b._withUnsafeGuaranteedRef { b in try body(a, b) } }
    }

    /// `body` applied to operand `i`, lent in place and unretained (see `withPair`).
    @inline(__always)
    func withOperand<R>(_ i: Int, _ body: (Tensor) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < count, "input index out of range")
        let operand: Unmanaged<Tensor>
        switch i {
        case 0: operand = Unmanaged.passUnretained(first.unsafelyUnwrapped)
        case 1: operand = Unmanaged.passUnretained(second.unsafelyUnwrapped)
        default: return try body(rest[i - 2])
        }
        return try operand._withUnsafeGuaranteedRef(body)
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

    /// The edge of operand `i` (`Tensor.edgeOrNone`); `deepest` grows to the depth of the node
    /// that made the operand (`Node.depth`).
    ///
    /// One read for both: the depth read on its own took the operand's `gradFn` again, a
    /// retain and a release per operand with a history (five per scalar-chain step). Inlined:
    /// out of line it cost more than the retain it saves.
    @inline(__always)
    func edge(_ i: Int, deepest: inout Int) -> Edge {
        switch i {
        case 0: return (first?.edgeOrNone(deepest: &deepest))!
        case 1: return (second?.edgeOrNone(deepest: &deepest))!
        default: return rest[i - 2].edgeOrNone(deepest: &deepest)
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
