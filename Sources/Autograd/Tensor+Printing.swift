/// `print(x)` shows what PyTorch's `str(x)` shows.
extension Tensor: CustomStringConvertible {
    public var description: String {
        let elements: PrintElements
        switch dtype {
        case .float32, .float64: elements = .floating { self.element($0) }
        case .int64: elements = .integer { self.integerElement($0) }
        case .bool: elements = .boolean { self.element($0) != 0 }
        }
        return TensorFormatter.string(shape: shape, dtype: dtype, elements: elements,
                                      requiresGrad: requiresGrad && isLeaf, gradFnName: gradFn?.name)
    }
}
