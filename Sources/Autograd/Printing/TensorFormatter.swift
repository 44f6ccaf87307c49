// MARK: - str(tensor), character for character

/// PyTorch's `str(tensor)` and `str(tensor.shape)`, from plain data.
///
/// A port of `torch/_tensor_str.py` for dense CPU tensors with the default print
/// options (precision 4, threshold 1000, edge items 3, line width 80).
public enum TensorFormatter {
    /// The prefix every tensor's text starts with; continuation lines are indented past it.
    private static let prefix = "tensor("

    /// PyTorch's `str(tensor)`.
    ///
    /// - Parameters:
    ///   - shape: the sizes, `[]` for a 0-d tensor. Negative sizes count as 0.
    ///   - dtype: decides the `dtype=` suffix (shown unless float32, int64 or bool;
    ///     for empty tensors unless float32).
    ///   - elements: the values by row-major flat index; the case (not `dtype`)
    ///     decides how they are written. Only shown elements are read.
    ///   - requiresGrad: adds `requires_grad=True` when there is no `gradFnName`.
    ///   - gradFnName: adds `grad_fn=<name>`, for results of recorded operations.
    public static func string(shape: [Int], dtype: DType, elements: PrintElements,
                              requiresGrad: Bool = false, gradFnName: String? = nil,
                              tangent: String? = nil) -> String {
        let shape = shape.map { max(0, $0) }
        var suffixes: [String] = []
        let body: String
        if shape.contains(0) {
            // NumPy-style: the size is spelled out unless it is the plain `(0,)`,
            // and nothing shows an empty tensor's dtype except the suffix.
            if shape.count != 1 { suffixes.append("size=" + pythonTuple(shape)) }
            if dtype != .float32 { suffixes.append("dtype=\(dtype)") }
            body = "[]"
        } else {
            if ![.float32, .int64, .bool].contains(dtype) { suffixes.append("dtype=\(dtype)") }
            body = contents(shape: shape, elements: elements, indent: prefix.utf8.count)
        }
        if let gradFnName {
            suffixes.append("grad_fn=<\(gradFnName)>")
        } else if requiresGrad {
            suffixes.append("requires_grad=True")
        }
        // A forward-mode dual tensor shows its tangent last (`tangent=tensor(...)`).
        if let tangent { suffixes.append("tangent=" + tangent) }
        return appendingSuffixes(suffixes, to: prefix + body, indent: prefix.utf8.count)
    }

    /// PyTorch's `str(tensor.shape)`: `torch.Size([2, 3])`, `torch.Size([])`.
    public static func sizeString(_ shape: [Int]) -> String {
        "torch.Size([" + shape.map(String.init).joined(separator: ", ") + "])"
    }

    // MARK: - Contents (`_tensor_str`)

    /// The bracketed elements of a non-empty tensor.
    private static func contents(shape: [Int], elements: PrintElements, indent: Int) -> String {
        var count = 1
        var overflowed = false
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            count = product
            overflowed = overflowed || overflow
        }
        let layout = SummarizedLayout(shape: shape, summarize: overflowed || count > PrintOptions.threshold)

        let formatter: ElementFormatter
        let elementText: (Int) -> String
        switch elements {
        case .floating(let value):
            var shown: [Double] = []
            layout.forEachShownIndex { shown.append(value($0)) }
            formatter = ElementFormatter(floatingValues: shown)
            elementText = { formatter.format(value($0)) }
        case .integer(let value):
            var shown: [String] = []
            layout.forEachShownIndex { shown.append(String(value($0))) }
            formatter = ElementFormatter(plainTexts: shown)
            elementText = { formatter.format(plainText: String(value($0))) }
        case .boolean(let value):
            var shown: [String] = []
            layout.forEachShownIndex { shown.append(pythonBool(value($0))) }
            formatter = ElementFormatter(plainTexts: shown)
            elementText = { formatter.format(plainText: pythonBool(value($0))) }
        }
        let writer = TensorBodyWriter(layout: layout, elementWidth: formatter.width, elementText: elementText)
        return writer.write(indent: indent)
    }

    // MARK: - Suffixes (`_add_suffixes`)

    /// Appends `, suffix` for each suffix, moving one to a new line (indented past the
    /// prefix) when it would pass the line width, then the closing `)`.
    private static func appendingSuffixes(_ suffixes: [String], to text: String, indent: Int) -> String {
        var result = text
        // PyTorch's own measure: the last line's length plus 2 (or the whole length plus 2).
        let bytes = Array(text.utf8)
        let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) ?? -1
        var lastLineLength = bytes.count - lastNewline + 1
        for suffix in suffixes {
            let length = suffix.utf8.count
            if lastLineLength + length + 2 > PrintOptions.lineWidth {
                result += ",\n" + String(repeating: " ", count: indent) + suffix
                lastLineLength = indent + length
            } else {
                result += ", " + suffix
                lastLineLength += length + 2
            }
        }
        return result + ")"
    }

    // MARK: - Python spellings

    /// `str(tuple(shape))`: `(2, 3)`, `(0,)`, `()`.
    private static func pythonTuple(_ values: [Int]) -> String {
        let items = values.map(String.init)
        return "(" + items.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    }

    private static func pythonBool(_ value: Bool) -> String { value ? "True" : "False" }
}
