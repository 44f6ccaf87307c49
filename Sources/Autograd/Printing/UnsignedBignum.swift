// MARK: - Unsigned big integers, just enough for exact decimal expansions

/// A non-negative integer of any size, with only the operations that turn a
/// `Double`'s binary value into its exact decimal digits.
///
/// Every finite double is `m × 2^e`; its exact decimal digits are those of
/// `m << e` (when `e ≥ 0`) or of `m × 5^-e` (when `e < 0`, then shifted by `-e`
/// decimal places). The largest such number has about 2 500 bits, so schoolbook
/// arithmetic on 32-bit limbs is plenty.
struct UnsignedBignum {
    /// Little-endian 32-bit limbs, without high zero limbs (zero is `[]`).
    private var limbs: [UInt32]

    init(_ value: UInt64) {
        limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
        trimHighZeros()
    }

    var isZero: Bool { limbs.isEmpty }

    // MARK: Arithmetic

    /// Multiplies in place by a factor that fits in 32 bits.
    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        for index in limbs.indices {
            let product = UInt64(limbs[index]) * UInt64(factor) + carry
            limbs[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(truncatingIfNeeded: carry)) }
        trimHighZeros()
    }

    /// Multiplies in place by `5^exponent`.
    mutating func multiply(byPowerOfFive exponent: Int) {
        // 5^13 is the largest power of five below 2^32.
        let fiveToThe13: UInt32 = 1_220_703_125
        var remaining = exponent
        while remaining >= 13 {
            multiply(by: fiveToThe13)
            remaining -= 13
        }
        var tail: UInt32 = 1
        for _ in 0..<max(0, remaining) { tail *= 5 }
        multiply(by: tail)
    }

    /// Multiplies in place by `2^bits`.
    mutating func shiftLeft(by bits: Int) {
        guard bits > 0, !isZero else { return }
        let wholeLimbs = bits / 32
        let partialBits = UInt32(bits % 32)
        if partialBits != 0 {
            var carry: UInt32 = 0
            for index in limbs.indices {
                let limb = limbs[index]
                limbs[index] = (limb << partialBits) | carry
                carry = limb >> (32 - partialBits)
            }
            if carry != 0 { limbs.append(carry) }
        }
        limbs.insert(contentsOf: repeatElement(0, count: wholeLimbs), at: 0)
    }

    /// Divides in place by a non-zero 32-bit divisor and returns the remainder.
    private mutating func divide(by divisor: UInt32) -> UInt32 {
        var remainder: UInt64 = 0
        for index in limbs.indices.reversed() {
            let dividend = (remainder << 32) | UInt64(limbs[index])
            limbs[index] = UInt32(truncatingIfNeeded: dividend / UInt64(divisor))
            remainder = dividend % UInt64(divisor)
        }
        trimHighZeros()
        return UInt32(truncatingIfNeeded: remainder)
    }

    // MARK: Decimal digits

    /// The decimal digits (each 0...9), most significant first; `[]` for zero.
    func decimalDigits() -> [UInt8] {
        var rest = self
        var chunks: [UInt32] = []  // base 10^9, least significant first
        while !rest.isZero { chunks.append(rest.divide(by: 1_000_000_000)) }
        var digits: [UInt8] = []
        digits.reserveCapacity(chunks.count * 9)
        for (position, chunk) in chunks.reversed().enumerated() {
            var nine = [UInt8](repeating: 0, count: 9)
            var value = chunk
            for slot in stride(from: 8, through: 0, by: -1) {
                nine[slot] = UInt8(value % 10)
                value /= 10
            }
            // The most significant chunk carries no leading zeros.
            digits.append(contentsOf: position == 0 ? Array(nine.drop { $0 == 0 }) : nine)
        }
        return digits
    }

    private mutating func trimHighZeros() {
        while limbs.last == 0 { limbs.removeLast() }
    }
}
