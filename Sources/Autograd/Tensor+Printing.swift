/// `print(x)` shows what PyTorch's `str(x)` shows.
extension Tensor: CustomStringConvertible {
    public var description: String {
        let elements: PrintElements
        switch dtype {
        case .float32, .float64: elements = .floating { self.element($0) }
        case .int64: elements = .integer { self.integerElement($0) }
        case .bool: elements = .boolean { self.element($0) != 0 }
        }
        let text = TensorFormatter.string(shape: shape, dtype: dtype, elements: elements,
                                      requiresGrad: requiresGrad && isLeaf, gradFnName: gradFn?.name,
                                      tangent: tangent.map(Tensor.tangentText))
        return isParameter ? "Parameter containing:\n" + text : text
    }
}

extension Tensor {
    /// A tangent as PyTorch shows it: a 0-d one as its Python float (`tangent=2.0899996757507324`),
    /// others as their tensor text.
    static func tangentText(_ t: Tensor) -> String {
        t.ndim == 0 && t.dtype.isFloatingPoint ? t.element(0).description : t.description
    }
}
