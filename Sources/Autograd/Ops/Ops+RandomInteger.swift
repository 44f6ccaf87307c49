/// `random_`: fills a tensor with random integers drawn as PyTorch's CPU `random_` draws them.
///
/// A `DataLoader` seeds each pass with `torch.empty((), dtype=torch.int64).random_()`, so the
/// int64 draw (one 64-bit draw, modulo 2⁶³) must be PyTorch's bit for bit to shuffle alike.
extension Ops {
    /// The out-of-place op behind `random_`: random integers shaped like the tensor.
    static let randomOp = Op(
        "random", Signature(["random"], .internal, randomParams),
        doc: "Random integers shaped like the tensor (what `random_` writes).",
        forward: { call in
            let x = call.inputs[0]
            let first = try randomBound(call.arg("from"), "from"), second = try randomBound(call.arg("to"), "to")
            switch (first, second) {
            case (nil, nil): return try Tensor.fullRangeRandom(shape: x.shape, dtype: x.dtype)
            case (let to?, nil): return try Tensor.randomIntegers(low: 0, high: to, shape: x.shape, dtype: x.dtype)
            case (let from, let to?): return try Tensor.randomIntegers(low: from ?? 0, high: to, shape: x.shape, dtype: x.dtype)
            }
        })

    static let randomInPlace = Op(
        inPlace: "random_", of: randomOp, Signature(["random_"], .method, randomParams).drawingRandomNumbers(),
        doc: "Fills the tensor with random integers: in [0, 2⁶³) for int64 (2²⁴ float32, 2⁵³ float64), in [0, `from`) with one bound, in [`from`, `to`) with two.")

    /// `random_(from=nil, to=nil)`: one bound is `to`, as in PyTorch's `random_(to)`.
    static let randomParams: [Param] = [
        .tensor(), Param("from", .number, default: .absent), Param("to", .number, default: .absent),
    ]

    /// A bound of `random_`: an integer (a float with an integral value counts), or nil.
    private static func randomBound(_ arg: Arg, _ name: String) throws -> Int64? {
        guard case .scalar(let s) = arg else { return nil }
        switch s {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .double(let d):
            guard d.rounded(.towardZero) == d, d.magnitude < 0x1p63 else {
                throw TorchError("random_(): \(name) must be an integer, got \(d)")
            }
            return Int64(d)
        }
    }
}

extension Tensor {
    /// `random_()` without bounds: every value the dtype holds exactly, from 0 (int64: up to
    /// 2⁶³ − 1; float32: 2²⁴; float64: 2⁵³; bool: 0 or 1).
    static func fullRangeRandom(shape: [Int], dtype: DType) throws -> Tensor {
        if dtype == .bool {
            return try randomIntegers(low: 0, high: 2, shape: shape, dtype: .int64).materialized(dtype: .bool)
        }
        let out = try empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        let n = out.numel
        switch dtype {
        case .int64: g.fillRandom(UnsafeMutableBufferPointer(start: out.pointer(Int64.self), count: n))
        case .float32: g.fillRandom(UnsafeMutableBufferPointer(start: out.pointer(Float.self), count: n))
        case .float64: g.fillRandom(UnsafeMutableBufferPointer(start: out.pointer(Double.self), count: n))
        case .bool: break
        }
        return out
    }
}
