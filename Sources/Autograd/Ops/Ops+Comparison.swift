/// Comparisons and logical ops; none is differentiable.
extension Ops {
    private static func comparison(_ name: String, _ doc: String, metamethods: [String] = [],
                                   _ f: @escaping @Sendable (Tensor, Tensor) throws -> Tensor) -> Op {
        Op(name, Signature([name], [.tensor(), .operand()], metamethods: metamethods, returns: "BoolTensor"),
           doc: doc, forward: { call in try f(call.inputs[0], call.inputs[1]) })
    }

    static let eq = comparison("eq", "Element-wise `input == other`, as a bool tensor.") {
        try Tensor.comparison($0, $1, EqualKernel())
    }
    static let ne = comparison("ne", "Element-wise `input ~= other`, as a bool tensor.") {
        try Tensor.comparison($0, $1, NotEqualKernel())
    }
    static let lt = comparison("lt", "Element-wise `input < other`, as a bool tensor.") {
        try Tensor.comparison($0, $1, LessKernel())
    }
    static let le = comparison("le", "Element-wise `input <= other`, as a bool tensor.") {
        try Tensor.comparison($0, $1, LessOrEqualKernel())
    }
    static let gt = comparison("gt", "Element-wise `input > other`, as a bool tensor.") {
        try Tensor.comparison($0, $1, GreaterKernel())
    }
    static let ge = comparison("ge", "Element-wise `input >= other`, as a bool tensor.") {
        try Tensor.comparison($0, $1, GreaterOrEqualKernel())
    }

    struct EqualKernel: ComparisonKernel { func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b } }
    struct NotEqualKernel: ComparisonKernel { func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a != b } }
    struct LessKernel: ComparisonKernel { func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b } }
    struct LessOrEqualKernel: ComparisonKernel { func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b } }
    struct GreaterKernel: ComparisonKernel { func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b } }
    struct GreaterOrEqualKernel: ComparisonKernel { func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b } }

    static let logicalAnd = Op(
        "logical_and", Signature(["logical_and"], [.tensor(), .operand()], returns: "BoolTensor"),
        doc: "Element-wise logical AND of the truth values.",
        forward: { call in
            let a = try call.inputs[0].converted(to: .bool), b = try call.inputs[1].converted(to: .bool)
            return try Tensor.arithmetic(a, b, dtype: .bool, op: "logical_and", LogicalAndKernel())
        })

    struct LogicalAndKernel: LogicalKernel {
        func bool(_ a: Bool, _ b: Bool) -> Bool { a && b }
    }

    static let whereOp = Op(
        "where", Signature(["where"], .function, [Param("condition", .tensor), .operand("input"), .operand("other")]),
        doc: "Picks `input` where `condition` is true and `other` elsewhere, with broadcasting.",
        gradFn: "WhereBackward0", saves: [.input(0)],
        samples: [OpSample([.mask([2, 3]), .tensor([2, 3]), .tensor([3])])],
        forward: { call in
            let c = call.inputs[0], a = call.inputs[1], b = call.inputs[2]
            guard c.dtype == .bool else {
                throw TorchError("where expected condition to be a boolean tensor, but got a tensor with dtype \(c.dtype.scalarTypeName)")
            }
            let shape = try Shapes.broadcast(c.shape, Shapes.broadcast(a.shape, b.shape))
            let dtype = Tensor.resultType(a, b)
            if let out = try Tensor.whereDirect(c, a.converted(to: dtype), b.converted(to: dtype), shape) { return out }
            let out = try a.converted(to: dtype).expand(shape).materialized()
            let y = try b.converted(to: dtype).expand(shape).materialized()
            let cond = try c.expand(shape).materialized()
            dtype.dispatch(Tensor.Select(keep: cond, other: y, into: out))
            return out
        },
        backward: { ctx in
            let c = try ctx.saved(0)
            let zero = try Tensor.wrapped(.int(0))
            return [nil,
                    ctx.needsGrad(1) ? try Tensor.where(c, ctx.grad, zero) : nil,
                    ctx.needsGrad(2) ? try Tensor.where(c, zero, ctx.grad) : nil]
        })

    static let equal = Op(
        "equal", Signature(["equal"], [.tensor(), .tensor("other")], returns: "boolean"),
        doc: "True when both tensors have the same shape and elements (Lua's `==` on tensors).",
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            var same = a.shape == b.shape
            if same {
                let eq = try a.eq(b)
                same = (0..<eq.numel).allSatisfy { eq.element($0) != 0 }
            }
            return try Tensor.scalar(same ? 1 : 0, dtype: .bool)
        })

    static let allclose = Op(
        "allclose", Signature(["allclose"], [
            .tensor(), .tensor("other"), Param("rtol", .double, default: .double(1e-5)),
            Param("atol", .double, default: .double(1e-8)), Param("equal_nan", .bool, default: .bool(false)),
        ], returns: "boolean"),
        doc: "True when |input - other| <= atol + rtol * |other| for every element (with broadcasting).",
        forward: { call in
            let a = call.inputs[0], b = call.inputs[1]
            let rtol = try call.double("rtol"), atol = try call.double("atol")
            let equalNaN = try call.bool("equal_nan")
            let shape = try Shapes.broadcast(a.shape, b.shape)
            let x = try a.expand(shape), y = try b.expand(shape)
            var close = true
            for i in 0..<(Shapes.numel(shape) ?? 0) {
                let u = x.element(i), v = y.element(i)
                if u.isNaN || v.isNaN {
                    if !(equalNaN && u.isNaN && v.isNaN) { close = false; break }
                } else if u != v && !(Swift.abs(u - v) <= atol + rtol * Swift.abs(v)) {
                    close = false
                    break
                }
            }
            return try Tensor.scalar(close ? 1 : 0, dtype: .bool)
        })
}

extension Tensor {
    /// `out[i] = keep[i] ? out[i] : other[i]` over contiguous tensors of one shape (the loop of
    /// `where`).
    struct Select: ElementDispatch {
        let keep: Tensor, other: Tensor, into: Tensor

        func callAsFunction<T: TensorElement>(_: T.Type) {
            let keep = keep.pointer(Bool.self), other = other.pointer(T.self), out = into.pointer(T.self)
            // A select, not a branch: relu masks are as good as random, and a mispredicted branch
            // per element cost more than the whole pass.
            for i in 0..<into.numel { out[i] = keep[i] ? out[i] : other[i] }
        }
    }

    /// `where(c, a, b)` in one pass when every operand either has all `shape`'s elements
    /// contiguously or is a single element (relu's backward: a mask, the gradient, and 0);
    /// nil when broadcasting needs the general path.
    static func whereDirect(_ c: Tensor, _ a: Tensor, _ b: Tensor, _ shape: [Int]) throws -> Tensor? {
        let n = Shapes.numel(shape) ?? 0
        func step(_ t: Tensor) -> Int? { t.numel == 1 ? 0 : (t.numel == n && t.isContiguous ? 1 : nil) }
        guard n > 1, let cs = step(c), let sa = step(a), let sb = step(b) else { return nil }
        let out = try Tensor.empty(shape, dtype: a.dtype)
        func start(_ t: Tensor) -> UnsafeMutableRawPointer { t.storage.bytes + t.offset &* t.dtype.itemSize }
        let keep = UnsafeRawPointer(start(c)), x = UnsafeRawPointer(start(a)), y = UnsafeRawPointer(start(b))
        let to = start(out)
        switch a.dtype.itemSize {
        case 4: pick(UInt32.self, keep, cs, x, sa, y, sb, to, n)
        case 8: pick(UInt64.self, keep, cs, x, sa, y, sb, to, n)
        default: pick(UInt8.self, keep, cs, x, sa, y, sb, to, n)
        }
        return out
    }

    /// `out[i] = c[i] ? a[i] : b[i]` on the elements' bits (`U` is their size), where a step
    /// of 0 repeats an operand's single element. Bit masks, not a branch or a select: relu
    /// masks are as good as random, and this form vectorizes where `c[i] ? a[i] : b[i]` did not
    /// (a 64×256 relu backward went from 14 µs to a few).
    @inline(__always)
    private static func pick<U: FixedWidthInteger & UnsignedInteger>(
        _: U.Type, _ c: UnsafeRawPointer, _ cs: Int, _ a: UnsafeRawPointer, _ sa: Int,
        _ b: UnsafeRawPointer, _ sb: Int, _ out: UnsafeMutableRawPointer, _ n: Int
    ) {
        let size = MemoryLayout<U>.stride
        @inline(__always) func mask(_ i: Int) -> U { 0 &- U(c.load(fromByteOffset: i &* cs, as: UInt8.self)) }
        @inline(__always) func load(_ p: UnsafeRawPointer, _ i: Int) -> U { p.load(fromByteOffset: i &* size, as: U.self) }
        @inline(__always) func store(_ i: Int, _ m: U, _ yes: U, _ no: U) {
            out.storeBytes(of: (yes & m) | (no & ~m), toByteOffset: i &* size, as: U.self)
        }
        // The common layouts get loops of their own, which vectorize; the general one does not.
        if cs == 1 && sa == 0 && sb == 1 {
            let v = load(a, 0)
            for i in 0..<n { store(i, mask(i), v, load(b, i)) }
        } else if cs == 1 && sa == 1 && sb == 0 {
            let v = load(b, 0)
            for i in 0..<n { store(i, mask(i), load(a, i), v) }
        } else if cs == 1 && sa == 1 && sb == 1 {
            for i in 0..<n { store(i, mask(i), load(a, i), load(b, i)) }
        } else {
            for i in 0..<n { store(i, mask(i), load(a, i &* sa), load(b, i &* sb)) }
        }
    }

    /// Copies element `j` of `source` (same dtype) to element `i` of this tensor, exactly.
    func setElementExact(_ i: Int, from source: Tensor, at j: Int) {
        dtype.dispatch(CopyElement(target: self, at: storageIndex(ofFlat: i),
                                   source: source, from: source.storageIndex(ofFlat: j)))
    }

    private struct CopyElement: ElementDispatch {
        let target: Tensor, at: Int, source: Tensor, from: Int
        func callAsFunction<T: TensorElement>(_: T.Type) { target.pointer(T.self)[at] = source.pointer(T.self)[from] }
    }
}
