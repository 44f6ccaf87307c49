/// The 2-norm of a float tensor over dims, summed in the element type in PyTorch's order.
///
/// PyTorch's CPU `norm` (aten/src/ATen/native/cpu/ReduceOpsKernel.cpp, `norm_kernel_tensor_
/// iterator_impl`) accumulates a float32 norm in float, not double (`opmath_type<float>`):
/// - where the reduced elements of each output are one unit-stride run (`is_reduce_lastdim`:
///   a whole contiguous tensor, trailing dims, or a transposed tensor's stride-1 dim), it
///   adds `x * x` into one AVX2 vector of 8 floats (4 doubles), folds the lanes in order, adds
///   the tail, and takes the square root (`binary_kernel_reduce_lastdim`), output lines split
///   over threads;
/// - elsewhere (`NormTwoOps`) each output adds `x * x` one element at a time in memory order.
///
/// Neither fuses the multiply and add (checked against PyTorch's results: a fused emulation
/// differed in 26 of 200 sums of 1003 floats, this order in none; a double sum in 84). The
/// sum of a whole tensor is therefore one serial chain on PyTorch's side too: splitting it
/// over threads would change its bits.
extension Tensor {
    /// `sqrt(sum(x * x))` over `dims`; nil where a layout takes neither fast path below.
    func normTwo<T: FloatElement>(dims: [Int], keepdim: Bool, _: T.Type) throws -> Tensor? {
        guard numel > 0 else { return nil }
        if let out = try unitStrideNormTwo(dims: dims, keepdim: keepdim, T.self) { return out }
        return try leadingDimsNormTwo(dims: dims, keepdim: keepdim, T.self)
    }

    // MARK: - Unit-stride lines

    /// The norm of each run of reduced elements when they lie at unit stride, each output's
    /// run starting where its kept indices put it.
    private func unitStrideNormTwo<T: FloatElement>(dims: [Int], keepdim: Bool, _: T.Type) throws -> Tensor? {
        // The reduced dims of more than one element, outermost first by stride, must tile one
        // run ending at stride 1; the kept dims must step over whole runs.
        let reduced = dims.filter { shape[$0] > 1 }.sorted { strides[$0] > strides[$1] }
        guard let innermost = reduced.last, strides[innermost] == 1 else { return nil }
        for (outer, inner) in Swift.zip(reduced, reduced.dropFirst()) where strides[outer] != strides[inner] * shape[inner] {
            return nil
        }
        let count = reduced.reduce(1) { $0 * shape[$1] }
        var keptShape: [Int] = [], keptStrides: [Int] = []
        for d in 0..<ndim where !dims.contains(d) && shape[d] > 1 {
            guard strides[d] >= count else { return nil }
            keptShape.append(shape[d]); keptStrides.append(strides[d])
        }
        var starts: [Int] = []
        starts.reserveCapacity(Shapes.numel(keptShape) ?? 0)
        StridedLoop.run(keptShape, keptStrides, keptStrides) { start, _ in starts.append(start) }
        let out = try Tensor.empty(reducedShape(dims, keepdim: keepdim), dtype: T.dtype)
        let src = UnsafeRawPointer(pointer(T.self)), dst = out.pointer(T.self)
        let lines = starts.count
        @inline(__always) func norms(_ range: Range<Int>) {
            for l in range {
                let line = src + starts[l] &* MemoryLayout<T>.stride
                dst[l] = T.self == Float.self
                    ? T(converting: Double(Tensor.sumOfSquares(line.assumingMemoryBound(to: Float.self), count, lanes: SIMD8<Float>.self).squareRoot()))
                    : T(converting: Tensor.sumOfSquares(line.assumingMemoryBound(to: Double.self), count, lanes: SIMD4<Double>.self).squareRoot())
            }
        }
        Parallel.lines(lines, elements: lines &* count, norms)
        return out
    }

    /// `Σ p[i] * p[i]` over `n` elements as PyTorch's vectorized line: `V.scalarCount` lanes
    /// each adding every `V.scalarCount`-th square, the lanes folded in order, then the tail.
    @inline(__always)
    static func sumOfSquares<V: SIMD>(_ p: UnsafePointer<V.Scalar>, _ n: Int, lanes _: V.Type) -> V.Scalar
    where V.Scalar: BinaryFloatingPoint {
        let width = V.scalarCount
        var acc = V()
        var d = 0
        let raw = UnsafeRawPointer(p)
        while d &+ width <= n {
            let v = raw.loadUnaligned(fromByteOffset: d &* MemoryLayout<V.Scalar>.stride, as: V.self)
            acc += v * v
            d &+= width
        }
        var total = acc[0]
        for j in 1..<width { total += acc[j] }
        while d < n { total += p[d] * p[d]; d &+= 1 }
        return total
    }

    // MARK: - Leading dims

    /// The norm over the leading dims of a contiguous tensor (`x:norm(2, 1)`): each output adds
    /// its squares one row after another, as PyTorch's element-wise loop does, all outputs of a
    /// row at once (a loop that vectorizes across the row).
    private func leadingDimsNormTwo<T: FloatElement>(dims: [Int], keepdim: Bool, _: T.Type) throws -> Tensor? {
        guard isContiguous, dims.count < ndim, dims.enumerated().allSatisfy({ $0.offset == $0.element }) else {
            return nil
        }
        let rows = dims.reduce(1) { $0 * shape[$1] }, columns = numel / rows
        let out = try Tensor.empty(reducedShape(dims, keepdim: keepdim), dtype: T.dtype)
        let src = pointer(T.self), dst = out.pointer(T.self)
        @inline(__always) func norms(_ range: Range<Int>) {
            for k in range { dst[k] = 0 }
            for r in 0..<rows {
                let row = src + r &* columns
                for k in range { dst[k] += row[k] * row[k] }
            }
            for k in range { dst[k] = T.sqrt(dst[k]) }
        }
        Parallel.lines(columns, elements: numel, norms)
        return out
    }
}
