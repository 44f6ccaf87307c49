/// Copying and converting between tensors of any layout and dtype.
extension Tensor {
    /// Writes `source` (broadcast to this shape, converted to this dtype) into this tensor's memory.
    /// Does not bump the version or record a graph: callers do what their op requires.
    func copyElements(from source: Tensor) throws {
        let target = try Shapes.broadcast(shape, source.shape)
        guard target == shape else {
            throw TorchError("output with shape \(Shapes.format(shape)) doesn't match the broadcast shape \(Shapes.format(target))")
        }
        let srcStrides = Shapes.broadcastStrides(shape: source.shape, strides: source.strides, to: shape)
        switch (source.dtype, dtype) {
        case (.float32, .float32): Tensor.copy(source, Float.self, into: self, Float.self, srcStrides) { $0 }
        case (.float64, .float64): Tensor.copy(source, Double.self, into: self, Double.self, srcStrides) { $0 }
        case (.int64, .int64): Tensor.copy(source, Int64.self, into: self, Int64.self, srcStrides) { $0 }
        case (.bool, .bool): Tensor.copy(source, Bool.self, into: self, Bool.self, srcStrides) { $0 }
        case (.float32, .float64): Tensor.copy(source, Float.self, into: self, Double.self, srcStrides) { Double($0) }
        case (.float64, .float32): Tensor.copy(source, Double.self, into: self, Float.self, srcStrides) { Float($0) }
        default: try convertingCopy(from: source, srcStrides)
        }
    }

    /// The generic conversions (through Double or Int64, as PyTorch's casts behave).
    private func convertingCopy(from source: Tensor, _ srcStrides: [Int]) throws {
        func read<S: TensorElement>(_: S.Type) {
            switch dtype {
            case .float32: Tensor.copy(source, S.self, into: self, Float.self, srcStrides) { Float($0.doubleValue) }
            case .float64: Tensor.copy(source, S.self, into: self, Double.self, srcStrides) { $0.doubleValue }
            case .int64: Tensor.copy(source, S.self, into: self, Int64.self, srcStrides) { $0.int64Value }
            case .bool: Tensor.copy(source, S.self, into: self, Bool.self, srcStrides) { $0.doubleValue != 0 }
            }
        }
        switch source.dtype {
        case .float32: read(Float.self)
        case .float64: read(Double.self)
        case .int64:
            // int64 -> float must not round through Double twice; Float(Int64) rounds once.
            if dtype == .float32 {
                Tensor.copy(source, Int64.self, into: self, Float.self, srcStrides) { Float($0) }
            } else { read(Int64.self) }
        case .bool: read(Bool.self)
        }
    }

    @inline(__always)
    static func copy<S: TensorElement, D: TensorElement>(
        _ source: Tensor, _: S.Type, into dest: Tensor, _: D.Type, _ srcStrides: [Int],
        _ convert: (S) -> D
    ) {
        let src = source.pointer(S.self), dst = dest.pointer(D.self)
        let n = dest.numel
        if source.numel == n && source.isContiguous && dest.isContiguous {
            for i in 0..<n { dst[i] = convert(src[i]) }
        } else if source.numel == 1 && dest.isContiguous {
            let v = convert(src[0])
            for i in 0..<n { dst[i] = v }
        } else {
            StridedLoop.run(dest.shape, srcStrides, dest.strides) { s, d in dst[d] = convert(src[s]) }
        }
    }

    /// A new contiguous tensor with the same values (and dtype `dtype`, if given), no graph.
    func materialized(dtype target: DType? = nil) throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: target ?? dtype)
        try out.copyElements(from: self)
        return out
    }

    /// A contiguous copy: recorded as `clone` when `keepGraph`, else a plain copy.
    func contiguousClone(keepGraph: Bool) throws -> Tensor {
        keepGraph ? try clone() : try materialized()
    }
}
