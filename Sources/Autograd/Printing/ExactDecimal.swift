// MARK: - The exact decimal value of a double

/// The exact decimal value of a finite `Double`, rounded the way CPython's
/// `'{:.4f}'` and `'{:.4e}'` round: correctly, from the binary value, ties to even.
///
/// Rounding from the shortest round-trip digits instead would round twice and get
/// cases like `1.00005` (really 1.000050000000000061…) wrong.
struct ExactDecimal {
    /// Significant digits (each 0...9) without leading or trailing zeros; `[]` for zero.
    private(set) var digits: [UInt8]
    /// The value is `0.d₀d₁d₂… × 10^pointPosition`: digits before the decimal point.
    private(set) var pointPosition: Int
    /// The sign bit, so `-0.0` keeps its minus sign as Python prints it.
    let isNegative: Bool

    /// The exact expansion of `value`, or `nil` for nan and infinities.
    init?(_ value: Double) {
        guard value.isFinite else { return nil }
        isNegative = value.sign == .minus
        // value = significand × 2^exponent, with an integer significand.
        var significand = value.significandBitPattern
        var exponent: Int
        if value.exponentBitPattern == 0 {
            exponent = -1074
        } else {
            significand |= 1 << 52
            exponent = Int(value.exponentBitPattern) - 1075
        }
        guard significand != 0 else {
            digits = []
            pointPosition = 0
            return
        }
        let trailingZeros = significand.trailingZeroBitCount
        significand >>= UInt64(trailingZeros)
        exponent += trailingZeros

        var number = UnsignedBignum(significand)
        if exponent >= 0 {
            number.shiftLeft(by: exponent)
            digits = number.decimalDigits()
            pointPosition = digits.count
        } else {
            // m × 2^e = m × 5^-e / 10^-e
            number.multiply(byPowerOfFive: -exponent)
            digits = number.decimalDigits()
            pointPosition = digits.count + exponent
        }
        trimTrailingZeros()
    }

    /// The digit at `index` counted from the first significant digit; zero outside the digits.
    func digit(at index: Int) -> UInt8 {
        digits.indices.contains(index) ? digits[index] : 0
    }

    // MARK: Rounding

    /// This value rounded to its first `count` significant digits, ties to even.
    ///
    /// `count` may be zero or negative (rounding to a decimal place left of the
    /// first digit) or beyond the digits (nothing to round).
    func rounded(keeping count: Int) -> ExactDecimal {
        guard count < digits.count else { return self }
        var result = self
        guard count >= 0 else {
            // The dropped part starts with a zero, so it is below one half.
            result.digits = []
            result.pointPosition = 0
            return result
        }
        let firstDropped = digits[count]
        let hasMoreDropped = count + 1 < digits.count  // digits never end in a zero
        let lastKeptIsOdd = count > 0 && digits[count - 1] % 2 == 1
        let roundsUp = firstDropped > 5 || (firstDropped == 5 && (hasMoreDropped || lastKeptIsOdd))

        result.digits = Array(digits[0..<count])
        if roundsUp {
            var index = count - 1
            while index >= 0, result.digits[index] == 9 {
                result.digits[index] = 0
                index -= 1
            }
            if index >= 0 {
                result.digits[index] += 1
            } else {
                // All nines (or nothing kept): the carry adds a new leading digit.
                result.digits.insert(1, at: 0)
                result.pointPosition += 1
            }
        }
        result.trimTrailingZeros()
        if result.digits.isEmpty { result.pointPosition = 0 }
        return result
    }

    private mutating func trimTrailingZeros() {
        while digits.last == 0 { digits.removeLast() }
    }
}
