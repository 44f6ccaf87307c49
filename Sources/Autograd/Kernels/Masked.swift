/// Kernels that read or write the elements a bool mask selects: masked_fill, masked_select,
/// masked_scatter.
extension Tensor {
    /// Checks that `mask` is a bool tensor, with `message` otherwise.
    static func checkMask(_ mask: Tensor, _ message: @autoclosure () -> String) throws {
        guard mask.dtype == .bool else { throw TorchError(message()) }
    }

    func maskedFillKernel(_ mask: Tensor, _ value: Scalar) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype.cTypeName)")
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let out = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let v = try Tensor.empty([], dtype: dtype)
        v.setScalar(value)
        let flags = m.pointer(Bool.self)
        for i in 0..<out.numel where flags[i] { out.setElementExact(i, from: v, at: 0) }
        return out
    }

    func maskedSelectKernel(_ mask: Tensor) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_select: expected BoolTensor for mask")
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let values = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let flags = m.pointer(Bool.self)
        var count = 0
        for i in 0..<m.numel where flags[i] { count += 1 }
        let out = try Tensor.empty([count], dtype: dtype)
        var k = 0
        for i in 0..<m.numel where flags[i] {
            out.setElementExact(k, from: values, at: i)
            k += 1
        }
        return out
    }

    func maskedScatterKernel(_ mask: Tensor, _ source: Tensor) throws -> Tensor {
        try Tensor.checkMask(mask, "masked_scatter_ only supports boolean masks, but got mask with dtype \(mask.dtype.scalarTypeName)")
        guard source.dtype == dtype else {
            throw TorchError("masked_scatter: expected self and source to have same dtypes but got\(dtype.scalarTypeName) and \(source.dtype.scalarTypeName)")
        }
        let shape = try Shapes.broadcast(mask.shape, self.shape)
        let out = try broadcastCopy(shape)
        let m = try mask.broadcastCopy(shape)
        let flags = m.pointer(Bool.self)
        var count = 0
        for i in 0..<m.numel where flags[i] { count += 1 }
        guard count <= source.numel else { throw TorchError("Number of elements of source < number of ones in mask") }
        let src = try source.materialized()
        var k = 0
        for i in 0..<m.numel where flags[i] {
            out.setElementExact(i, from: src, at: k)
            k += 1
        }
        return out
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
