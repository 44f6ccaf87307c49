/// The gradients a node's backward computes for its inputs, in input order (nil for an input
/// that gets none), the first two held inline.
///
/// Most ops have one or two inputs: a `[Tensor?]` per node per backward pass was a heap
/// allocation and its release on the per-op path. Formulas still write an array literal
/// (`[ctx.grad, nil]`); the literal's initializer is inlined, so the compiler keeps the
/// temporary array on the stack, and the gradients are moved out of it (copied, each was
/// retained once more and released with the array).
public struct InputGrads: RandomAccessCollection, ExpressibleByArrayLiteral {
    private var first: Tensor?
    private var second: Tensor?
    /// Gradients past the second; nil for the usual one or two inputs.
    private var rest: [Tensor?]?
    public private(set) var count = 0

    /// No gradients.
    public init() {}

    @inline(__always)
    public init(arrayLiteral elements: Tensor?...) {
        self.init(elements)
    }

    /// The gradients in `elements`, in order.
    @inline(__always)
    public init(_ elements: consuming [Tensor?]) {
        count = elements.count
        // `[]` is the shared empty array: asking for its buffer to write would copy it.
        guard count > 0 else { return }
        // Moved out, leaving nils: no retain here and no release when the array goes. One by
        // one past the second, since a slice would share (and so keep on the heap) the literal's
        // buffer.
        elements.withUnsafeMutableBufferPointer { p in
            if p.count > 0 { first = p[0].take() }
            if p.count > 1 { second = p[1].take() }
            if p.count > 2 {
                var more: [Tensor?] = []
                more.reserveCapacity(p.count - 2)
                for k in 2..<p.count { more.append(p[k].take()) }
                rest = more
            }
        }
    }

    /// The gradient of an op's one input, written without a literal.
    ///
    /// The hot formulas (`mul`, `add`, `sin`, `sum`) use this and `init(_:_:)`: a literal's
    /// temporary array, even kept on the stack, is destroyed through the runtime's generic
    /// array teardown after its gradients are moved out, some 250 instructions per node per
    /// pass (a tenth of a scalar chain's backward).
    @inline(__always)
    public init(one grad: Tensor?) {
        first = grad
        count = 1
    }

    /// The gradients of an op's two inputs, written without a literal (see `init(one:)`).
    @inline(__always)
    public init(_ grad0: Tensor?, _ grad1: Tensor?) {
        first = grad0
        second = grad1
        count = 2
    }

    /// Adds the gradient of the next input.
    mutating func append(_ grad: Tensor?) {
        switch count {
        case 0: first = grad
        case 1: second = grad
        default:
            if rest != nil { rest?.append(grad) } else { rest = [grad] }
        }
        count += 1
    }

    /// Moves the gradient of input `i` out, leaving nil (the engine passes each on once).
    mutating func take(_ i: Int) -> Tensor? {
        switch i {
        case 0: return first.take()
        case 1: return second.take()
        default: return rest?[i - 2].take()
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// The gradient of input `i` (nil when it gets none).
    public subscript(i: Int) -> Tensor? {
        get {
            precondition(i >= 0 && i < count, "input gradient index out of range")
            switch i {
            case 0: return first
            case 1: return second
            default: return rest.unsafelyUnwrapped[i - 2]
            }
        }
        set {
            precondition(i >= 0 && i < count, "input gradient index out of range")
            switch i {
            case 0: first = newValue
            case 1: second = newValue
            default: rest?[i - 2] = newValue
            }
        }
    }
}
