/// One-pass kernels for backward formulas that would otherwise run as a chain of table ops,
/// each with its own pass over memory and its own temporary.
///
/// Each returns nil outside its fast path (mixed dtypes, broadcasting, strided operands),
/// where the op falls back to the composed formula; on its path it rounds exactly as that
/// formula does, so the result is the same bit for bit (but for float32
/// `_log_softmax_backward_data`, which sums each line in float as PyTorch's kernel does).
extension Tensor {
    // MARK: - threshold_backward

    /// `x <= threshold ? 0 : g` for a contiguous float gradient and input of one shape and
    /// dtype: the gradient of `relu` (threshold 0, `x` its output) read once, no bool mask.
    static func thresholdBackwardKernel(_ g: Tensor, _ x: Tensor, _ threshold: Double) throws -> Tensor? {
        guard canThresholdBackward(g, x) else { return nil }
        let out = try Tensor.empty(g.shape, dtype: g.dtype)
        thresholdBackward(g, x, threshold, into: out)
        return out
    }

    /// Whether `thresholdBackward(g, x, _, into:)` applies: contiguous float operands of one
    /// shape and dtype.
    static func canThresholdBackward(_ g: Tensor, _ x: Tensor) -> Bool {
        g.dtype == x.dtype && g.dtype.isFloatingPoint && g.shape == x.shape && g.isContiguous && x.isContiguous
    }

    /// `out = x <= threshold ? 0 : g`, entry by entry, for operands `canThresholdBackward`
    /// accepts and a contiguous `out` of their shape and dtype, which may be `g` itself (each
    /// entry reads its own place only).
    static func thresholdBackward(_ g: Tensor, _ x: Tensor, _ threshold: Double, into out: Tensor) {
        func run<T: FloatElement>(_: T.Type) {
            let pg = g.pointer(T.self), px = x.pointer(T.self), po = out.pointer(T.self)
            // PyTorch compares in the element type; NaN compares false and keeps its gradient.
            let t = T(converting: threshold)
            if po == pg {
                // A separate loop: with `po` and `pg` one pointer, the loop below fails its
                // overlap check and runs one element at a time (ten times slower).
                Parallel.chunks(g.numel) { range in
                    for i in range { po[i] = px[i] <= t ? 0 : po[i] }
                }
            } else {
                Parallel.chunks(g.numel) { range in
                    for i in range { po[i] = px[i] <= t ? 0 : pg[i] }
                }
            }
        }
        if g.dtype == .float64 { run(Double.self) } else { run(Float.self) }
    }

    // MARK: - tanh_backward, sigmoid_backward

    /// `kernel(g, y)` for a gradient `g` and an activation's output `y` of one float dtype and
    /// shape, in one pass into a new tensor, or nil (the op composes its formula instead).
    /// Each kernel rounds as the composed ops do: Swift never fuses its multiply-adds, and
    /// both operands already have the result's dtype.
    static func activationGradient<K: BinaryKernel>(_ g: Tensor, _ y: Tensor, op: String, _ kernel: K) throws -> Tensor? {
        guard g.dtype == y.dtype, g.dtype.isFloatingPoint, g.shape == y.shape else { return nil }
        return try arithmetic(g, y, op: op, kernel)
    }

    // MARK: - _log_softmax_backward_data

    /// The output of a softmax gradient computed line by line, and the line's length, when
    /// `g` and `y` are contiguous floats of one shape and dtype (at least 2-d) and `dim` is the
    /// last; nil otherwise (the caller then composes the gradient from ops).
    private static func lineGradientOutput(_ g: Tensor, _ y: Tensor, dim: Int) throws -> (Tensor, Int)? {
        guard g.dtype == y.dtype, g.dtype.isFloatingPoint, g.shape == y.shape, g.ndim >= 2,
              dim == g.ndim - 1, g.isContiguous, y.isContiguous else { return nil }
        return (try Tensor.empty(g.shape, dtype: g.dtype), g.shape[dim])
    }

    /// `g - exp(y) * sum(g, dim)` along the last dim of contiguous float `g` and `y` of one
    /// shape and dtype (at least 2-d): per line, the sum of `g`, then one pass writing the
    /// result. Float32 lines are summed in float in the order of PyTorch's kernel
    /// (`_vec_host_softmax_backward_lastdim`, through `SoftmaxFloat.sum`), float64 ones in
    /// double through `fastSum`, as `sum(dims:)` adds a trailing dim.
    static func logSoftmaxBackwardKernel(_ g: Tensor, _ y: Tensor, dim: Int) throws -> Tensor? {
        guard let (out, size) = try lineGradientOutput(g, y, dim: dim) else { return nil }
        guard size > 0 else { return out }
        let lines = g.numel / size
        func run<T: FloatElement>(_: T.Type) {
            let pg = g.pointer(T.self), py = y.pointer(T.self), po = out.pointer(T.self)
            Parallel.lines(lines, length: size, minimum: SoftmaxFloat.parallelMinimum) { lines in
                for line in lines {
                    let base = line * size
                    if T.self == Float.self {
                        // exp(y) eight lanes at a time into the output, then the rest in place.
                        let total = SoftmaxFloat.sum(size) { pg.asFloats[base &+ $0] }
                        let g = pg.asFloats + base
                        ExpFloat.apply(py.asFloats + base, into: po.asFloats + base, count: size)
                        let o = po.asFloats + base
                        for i in 0..<size { o[i] = g[i] - o[i] * total }
                        continue
                    }
                    let total = T(converting: Tensor.fastSum(pg + base, size))
                    for i in base..<(base + size) { po[i] = pg[i] - T.exp(py[i]) * total }
                }
            }
        }
        if g.dtype == .float64 { run(Double.self) } else { run(Float.self) }
        return out
    }

    // MARK: - _softmax_backward_data

    /// `(g - sum(g * y, dim)) * y` along the last dim of contiguous float `g` and `y` of one
    /// shape and dtype (at least 2-d): per line, the sum of products, then one pass writing the
    /// result, where the composite formula made three temporaries in four passes. Float32
    /// lines add their products in float in the order of PyTorch's kernel
    /// (`_vec_host_softmax_backward_lastdim`'s `map2_reduce_all`, through `SoftmaxFloat.sum`);
    /// float64 lines add in double in order.
    static func softmaxBackwardKernel(_ g: Tensor, _ y: Tensor, dim: Int) throws -> Tensor? {
        guard let (out, size) = try lineGradientOutput(g, y, dim: dim) else { return nil }
        guard size > 0 else { return out }
        func run<T: FloatElement>(_: T.Type) {
            let pg = g.pointer(T.self), py = y.pointer(T.self), po = out.pointer(T.self)
            Parallel.lines(g.numel / size, length: size) { lines in
                for line in lines {
                    let gl = pg + line &* size, yl = py + line &* size, ol = po + line &* size
                    let total: T
                    if T.self == Float.self {
                        let gf = gl.asFloats, yf = yl.asFloats
                        total = T(converting: Double(SoftmaxFloat.sum(size) { gf[$0] * yf[$0] }))
                    } else {
                        var acc: T = 0
                        for i in 0..<size { acc += gl[i] * yl[i] }
                        total = acc
                    }
                    for i in 0..<size { ol[i] = (gl[i] - total) * yl[i] }
                }
            }
        }
        if g.dtype == .float64 { run(Double.self) } else { run(Float.self) }
        return out
    }
}
