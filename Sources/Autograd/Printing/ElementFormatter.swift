// MARK: - One element's text (PyTorch's `_Formatter`)

/// Formats single elements so that every element of a tensor gets the same width,
/// choosing the style from the elements that will be shown, as PyTorch's
/// `torch._tensor_str._Formatter` does.
struct ElementFormatter {
    /// How floating-point values are written.
    private enum Style {
        /// ints and bools: Python's `f"{value}"`.
        case plain
        /// Every shown finite value is an integer: `'{:.0f}'` plus a `.` (`28.`).
        case integral
        /// `'{:.4f}'`.
        case fixed
        /// `'{:.4e}'`, when magnitudes span too much or are very large or small.
        case scientific
    }

    private let style: Style
    /// The width every element is right-aligned to.
    let width: Int

    // MARK: Measuring

    /// A formatter for ints or bools, given the `f"{value}"` text of every shown element.
    init(plainTexts: some Sequence<String>) {
        style = .plain
        width = plainTexts.reduce(1) { max($0, $1.utf8.count) }
    }

    /// A formatter for floating-point values, given every shown element.
    ///
    /// Only finite non-zero values take part, so zeros, nan and infinities neither
    /// change the style nor widen the columns.
    init(floatingValues: some Sequence<Double>) {
        let measured = floatingValues.filter { $0.isFinite && $0 != 0 }
        guard let first = measured.first else {
            // Nothing to measure: PyTorch keeps integer mode and width 1.
            style = .integral
            width = 1
            return
        }
        var smallest = first.magnitude
        var largest = first.magnitude
        var allIntegers = true
        for value in measured {
            smallest = min(smallest, value.magnitude)
            largest = max(largest, value.magnitude)
            if !Self.isInteger(value) { allIntegers = false }
        }
        let chosen: Style
        if largest / smallest > 1000.0 || largest > 1.0e8 || smallest < 1.0e-4 {
            chosen = .scientific
        } else {
            chosen = allIntegers ? .integral : .fixed
        }
        style = chosen
        // For finite values this is PyTorch's measure, the `.` of integral mode included.
        width = measured.reduce(1) { max($0, Self.text(of: $1, style: chosen).utf8.count) }
    }

    // MARK: Formatting

    /// A floating-point element's text, right-aligned to `width`.
    func format(_ value: Double) -> String {
        padded(Self.text(of: value, style: style))
    }

    /// An int or bool element's text (`f"{value}"`), right-aligned to `width`.
    func format(plainText text: String) -> String {
        padded(text)
    }

    private func padded(_ text: String) -> String {
        let missing = width - text.utf8.count
        return missing > 0 ? String(repeating: " ", count: missing) + text : text
    }

    /// A floating-point value's text in a style, before alignment.
    private static func text(of value: Double, style: Style) -> String {
        switch style {
        case .scientific:
            return PythonFloatFormat.scientific(value, precision: PrintOptions.precision)
        case .integral:
            // The `.` marks a float; `nan` and `inf` need no mark.
            let digits = PythonFloatFormat.fixed(value, precision: 0)
            return value.isFinite ? digits + "." : digits
        case .fixed, .plain:
            return PythonFloatFormat.fixed(value, precision: PrintOptions.precision)
        }
    }

    /// Whether a finite value has no fractional part (PyTorch: `value == torch.ceil(value)`).
    ///
    /// Done without `rounded(_:)`, whose libm calls the `luagrad` executable does not link.
    private static func isInteger(_ value: Double) -> Bool {
        // From 2^52 on, every double is an integer; below, Int64 truncation is exact and safe.
        value.magnitude >= 0x1p52 || Double(Int64(value)) == value
    }
}
