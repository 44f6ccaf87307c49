/// Kernels that read or write the elements a bool mask selects: masked_fill, masked_select,
/// masked_scatter.
extension Tensor {
    /// Checks that `mask` is a bool tensor, with `message` otherwise.
    static func checkMask(_ mask: Tensor, _ message: @autoclosure () -> String) throws {
        guard mask.dtype == .bool else { throw TorchError(message()) }
    }

    func maskedFillKernel(_ mask: Tensor, _ value: Scalar) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype.cTypeName)")
        let (out, selected) = try broadcastCopy(selectedBy: mask)
        let v = try Tensor.empty([], dtype: dtype)
        v.setScalar(value)
        for i in selected { out.setElementExact(i, from: v, at: 0) }
        return out
    }

    func maskedSelectKernel(_ mask: Tensor) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_select: expected BoolTensor for mask")
        let (values, selected) = try broadcastCopy(selectedBy: mask)
        let out = try Tensor.empty([selected.count], dtype: dtype)
        for (k, i) in selected.enumerated() { out.setElementExact(k, from: values, at: i) }
        return out
    }

    func maskedScatterKernel(_ mask: Tensor, _ source: Tensor) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_scatter_ only supports boolean masks, but got mask with dtype \(mask.dtype.scalarTypeName)")
        guard source.dtype == dtype else {
            throw TorchError("masked_scatter: expected self and source to have same dtypes but got\(dtype.scalarTypeName) and \(source.dtype.scalarTypeName)")
        }
        let (out, selected) = try broadcastCopy(selectedBy: mask)
        guard selected.count <= source.numel else { throw TorchError("Number of elements of source < number of ones in mask") }
        let src = try source.materialized()
        for (k, i) in selected.enumerated() { out.setElementExact(i, from: src, at: k) }
        return out
    }

    /// A contiguous copy of this tensor broadcast with the bool `mask`, and the row-major
    /// positions of the copy that the mask selects.
    private func broadcastCopy(selectedBy mask: Tensor) throws -> (copy: Tensor, selected: [Int]) {
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let copy = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let flags = m.pointer(Bool.self)
        return (copy, (0..<m.numel).filter { flags[$0] })
    }
}

extension DType {
    /// The C type name PyTorch shows in some messages (`long int`).
    var cTypeName: String {
        switch self {
        case .float32: "float"
        case .float64: "double"
        case .int64: "long int"
        case .bool: "bool"
        }
    }
}
