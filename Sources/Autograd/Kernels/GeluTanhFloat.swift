/// GELU's tanh form on float32 and its gradient, eight lanes at a time, with the bits of the
/// scalar formulas.
///
/// `Ops.GeluKernel`'s tanh form, `0.5 x (1 + tanh(β (x + κ x³)))`, is four multiplies, two
/// adds and a `tanhf` per element: the call was nearly all of its time. Its gradient was a
/// dozen tensor ops, a pass over memory each. Here the same operations run in the same order
/// on eight lanes around `TanhFloat.tanh`, which has `tanhf`'s bits, so the op prints and
/// differentiates exactly as before.
extension TanhFloat {
    /// GELU's tanh form of each lane, as `Ops.GeluKernel` computes one float: β (x + ((κ x) x) x),
    /// then (0.5 x) (1 + tanh of it).
    @inline(__always)
    static func geluTanh(_ x: Floats, beta: Float, kappa: Float) -> Floats {
        let inner = beta * (x + kappa * x * x * x)
        return 0.5 * x * (1 + tanh(inner))
    }

    /// `y[i]` = GELU's tanh form of `x[i]` for `i` in `0..<count` (`EightLanes.map`).
    @inline(__always)
    static func applyGeluTanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                              beta: Float, kappa: Float) {
        EightLanes.map(x, into: y, count: count) { geluTanh($0, beta: beta, kappa: kappa) }
    }
}

// MARK: - The gradient

extension TanhFloat {
    /// `g` times the derivative of GELU's tanh form at each lane of `x`: the tensor ops of
    /// `Ops.geluTanhDerivative` in their order (each rounds to float, as here), then the
    /// product with the incoming gradient.
    @inline(__always)
    static func geluTanhGradient(_ x: Floats, _ g: Floats, beta: Float, kappa: Float, threeKappa: Float) -> Floats {
        let xSquared = x * x
        let t = tanh((x + xSquared * x * kappa) * beta)
        let left = (t + 1) * 0.5
        let right = x * 0.5 * (1 - t * t) * ((xSquared * threeKappa + 1) * beta)
        return g * (left + right)
    }

    /// `y[i]` = `geluTanhGradient` of `x[i]` and `g[i]` (or of `g[0]` for every `i`, when
    /// `gStep` is 0: the gradient of a sum, one value expanded) for `i` in `0..<count`.
    @inline(__always)
    static func applyGeluTanhGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, gStep: Int,
                                      into y: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let beta = Float(geluBeta), kappa = Float(geluKappa), threeKappa = Float(3 * geluKappa)
        func gradient(_ v: Floats, _ w: Floats) -> Floats {
            geluTanhGradient(v, w, beta: beta, kappa: kappa, threeKappa: threeKappa)
        }
        let splat = Floats(repeating: g[0])
        var i = 0
        while i &+ 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: Floats.self)
            let w = gStep == 0 ? splat : UnsafeRawPointer(g + i).loadUnaligned(as: Floats.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: gradient(v, w), as: Floats.self)
            i &+= 8
        }
        guard i < count else { return }
        var v = Floats(repeating: x[i]), w = Floats(repeating: g[i &* gStep])
        for j in 1..<(count &- i) {
            v[j] = x[i &+ j]
            w[j] = g[(i &+ j) &* gStep]
        }
        let r = gradient(v, w)
        for j in 0..<(count &- i) { y[i &+ j] = r[j] }
    }
}

// MARK: - Whole tensors

extension Tensor {
    /// GELU's tanh form of a contiguous float32 `x`, as a new tensor split across the pool like
    /// any element-wise op, with the bits of the scalar loop; nil for other tensors.
    static func contiguousFloatGeluTanh(_ x: Tensor) throws -> Tensor? {
        guard x.dtype == .float32, x.isContiguous else { return nil }
        let beta = Float(geluBeta), kappa = Float(geluKappa)
        let out = try Tensor.empty(x.shape, dtype: .float32)
        let px = x.pointer(Float.self), po = out.pointer(Float.self)
        Parallel.chunks(x.numel) { range in
            TanhFloat.applyGeluTanh(px + range.lowerBound, into: po + range.lowerBound, count: range.count,
                                    beta: beta, kappa: kappa)
        }
        return out
    }

    /// The gradient of GELU's tanh form for a contiguous float32 `x`, given the incoming
    /// `grad` (contiguous, or one value expanded), as a new tensor in one pass with the bits of
    /// `Ops.geluTanhDerivative`'s ops and the product; nil for other tensors.
    static func contiguousFloatGeluTanhGradient(_ x: Tensor, _ grad: Tensor) throws -> Tensor? {
        guard x.dtype == .float32, x.isContiguous, grad.dtype == .float32, grad.shape == x.shape,
              grad.isContiguous || grad.isBroadcastScalar else { return nil }
        let out = try Tensor.empty(x.shape, dtype: .float32)
        let px = x.pointer(Float.self), pg = grad.pointer(Float.self), po = out.pointer(Float.self)
        let gStep = grad.isContiguous && x.numel > 1 ? 1 : 0
        Parallel.chunks(x.numel) { range in
            TanhFloat.applyGeluTanhGradient(px + range.lowerBound, pg + range.lowerBound * gStep, gStep: gStep,
                                            into: po + range.lowerBound, count: range.count)
        }
        return out
    }
}
