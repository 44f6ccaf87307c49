// MARK: - Python's float format specs

/// CPython's `format(value, '.Nf')` and `format(value, '.Ne')` for doubles.
///
/// Non-finite values print as `nan`, `inf` and `-inf` (Python never prints a sign on
/// nan); negative values, `-0.0` included, keep their minus sign even when they round
/// to zero.
enum PythonFloatFormat {
    /// `'{:.<precision>f}'.format(value)`: fixed point, no decimal point when `precision` is 0.
    static func fixed(_ value: Double, precision: Int) -> String {
        guard let exact = ExactDecimal(value) else { return nonFinite(value) }
        let rounded = exact.rounded(keeping: exact.pointPosition + precision)
        var text: [UInt8] = rounded.isNegative ? [UInt8(ascii: "-")] : []
        if rounded.pointPosition <= 0 {
            text.append(UInt8(ascii: "0"))
        } else {
            for index in 0..<rounded.pointPosition { text.append(ascii(rounded.digit(at: index))) }
        }
        if precision > 0 {
            text.append(UInt8(ascii: "."))
            for place in 0..<precision { text.append(ascii(rounded.digit(at: rounded.pointPosition + place))) }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `'{:.<precision>e}'.format(value)`: one digit, the fraction, then `e±XX` (two exponent digits at least).
    static func scientific(_ value: Double, precision: Int) -> String {
        guard let exact = ExactDecimal(value) else { return nonFinite(value) }
        let rounded = exact.rounded(keeping: precision + 1)
        var text: [UInt8] = rounded.isNegative ? [UInt8(ascii: "-")] : []
        text.append(ascii(rounded.digit(at: 0)))
        if precision > 0 {
            text.append(UInt8(ascii: "."))
            for index in 1...precision { text.append(ascii(rounded.digit(at: index))) }
        }
        // Zero has no significant digit; Python writes its exponent as +00.
        let exponent = rounded.digits.isEmpty ? 0 : rounded.pointPosition - 1
        let magnitude = String(exponent.magnitude)
        let exponentText = (exponent < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" + magnitude : magnitude)
        return String(decoding: text, as: UTF8.self) + exponentText
    }

    private static func nonFinite(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        return value < 0 ? "-inf" : "inf"
    }

    private static func ascii(_ digit: UInt8) -> UInt8 { UInt8(ascii: "0") + digit }
}
