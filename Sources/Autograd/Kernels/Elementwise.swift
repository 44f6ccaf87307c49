/// Element-wise kernels: type promotion, broadcasting, and the typed loops ops are built from.
extension Tensor {
    // MARK: - Type promotion

    /// The dtype of an op over `tensors`, as `torch.result_type` decides it: dimensioned tensors
    /// outrank 0-d tensors, which outrank wrapped numbers, unless a lower tier has a higher
    /// category (a float number with an int tensor gives the default float dtype).
    static func resultType(_ tensors: [Tensor]) -> DType {
        var tiers = PromotionTiers()
        for t in tensors { tiers.add(t) }
        return tiers.result
    }

    /// The dtype of a binary op over `a` and `b` (no array to allocate on the per-op path).
    static func resultType(_ a: Tensor, _ b: Tensor) -> DType {
        // The common cases answer without the tiers: a float tensor with a number (a number
        // never outranks a float tensor, whatever its kind), and two tensors of one dtype
        // (every tier holds that dtype, and combining a dtype with itself gives it).
        if !a.isWrappedNumber && (b.isWrappedNumber ? a.dtype.isFloatingPoint : b.dtype == a.dtype) {
            return a.dtype
        }
        var tiers = PromotionTiers()
        tiers.add(a)
        tiers.add(b)
        return tiers.result
    }

    /// The promoted dtype of each tier of operands, as `resultType` collects them.
    private struct PromotionTiers {
        var dimensioned: DType?, zeroDim: DType?, wrapped: DType?

        mutating func add(_ t: Tensor) {
            if t.isWrappedNumber {
                let d = DType.defaultFor(category: t.dtype.category)
                wrapped = wrapped.map { DType.promote($0, d) } ?? d
            } else if t.ndim == 0 {
                zeroDim = zeroDim.map { DType.promote($0, t.dtype) } ?? t.dtype
            } else {
                dimensioned = dimensioned.map { DType.promote($0, t.dtype) } ?? t.dtype
            }
        }

        var result: DType { Tensor.combine(dimensioned, Tensor.combine(zeroDim, wrapped)) ?? .float32 }
    }

    fileprivate static func combine(_ higher: DType?, _ lower: DType?) -> DType? {
        guard let higher else { return lower }
        guard let lower else { return higher }
        if higher.isFloatingPoint { return higher }
        if higher == .bool || lower.isFloatingPoint { return DType.promote(higher, lower) }
        return higher
    }

    /// This tensor as `dtype`: itself when it already is, else a converted contiguous copy.
    func converted(to target: DType) throws -> Tensor {
        if dtype == target { return self }
        if isWrappedNumber && numel == 1 { return try wrappedConverted(to: target) }
        let out = try materialized(dtype: target)
        out.isWrappedNumber = isWrappedNumber
        return out
    }

    // MARK: - Typed loops

    /// `out[i] = f(a[i], b[i])` with broadcasting; `out` is contiguous with the broadcast shape.
    ///
    /// `f` is a type, not a closure, so every loop here, the parallel workers' included, is
    /// specialized per element function with it inlined (see `ZipFunction`).
    @inline(__always)
    static func zip<F: ZipFunction>(_ a: Tensor, _ b: Tensor, into out: Tensor, _ f: F) {
        let n = out.numel
        // One copy for both operands of `x * x`.
        let dense = denseOperand(a, covering: n), b = b === a ? dense : denseOperand(b, covering: n), a = dense
        let pa = a.pointer(F.Operand.self), pb = b.pointer(F.Operand.self), po = out.pointer(F.Result.self)
        // A broadcast scalar (an expanded 0-d gradient) reads one element, like a real scalar.
        let aScalar = a.numel == 1 || a.isBroadcastScalar, bScalar = b.numel == 1 || b.isBroadcastScalar
        let aFull = a.numel == n && a.isContiguous, bFull = b.numel == n && b.isContiguous
        let serial = n < Parallel.threshold
        // `x += y` writes the buffer it reads. Those loops read and write through `po` alone:
        // with two pointers to one buffer the vectorizer's overlap check fails at run time and
        // the scalar fallback runs (an in-place add was 4x slower than an out-of-place one).
        let inPlace = F.Result.self == F.Operand.self && UnsafeRawPointer(po) == UnsafeRawPointer(pa)
        @inline(__always) func old(_ i: Int) -> F.Operand { unsafeBitCast(po[i], to: F.Operand.self) }
        if aFull && bFull && inPlace {
            if serial { for i in 0..<n { po[i] = f(old(i), pb[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(old(i), pb[i]) } } }
        } else if aFull && bScalar && inPlace {
            let v = pb[0]
            if serial { for i in 0..<n { po[i] = f(old(i), v) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(old(i), v) } } }
        } else if aFull && bFull {
            if serial { for i in 0..<n { po[i] = f(pa[i], pb[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(pa[i], pb[i]) } } }
        } else if aFull && bScalar {
            let v = pb[0]
            if serial { for i in 0..<n { po[i] = f(pa[i], v) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(pa[i], v) } } }
        } else if bFull && aScalar {
            let v = pa[0]
            if serial { for i in 0..<n { po[i] = f(v, pb[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(v, pb[i]) } } }
        } else if aScalar && bScalar {
            // Both one value, at least one expanded (`grad / 2` of an expanded 0-d gradient):
            // one result, written everywhere, without the strided loop's index arrays.
            let v = f(pa[0], pb[0])
            for i in 0..<n { po[i] = v }
        } else if aFull, b.isContiguous, b.numel > 0, isTrailingBlock(b.shape, of: out.shape) {
            // A row operand (a bias) repeating along the leading dims: runs of the output that
            // each meet one stretch of the row, split like any large op. Offsets wrap (`&+`):
            // an overflow check inside the run kept it from vectorizing (scalar adds, about
            // 9 instructions per element for a training step's `h + b`).
            let m = b.numel
            Parallel.chunks(n) { r in
                var i = r.lowerBound
                while i < r.upperBound {
                    let j = i % m, length = min(m - j, r.upperBound - i)
                    let o = po + i, x = pa + i, y = pb + j
                    for e in 0..<length { o[e] = f(x[e], y[e]) }
                    i &+= length
                }
            }
        } else {
            let sa = Shapes.broadcastStrides(shape: a.shape, strides: a.strides, to: out.shape)
            let sb = Shapes.broadcastStrides(shape: b.shape, strides: b.strides, to: out.shape)
            var i = 0
            StridedLoop.run(out.shape, sa, sb) { ia, ib in
                po[i] = f(pa[ia], pb[ib])
                i &+= 1
            }
        }
    }

    /// `t` itself, or a contiguous copy of it when it is a strided operand (a transpose, a
    /// permutation, a slice) with one element per output of a large element-wise op.
    ///
    /// Why: the strided loop steps an index per element, on one thread; the copy (blocked for
    /// transposes, split over the pool) and then the contiguous loop take a fraction of that.
    /// On a transposed 256 × 1024 float32 tensor: `relu` 1531 → 96 µs, `x + 1` 433 → 95 µs,
    /// `exp` 1091 → 291 µs (PyTorch: 34, 34, 140). Same values in, so the same bits out.
    /// Without memory for the copy, the strided loop runs.
    @inline(__always)
    static func denseOperand(_ t: Tensor, covering n: Int) -> Tensor {
        guard n >= stridedCopyMinimum, t.numel == n, !t.isContiguous, !t.isBroadcastScalar else { return t }
        return (try? t.materialized()) ?? t
    }

    /// The outputs from which `denseOperand` copies a strided operand.
    static let stridedCopyMinimum = 1 << 12

    /// Whether `shape` (leading 1s aside) is the trailing part of `target`: an operand that
    /// repeats as a whole block along the leading dims.
    static func isTrailingBlock(_ shape: [Int], of target: [Int]) -> Bool {
        let core = shape.drop(while: { $0 == 1 })
        return core.count <= target.count && target.suffix(core.count).elementsEqual(core)
    }

    /// `out[i] = f(a[i])`; `out` is contiguous with `a`'s shape (`f` is a type, as in `zip`).
    @inline(__always)
    static func map<F: MapFunction>(_ a: Tensor, into out: Tensor, _ f: F) {
        let n = out.numel
        let a = denseOperand(a, covering: n)
        let pa = a.pointer(F.Operand.self), po = out.pointer(F.Result.self)
        if a.isContiguous {
            if n < Parallel.threshold { for i in 0..<n { po[i] = f(pa[i]) } }
            else { Parallel.chunks(n) { r in for i in r { po[i] = f(pa[i]) } } }
        } else if a.isBroadcastScalar && n < Parallel.threshold {
            // An expanded single value: one result, written everywhere.
            let v = f(pa[0])
            for i in 0..<n { po[i] = v }
        } else {
            var i = 0
            StridedLoop.run(a.shape, a.strides, a.strides) { ia, _ in
                po[i] = f(pa[ia])
                i &+= 1
            }
        }
    }

    // MARK: - Kernels by dtype

    /// `out = kernel(a, b)` in `out`'s dtype, the operands already converted to it.
    /// Throws PyTorch's "not implemented" error for a dtype the kernel lacks.
    @inline(__always)
    static func zip<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, into out: Tensor, _ kernel: K, op: String) throws {
        switch out.dtype {
        case .float32: zip(a, b, into: out, BinaryFloat<K, Float>(kernel: kernel))
        case .float64: zip(a, b, into: out, BinaryFloat<K, Double>(kernel: kernel))
        case .int64:
            guard K.hasInt else { throw TorchError("\"\(op)\" not implemented for 'Long'") }
            zip(a, b, into: out, BinaryInt(kernel: kernel))
        case .bool:
            guard K.hasBool else { throw TorchError("\"\(op)\" not implemented for 'Bool'") }
            zip(a, b, into: out, BinaryBool(kernel: kernel))
        }
    }

    /// `out = kernel(a)` in `a`'s dtype (`out` has it too).
    @inline(__always)
    static func map<K: UnaryKernel>(_ a: Tensor, into out: Tensor, _ kernel: K, op: String) throws {
        switch a.dtype {
        case .float32: map(a, into: out, UnaryFloat<K, Float>(kernel: kernel))
        case .float64: map(a, into: out, UnaryFloat<K, Double>(kernel: kernel))
        case .int64:
            guard K.hasInt else { throw TorchError("\"\(op)\" not implemented for 'Long'") }
            map(a, into: out, UnaryInt(kernel: kernel))
        case .bool:
            guard K.hasBool else {
                throw TorchError(op == "neg" ? "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead." : "\"\(op)\" not implemented for 'Bool'")
            }
            map(a, into: out, UnaryBool(kernel: kernel))
        }
    }

    // MARK: - Op building blocks

    /// The output of a broadcasting op, reusing an operand's geometry when it has the result shape.
    @inline(__always)
    static func emptyResult(_ shape: [Int], _ dtype: DType, like x: Tensor, _ y: Tensor) throws -> Tensor {
        if x.shape == shape && x.isContiguous { return try empty(like: x, dtype: dtype) }
        if y.shape == shape && y.isContiguous { return try empty(like: y, dtype: dtype) }
        return try empty(shape, dtype: dtype)
    }

    /// A binary arithmetic op computed in the promoted dtype (or `dtype`, when given).
    @inline(__always)
    static func arithmetic<K: BinaryKernel>(
        _ a: Tensor, _ b: Tensor, dtype forced: DType? = nil, op: String, _ kernel: K
    ) throws -> Tensor {
        let shape = try Shapes.broadcast(a.shape, b.shape)
        var dtype = forced ?? resultType(a, b)
        if dtype == .bool && !K.hasBool { dtype = .int64 }
        let x = try a.converted(to: dtype), y = try b.converted(to: dtype)
        let out = try emptyResult(shape, dtype, like: x, y)
        try zip(x, y, into: out, kernel, op: op)
        return out
    }

    /// A comparison, giving a bool tensor.
    @inline(__always)
    static func comparison<K: ComparisonKernel>(_ a: Tensor, _ b: Tensor, _ kernel: K) throws -> Tensor {
        let shape = try Shapes.broadcast(a.shape, b.shape)
        var dtype = resultType(a, b)
        if dtype == .bool { dtype = .int64 }
        let x = try a.converted(to: dtype), y = try b.converted(to: dtype)
        let out = try emptyResult(shape, .bool, like: x, y)
        switch dtype {
        case .float32: zip(x, y, into: out, Compare<K, Float>(kernel: kernel))
        case .float64: zip(x, y, into: out, Compare<K, Double>(kernel: kernel))
        default: zip(x, y, into: out, Compare<K, Int64>(kernel: kernel))
        }
        return out
    }

    /// A floating-point function of one tensor; integer and bool inputs compute in float32.
    @inline(__always)
    static func floatUnary<K: UnaryKernel>(_ a: Tensor, _ kernel: K) throws -> Tensor {
        let dtype: DType = a.dtype == .float64 ? .float64 : .float32
        let x = try a.converted(to: dtype)
        let out = try Tensor.empty(like: x, dtype: dtype)
        if dtype == .float64 { map(x, into: out, UnaryFloat<K, Double>(kernel: kernel)) }
        else { map(x, into: out, UnaryFloat<K, Float>(kernel: kernel)) }
        return out
    }

    /// A function of one tensor that keeps its dtype (`neg`, `abs`, `sign`).
    @inline(__always)
    static func sameTypeUnary<K: UnaryKernel>(_ a: Tensor, op: String, _ kernel: K) throws -> Tensor {
        let out = try Tensor.empty(like: a, dtype: a.dtype)
        try map(a, into: out, kernel, op: op)
        return out
    }

    /// A predicate of every element, as a bool tensor.
    @inline(__always)
    static func classify<K: PredicateKernel>(_ a: Tensor, _ kernel: K) throws -> Tensor {
        let out = try Tensor.empty(a.shape, dtype: .bool)
        switch a.dtype {
        case .float32: map(a, into: out, PredicateFloat<K, Float>(kernel: kernel))
        case .float64: map(a, into: out, PredicateFloat<K, Double>(kernel: kernel))
        case .int64: map(a, into: out, PredicateInt(kernel: kernel))
        case .bool: map(a, into: out, PredicateBool(kernel: kernel))
        }
        return out
    }
}
