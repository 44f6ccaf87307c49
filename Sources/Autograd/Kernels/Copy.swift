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
        if source.dtype == dtype {
            dtype.dispatch(SameTypeCopy(source: source, strides: srcStrides, into: self))
        } else if source.dtype == .int64, dtype == .float32 {
            // int64 -> float must not round through Double twice; Float(Int64) rounds once.
            Tensor.copy(source, Int64.self, into: self, Float.self, srcStrides) { Float($0) }
        } else {
            source.dtype.dispatch(ConvertingCopy(source: source, strides: srcStrides, into: self))
        }
    }

    private struct SameTypeCopy: ElementDispatch {
        let source: Tensor, strides: [Int], into: Tensor
        func callAsFunction<T: TensorElement>(_: T.Type) { Tensor.copy(source, T.self, into: into, T.self, strides) { $0 } }
    }

    /// The conversions from `S`, through Double or Int64 as PyTorch's casts behave.
    private struct ConvertingCopy: ElementDispatch {
        let source: Tensor, strides: [Int], into: Tensor

        func callAsFunction<S: TensorElement>(_: S.Type) {
            switch into.dtype {
            case .float32: Tensor.copy(source, S.self, into: into, Float.self, strides) { Float($0.doubleValue) }
            case .float64: Tensor.copy(source, S.self, into: into, Double.self, strides) { $0.doubleValue }
            case .int64: Tensor.copy(source, S.self, into: into, Int64.self, strides) { $0.int64Value }
            case .bool: Tensor.copy(source, S.self, into: into, Bool.self, strides) { $0.doubleValue != 0 }
            }
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
