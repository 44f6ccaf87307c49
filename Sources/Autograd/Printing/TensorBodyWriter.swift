// MARK: - The nested brackets (PyTorch's `_tensor_str_with_formatter`)

/// Writes the bracketed contents of a non-empty tensor: rows wrapped at the line
/// width, `...` in place of summarized items, a newline between rows and blank
/// lines between higher-dimensional blocks.
struct TensorBodyWriter {
    let layout: SummarizedLayout
    /// The formatter's column width, which decides how many items fit on a line.
    let elementWidth: Int
    /// The text of the element at a flat index, already aligned.
    let elementText: (Int) -> String

    /// The contents of the whole tensor; `indent` is the length of the `tensor(` prefix.
    func write(indent: Int) -> String {
        var text = ""
        write(dim: 0, offset: 0, indent: indent, into: &text)
        return text
    }

    // MARK: Levels

    private func write(dim: Int, offset: Int, indent: Int, into text: inout String) {
        if dim == layout.shape.count {
            text += elementText(offset)
        } else if dim == layout.shape.count - 1 {
            writeVector(offset: offset, indent: indent, into: &text)
        } else {
            writeBlocks(dim: dim, offset: offset, indent: indent, into: &text)
        }
    }

    /// A 1-d row: items separated by `, `, wrapped so each line holds as many as fit.
    private func writeVector(offset: Int, indent: Int, into text: inout String) {
        let dim = layout.shape.count - 1
        let stride = layout.strides[dim]
        let (head, tail) = layout.shownIndices(along: dim)
        var items = head.map { elementText(offset &+ $0 &* stride) }
        if let tail {
            items.append(" ...")
            items += tail.map { elementText(offset &+ $0 &* stride) }
        }
        // Each item counts as the formatter's width plus ", ", even when its text
        // is longer (a `nan` in a column of width 2).
        let perLine = max(1, floorDivide(PrintOptions.lineWidth - indent, elementWidth + 2))
        let lineBreak = ",\n" + String(repeating: " ", count: indent + 1)
        text += "["
        for start in Swift.stride(from: 0, to: items.count, by: perLine) {
            if start > 0 { text += lineBreak }
            text += items[start..<min(start + perLine, items.count)].joined(separator: ", ")
        }
        text += "]"
    }

    /// A dimension above the last: sub-blocks separated by `,`, one newline per
    /// dimension below this one, and the indentation of the next bracket level.
    private func writeBlocks(dim: Int, offset: Int, indent: Int, into text: inout String) {
        let stride = layout.strides[dim]
        let (head, tail) = layout.shownIndices(along: dim)
        let separator = "," + String(repeating: "\n", count: layout.shape.count - dim - 1)
            + String(repeating: " ", count: indent + 1)
        text += "["
        for index in head {
            if index > head.lowerBound { text += separator }
            write(dim: dim + 1, offset: offset &+ index &* stride, indent: indent + 1, into: &text)
        }
        if let tail {
            text += separator + "..."
            for index in tail {
                text += separator
                write(dim: dim + 1, offset: offset &+ index &* stride, indent: indent + 1, into: &text)
            }
        }
        text += "]"
    }

    /// Python's `math.floor(a / b)` for a positive `b`.
    private func floorDivide(_ dividend: Int, _ divisor: Int) -> Int {
        let quotient = dividend / divisor
        return (dividend % divisor != 0 && dividend < 0) ? quotient - 1 : quotient
    }
}
