/// Swift methods for the table's ops: each is a one-line call into `OpTable`, so the op's
/// kernel, formula and checks live in exactly one place. The commonest arithmetic calls its
/// op's kernel directly when nothing would be recorded (see `recordsNothing`).
extension Tensor {
    /// Whether an op on this tensor (and `other`) would record nothing: no graph node (grad
    /// mode off, or no operand requires grad) and no forward-mode tangent. The op's kernel
    /// alone then gives exactly what the op would.
    @inline(__always)
    func recordsNothing(with other: Tensor? = nil) -> Bool {
        ThreadState.withCurrent { state in
            state.dualLevel == 0
                && (!state.gradEnabled || (!requiresGrad && !(other?.requiresGrad ?? false)))
        }
    }

    // MARK: - Arithmetic

    public func add(_ other: Tensor) throws -> Tensor {
        try recordsNothing(with: other) ? Ops.addKernel(self, other) : Ops.add.apply(self, other)
    }
    public func sub(_ other: Tensor) throws -> Tensor {
        try recordsNothing(with: other) ? Ops.subKernel(self, other) : Ops.sub.apply(self, other)
    }
    /// `other - self`.
    public func rsub(_ other: Tensor) throws -> Tensor { try Ops.rsub.apply(self, other) }
    public func mul(_ other: Tensor) throws -> Tensor {
        try recordsNothing(with: other) ? Ops.mulKernel(self, other) : Ops.mul.apply(self, other)
    }
    public func div(_ other: Tensor) throws -> Tensor {
        try recordsNothing(with: other) ? Ops.divKernel(self, other) : Ops.div.apply(self, other)
    }
    public func remainder(_ other: Tensor) throws -> Tensor { try Ops.remainder.apply(self, other) }
    public func floorDivide(_ other: Tensor) throws -> Tensor { try Ops.floorDivide.apply(self, other) }
    public func neg() throws -> Tensor { try recordsNothing() ? Ops.negKernel(self) : Ops.neg.apply(self) }

    /// `self ^ exponent`: a number exponent (wrapped) or a tensor one.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        try (exponent.isWrappedNumber ? Ops.pow : Ops.powTensor).apply(self, exponent)
    }

    // MARK: - Element-wise functions

    public func exp() throws -> Tensor { try Ops.exp.apply(self) }
    public func log() throws -> Tensor { try Ops.log.apply(self) }
    public func sin() throws -> Tensor { try recordsNothing() ? Ops.sinKernel(self) : Ops.sin.apply(self) }
    public func cos() throws -> Tensor { try recordsNothing() ? Ops.cosKernel(self) : Ops.cos.apply(self) }
    public func tanh() throws -> Tensor { try Ops.tanh.apply(self) }
    public func sigmoid() throws -> Tensor { try Ops.sigmoid.apply(self) }
    public func relu() throws -> Tensor { try Ops.relu.apply(self) }
    public func sqrt() throws -> Tensor { try Ops.sqrt.apply(self) }
    public func abs() throws -> Tensor { try Ops.abs.apply(self) }
    public func sign() throws -> Tensor { try Ops.sign.apply(self) }
    public func reciprocal() throws -> Tensor { try Ops.reciprocal.apply(self) }

    // MARK: - Reductions

    /// The sum of all elements.
    public func sum() throws -> Tensor { try Ops.sum.apply(self, [.absent, .bool(false), .absent]) }
    /// The sum over `dims`.
    public func sum(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        try Ops.sum.apply(self, [.ints(dims), .bool(keepdim), .absent])
    }
    /// The mean of all elements.
    public func mean() throws -> Tensor { try Ops.mean.apply(self, [.absent, .bool(false), .absent]) }
    /// The mean over `dims`.
    public func mean(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        try Ops.mean.apply(self, [.ints(dims), .bool(keepdim), .absent])
    }
    /// The p-norm of all elements (or over `dims`).
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try Ops.norm.apply(self, [.double(p), dims.map { .ints($0) } ?? .absent, .bool(keepdim)])
    }

    // MARK: - Linear algebra

    public func dot(_ other: Tensor) throws -> Tensor { try Ops.dot.apply(self, other) }
    public func mm(_ other: Tensor) throws -> Tensor { try Ops.mm.apply(self, other) }
    public func mv(_ other: Tensor) throws -> Tensor { try Ops.mv.apply(self, other) }
    public func t() throws -> Tensor { try Ops.t.apply(self) }

    // MARK: - Shape

    /// A tensor with the same data and a new shape: a view when possible, else a copy.
    public func reshape(_ shape: [Int]) throws -> Tensor {
        try (isContiguous ? Ops.view : Ops.unsafeView).apply(self, [.ints(shape)])
    }
    public func view(_ shape: [Int]) throws -> Tensor { try Ops.view.apply(self, [.ints(shape)]) }
    public func expand(_ shape: [Int]) throws -> Tensor {
        if shape == self.shape { return self }
        return try Ops.expand.apply(self, [.ints(shape)])
    }
    public func unsqueeze(_ dim: Int) throws -> Tensor { try Ops.unsqueeze.apply(self, [.int(dim)]) }
    public func squeeze(_ dim: Int? = nil) throws -> Tensor {
        try Ops.squeeze.apply(self, [dim.map { .ints([$0]) } ?? .absent])
    }
    public func select(_ dim: Int, _ index: Int) throws -> Tensor {
        try Ops.select.apply(self, [.int(dim), .int(index)])
    }
    /// Elements `start..<end` (stepping by `step`) along `dim`, as a view.
    ///
    /// A view no op would record (no gradient wanted, no tangent) is made at once: the op
    /// table's call around it (its argument array, the arguments looked up by name) cost
    /// more than the view (`x[{{i, j}}]` from Lua, a linreg minibatch's first op).
    public func slice(_ dim: Int, _ start: Int, _ end: Int, step: Int = 1) throws -> Tensor {
        if !Tensor.recordsOps(self, self) { return try sliceView(dim, start, end, step: step) }
        return try Ops.slice.apply(self, [.int(dim), .int(start), .int(end), .int(step)])
    }
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try Ops.cat.apply(tensors, [.int(dim)])
    }
    /// A copy with its own memory, recorded as `clone`: with this tensor's strides when they
    /// lay it out densely (PyTorch's `torch.preserve_format`), or row-major when `contiguous`.
    public func clone(contiguous: Bool = false) throws -> Tensor {
        contiguous ? try Ops.clone.apply(self, [.string("contiguous_format")]) : try Ops.clone.apply(self)
    }
    /// This tensor converted to `dtype` (itself when it already has it).
    public func to(_ dtype: DType) throws -> Tensor {
        dtype == self.dtype ? self : try Ops.toType.apply(self, [.dtype(dtype)])
    }
    /// A contiguous tensor with the same values (itself when already contiguous).
    public func contiguous() throws -> Tensor { isContiguous ? self : try clone(contiguous: true) }

    // MARK: - Comparison

    public func eq(_ other: Tensor) throws -> Tensor { try Ops.eq.apply(self, other) }
    public func ne(_ other: Tensor) throws -> Tensor { try Ops.ne.apply(self, other) }
    public func lt(_ other: Tensor) throws -> Tensor { try Ops.lt.apply(self, other) }
    public func le(_ other: Tensor) throws -> Tensor { try Ops.le.apply(self, other) }
    public func gt(_ other: Tensor) throws -> Tensor { try Ops.gt.apply(self, other) }
    public func ge(_ other: Tensor) throws -> Tensor { try Ops.ge.apply(self, other) }
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try Ops.logicalAnd.apply(self, other) }
    /// `torch.where(condition, a, b)`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try Ops.whereOp.apply([condition, a, b])
    }
    /// Zero where `mask` is true, this tensor elsewhere.
    func masked(where mask: Tensor) throws -> Tensor {
        try Tensor.where(mask, Tensor.wrapped(.int(0)), self)
    }
    /// Same shape and same elements (`torch.equal`).
    public func equal(_ other: Tensor) throws -> Bool {
        try Ops.equal.apply(self, other).element(0) != 0
    }
    /// Close element-wise within `rtol` and `atol` (`torch.allclose`).
    public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) throws -> Bool {
        try Ops.allclose.apply(self, other, [.double(rtol), .double(atol), .bool(equalNaN)]).element(0) != 0
    }

    // MARK: - In place

    @discardableResult public func add_(_ other: Tensor) throws -> Tensor { try Ops.addInPlace.apply(self, other) }
    @discardableResult public func sub_(_ other: Tensor) throws -> Tensor { try Ops.subInPlace.apply(self, other) }
    @discardableResult public func mul_(_ other: Tensor) throws -> Tensor { try Ops.mulInPlace.apply(self, other) }
    @discardableResult public func div_(_ other: Tensor) throws -> Tensor { try Ops.divInPlace.apply(self, other) }
    @discardableResult public func zero_() throws -> Tensor { try Ops.zeroInPlace.apply(self) }
    @discardableResult public func fill_(_ value: Tensor) throws -> Tensor { try Ops.fillInPlace.apply(self, value) }
    @discardableResult public func copy_(_ source: Tensor) throws -> Tensor { try Ops.copyInPlace.apply(self, source) }

    // MARK: - Numbers

    /// A number as a 0-d tensor that promotes like a Python scalar (`x * 2` keeps x's dtype).
    public static func number(_ value: Double) throws -> Tensor { try wrapped(.double(value)) }
    /// An integer as a 0-d tensor that promotes like a Python scalar.
    public static func number(_ value: Int) throws -> Tensor { try wrapped(.int(Int64(value))) }
}
