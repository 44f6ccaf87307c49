#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Element-wise distributions, each reproducing one PyTorch CPU kernel bit for bit.
//
// Every fill writes its elements in buffer order, which is PyTorch's order for a
// contiguous tensor. Argument checks come first and throw PyTorch's own message
// without drawing anything; an empty buffer draws nothing either.

// MARK: - Single draws (aten/src/ATen/core/DistributionsHelper.h)

extension Generator {
    /// `uniform_real_distribution<float>(0, 1)`: 24 random bits of one 32-bit draw.
    @inline(__always)
    func standardUniformFloat() -> Float {
        Float(random() & 0xff_ffff) * 0x1p-24
    }

    /// `uniform_real_distribution<double>(0, 1)`: 53 random bits of one 64-bit draw.
    @inline(__always)
    func standardUniformDouble() -> Double {
        Double(random64() & 0x1f_ffff_ffff_ffff) * 0x1p-53
    }

    /// One sample of `at::normal_distribution<double>(mean, std)`.
    ///
    /// Box–Muller on two double uniforms; the unused `r·sin θ` is cached in
    /// `nextDoubleNormalSample` and returned (scaled) by the next call. This is the
    /// scalar path of `normal_kernel`, used for fewer than 16 elements of any dtype.
    /// Rounding follows PyTorch's AVX2 build: `value·std + mean` is one fused step.
    public func normalSample(mean: Double, std: Double) -> Double {
        if let cached = nextDoubleNormalSample {
            nextDoubleNormalSample = nil
            return mean.addingProduct(cached, std)
        }
        let u1 = standardUniformDouble()
        let u2 = standardUniformDouble()
        let radius = (log1p(-u2) * -2).squareRoot()
        let theta = 2 * Double.pi * u1
        nextDoubleNormalSample = radius * sin(theta)
        return mean.addingProduct(radius * cos(theta), std)
    }
}

// MARK: - Uniform: torch.rand, torch.rand_like, Tensor.uniform_

extension Generator {
    /// Fills `out` like `out.uniform_(from, to)` on a float32 tensor (`torch.rand`).
    ///
    /// Follows `uniform_impl_` (native/DistributionTemplates.h) for the checks and
    /// `uniform_kernel` (native/cpu/DistributionTemplates.h) for the values: one
    /// 32-bit draw per element, `x·(to − from) + from` fused in float, and a result
    /// that rounds up to `to` replaced by `from`.
    public func fillUniform(_ out: UnsafeMutableBufferPointer<Float>, from: Double = 0, to: Double = 1) throws {
        let (low, high) = try checkedUniformBounds(from: from, to: to, lowest: -Double(Float.greatestFiniteMagnitude),
                                                   max: Double(Float.greatestFiniteMagnitude),
                                                   dtype: "float", typeName: "Float")
        let from = Float(low), to = Float(high)
        let span = to - from
        guard let base = out.baseAddress else { return }
        generate(into: base, count: out.count) { word in
            let value = from.addingProduct(Float(word & 0xff_ffff) * 0x1p-24, span)
            return value == to ? from : value
        }
    }

    /// Fills `out` like `out.uniform_(from, to)` on a float64 tensor: one 64-bit draw
    /// per element, otherwise as the float32 version.
    public func fillUniform(_ out: UnsafeMutableBufferPointer<Double>, from: Double = 0, to: Double = 1) throws {
        let (from, to) = try checkedUniformBounds(from: from, to: to, lowest: -Double.greatestFiniteMagnitude,
                                                  max: Double.greatestFiniteMagnitude,
                                                  dtype: "double", typeName: "Double")
        let span = to - from
        guard let base = out.baseAddress else { return }
        fillStandardUniform(base, count: out.count)
        for i in out.indices {
            let value = from.addingProduct(base[i], span)
            out[i] = value == to ? from : value
        }
    }

    /// The checks and clamping of `uniform_impl_`.
    private func checkedUniformBounds(from: Double, to: Double, lowest: Double, max: Double,
                                      dtype: String, typeName: String) throws -> (Double, Double) {
        guard from >= lowest, from <= max else { throw RandomError("from is out of bounds for \(dtype)") }
        guard to >= lowest, to <= max else { throw RandomError("to is out of bounds for \(dtype)") }
        guard from <= to else {
            throw RandomError("uniform_ expects to return a [from, to) range, but found from=\(cppFormat(from)) > to=\(cppFormat(to))")
        }
        guard to - from <= max else {
            throw RandomError("uniform_ expects to-from <= std::numeric_limits<\(typeName)>::max(), but found to=\(cppFormat(to)) and from=\(cppFormat(from)) which result in to-from to exceed the limit")
        }
        return (Swift.min(Swift.max(from, lowest), max), Swift.max(Swift.min(to, max), lowest))
    }
}

// MARK: - Normal: torch.randn, torch.normal(mean, std, size), Tensor.normal_

extension Generator {
    /// Fills `out` like `out.normal_(mean, std)` on a contiguous float32 tensor (`torch.randn`).
    ///
    /// Follows `normal_kernel` (native/cpu/DistributionTemplates.h):
    /// - fewer than 16 elements: the scalar path, one `normalSample` per element,
    ///   computed in double and rounded to float; it shares the double cache;
    /// - 16 or more: `normal_fill_AVX2`: all elements get a float uniform, each block
    ///   of 16 becomes normals (`NormalFill16.float`), and when the count is not a
    ///   multiple of 16 the last 16 elements are redrawn (16 fresh uniforms) and
    ///   transformed again, overwriting the overlap with the last full block.
    public func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, mean: Double = 0, std: Double = 1) throws {
        try checkNormalStd(std)
        guard let base = out.baseAddress else { return }
        let count = out.count
        guard count >= 16 else {
            for i in 0..<count { out[i] = Float(normalSample(mean: mean, std: std)) }
            return
        }
        let mean = Float(mean), std = Float(std)
        // Uniforms and transform alternate by chunks that stay in cache; the
        // transform draws nothing, so the draws keep PyTorch's order.
        for start in stride(from: 0, to: count, by: Self.normalChunk) {
            let n = Swift.min(Self.normalChunk, count - start)
            fillStandardUniform(base + start, count: n)
            NormalFill16.float(base + start, blocks: n / 16, mean: mean, std: std)
        }
        if count % 16 != 0 {
            let tail = base + (count - 16)
            fillStandardUniform(tail, count: 16)
            NormalFill16.float(tail, blocks: 1, mean: mean, std: std)
        }
    }

    /// Fills `out` like `out.normal_(mean, std)` on a contiguous float64 tensor.
    ///
    /// Same structure as the float32 version; the 16+ path is `normal_fill<double>`
    /// (uniforms from 64-bit draws, glibc's `log`/`sin`/`cos`, `NormalFill16.double`).
    public func fillNormal(_ out: UnsafeMutableBufferPointer<Double>, mean: Double = 0, std: Double = 1) throws {
        try checkNormalStd(std)
        guard let base = out.baseAddress else { return }
        let count = out.count
        guard count >= 16 else {
            for i in 0..<count { out[i] = normalSample(mean: mean, std: std) }
            return
        }
        for start in stride(from: 0, to: count, by: Self.normalChunk) {
            let n = Swift.min(Self.normalChunk, count - start)
            fillStandardUniform(base + start, count: n)
            NormalFill16.double(base + start, blocks: n / 16, mean: mean, std: std)
        }
        if count % 16 != 0 {
            let tail = base + (count - 16)
            fillStandardUniform(tail, count: 16)
            NormalFill16.double(tail, blocks: 1, mean: mean, std: std)
        }
    }

    /// Elements per uniform-then-normal chunk: a multiple of 16 (blocks never straddle
    /// chunks) small enough to stay in the L1 cache between the two passes.
    private static let normalChunk = 2048

    /// `count` float uniforms (`standardUniformFloat`) at `out`, in one loop.
    private func fillStandardUniform(_ out: UnsafeMutablePointer<Float>, count: Int) {
        generate(into: out, count: count) { Float($0 & 0xff_ffff) * 0x1p-24 }
    }

    /// `count` double uniforms (`standardUniformDouble`) at `out`: 64-bit draws made
    /// of two 32-bit ones, high first, gathered a few hundred at a time.
    private func fillStandardUniform(_ out: UnsafeMutablePointer<Double>, count: Int) {
        let batch = 512
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * batch) { words in
            let words = words.baseAddress!
            for start in stride(from: 0, to: count, by: batch) {
                let n = Swift.min(batch, count - start)
                generate(into: words, count: 2 * n) { $0 }
                for i in 0..<n {
                    let draw = UInt64(words[2 * i]) << 32 | UInt64(words[2 * i + 1])
                    out[start + i] = Double(draw & 0x1f_ffff_ffff_ffff) * 0x1p-53
                }
            }
        }
    }

    /// `CHECK_NORMAL_STD` of `normal_impl_`.
    private func checkNormalStd(_ std: Double) throws {
        guard std >= 0 else { throw RandomError("normal expects std >= 0.0, but found std \(cppFormat(std))") }
    }
}

// MARK: - Integers: torch.randint, Tensor.random_(from, to), Tensor.random_()

extension Generator {
    /// Fills `out` like `torch.randint(low, high, size)` (int64): uniform in [low, high).
    ///
    /// Follows `random_from_to_impl` and `uniform_int_from_to_distribution`: with
    /// `range = high − low`, each element is `draw % range + low`, where the draw is
    /// one 32-bit value when `range < 2²⁸` and a 64-bit value otherwise (the
    /// threshold of PyTorch's open-source builds; Meta's internal builds use 2³²).
    public func fillRandint(_ out: UnsafeMutableBufferPointer<Int64>, low: Int64, high: Int64) throws {
        let range = try randintRange(low: low, high: high)
        for i in out.indices { out[i] = randintDraw(range: range, base: low) }
    }

    /// Fills `out` like `torch.randint(low, high, size, dtype=torch.float32)`.
    ///
    /// The draws are those of the int64 version (64-bit once the range reaches
    /// 2²⁸); bounds are first moved inward as
    /// `update_from`/`update_to` do, so that rounding to float stays in [low, high).
    public func fillRandint(_ out: UnsafeMutableBufferPointer<Float>, low: Int64, high: Int64) throws {
        let (from, range) = try floatRandintBounds(low: low, high: high, digits: Float.significandBitCount + 1) {
            Float($0).truncatedToInt64LikeX86
        }
        for i in out.indices { out[i] = Float(randintDraw(range: range, base: from)) }
    }

    /// Fills `out` like `torch.randint(low, high, size, dtype=torch.float64)`.
    public func fillRandint(_ out: UnsafeMutableBufferPointer<Double>, low: Int64, high: Int64) throws {
        let (from, range) = try floatRandintBounds(low: low, high: high, digits: Double.significandBitCount + 1) {
            Double($0).truncatedToInt64LikeX86
        }
        for i in out.indices { out[i] = Double(randintDraw(range: range, base: from)) }
    }

    /// Fills `out` like `Tensor.random_()` on int64: uniform in [0, 2⁶³ − 1], one
    /// 64-bit draw each (`uniform_int_distribution<int64_t>`).
    public func fillRandom(_ out: UnsafeMutableBufferPointer<Int64>) {
        for i in out.indices { out[i] = Int64(random64() % (UInt64(Int64.max) + 1)) }
    }

    /// Fills `out` like `Tensor.random_()` on float32: integers in [0, 2²⁴], one
    /// 32-bit draw each.
    public func fillRandom(_ out: UnsafeMutableBufferPointer<Float>) {
        for i in out.indices { out[i] = Float(UInt64(random()) % ((1 << 24) + 1)) }
    }

    /// Fills `out` like `Tensor.random_()` on float64: integers in [0, 2⁵³], one
    /// 64-bit draw each.
    public func fillRandom(_ out: UnsafeMutableBufferPointer<Double>) {
        for i in out.indices { out[i] = Double(random64() % ((1 << 53) + 1)) }
    }

    /// `transformation::uniform_int_from_to` with the draw width PyTorch picks.
    @inline(__always)
    private func randintDraw(range: UInt64, base: Int64) -> Int64 {
        let draw = range >= 1 << 28 ? random64() : UInt64(random())
        return Int64(bitPattern: draw % range &+ UInt64(bitPattern: base))
    }

    /// The `[from, to)` checks of `random_from_to_impl` for integer outputs.
    private func randintRange(low: Int64, high: Int64) throws -> UInt64 {
        guard low < high else {
            throw RandomError("random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)")
        }
        return UInt64(bitPattern: high) &- UInt64(bitPattern: low)
    }

    /// The `[from, to)` checks and bound updates of `random_from_to_impl` for floats.
    private func floatRandintBounds(low: Int64, high: Int64, digits: Int,
                                    roundTrip: (Int64) -> Int64) throws -> (from: Int64, range: UInt64) {
        guard low < high else {
            throw RandomError("random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)")
        }
        // update_from: move `from` right when from + 1 rounds below from.
        var from = low
        let fromPlusOne = roundTrip(low &+ 1)
        if fromPlusOne < from {
            let n = Self.floorLog2(magnitudeOf: low &+ 1)
            from = fromPlusOne &+ (1 << Swift.max(0, n - digits + 1))
        }
        // update_to: move `to` left when to - 1 rounds to to or above.
        var to = high
        let toMinusOne = roundTrip(high &- 1)
        if toMinusOne >= to {
            let n = Self.floorLog2(magnitudeOf: high &- 1)
            to = toMinusOne &- (1 << Swift.max(0, n - digits + 1))
        }
        guard from < to else {
            throw RandomError("random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=\(from) >= to=\(to)")
        }
        // check_from_to_in_range cannot fail: every int64 lies within float range
        // (its precision check only logs a warning).
        return (from, UInt64(bitPattern: to) &- UInt64(bitPattern: from))
    }

    /// `n` with `2ⁿ ≤ |value| < 2ⁿ⁺¹` (0 for 0 and 1), as the shift loop of `update_from` finds it.
    private static func floorLog2(magnitudeOf value: Int64) -> Int {
        let magnitude = value.magnitude
        return magnitude == 0 ? 0 : UInt64.bitWidth - 1 - magnitude.leadingZeroBitCount
    }
}

// MARK: - Bernoulli: torch.bernoulli, Tensor.bernoulli_, dropout masks

/// An element type that can hold a Bernoulli outcome: 1 (or `true`) for success.
public protocol BernoulliOutcome {
    init(bernoulliSuccess: Bool)
}

extension Bool: BernoulliOutcome {
    public init(bernoulliSuccess: Bool) { self = bernoulliSuccess }
}

extension Int64: BernoulliOutcome {
    public init(bernoulliSuccess: Bool) { self = bernoulliSuccess ? 1 : 0 }
}

extension Float: BernoulliOutcome {
    public init(bernoulliSuccess: Bool) { self = bernoulliSuccess ? 1 : 0 }
}

extension Double: BernoulliOutcome {
    public init(bernoulliSuccess: Bool) { self = bernoulliSuccess ? 1 : 0 }
}

extension Generator {
    /// Fills `out` like `out.bernoulli_(p)` with a number `p` (and `torch.bernoulli(x, p)`,
    /// dropout's mask): success when a double uniform (64-bit draw) is below `p`.
    ///
    /// Follows `bernoulli_impl_` and the default `bernoulli_scalar_kernel` (PyTorch's
    /// MKL variant is compiled out of its release builds).
    public func fillBernoulli<T: BernoulliOutcome>(_ out: UnsafeMutableBufferPointer<T>, p: Double) throws {
        guard p >= 0, p <= 1 else {
            throw RandomError("bernoulli_ expects p to be in [0, 1], but got p=\(cppFormat(p))")
        }
        guard let base = out.baseAddress else { return }
        let batch = 512
        withUnsafeTemporaryAllocation(of: Double.self, capacity: batch) { uniforms in
            let uniforms = uniforms.baseAddress!
            for start in stride(from: 0, to: out.count, by: batch) {
                let n = Swift.min(batch, out.count - start)
                fillStandardUniform(uniforms, count: n)
                for i in 0..<n { base[start + i] = T(bernoulliSuccess: uniforms[i] < p) }
            }
        }
    }

    /// Fills `out` like `torch.bernoulli(probabilities)` with float32 probabilities:
    /// success when a float uniform (32-bit draw) is below the element's probability.
    ///
    /// Follows `bernoulli_kernel(self, p_)`. A probability outside [0, 1] stops the
    /// fill with PyTorch's message after the earlier elements were drawn, as in PyTorch.
    public func fillBernoulli<T: BernoulliOutcome>(_ out: UnsafeMutableBufferPointer<T>,
                                                   probabilities: UnsafeBufferPointer<Float>) throws {
        try checkSameCount(out.count, probabilities.count)
        for i in out.indices {
            let p = probabilities[i]
            guard p >= 0, p <= 1 else { throw Self.bernoulliRangeError }
            out[i] = T(bernoulliSuccess: standardUniformFloat() < p)
        }
    }

    /// Fills `out` like `torch.bernoulli(probabilities)` with float64 probabilities:
    /// success when a double uniform (64-bit draw) is below the element's probability.
    public func fillBernoulli<T: BernoulliOutcome>(_ out: UnsafeMutableBufferPointer<T>,
                                                   probabilities: UnsafeBufferPointer<Double>) throws {
        try checkSameCount(out.count, probabilities.count)
        for i in out.indices {
            let p = probabilities[i]
            guard p >= 0, p <= 1 else { throw Self.bernoulliRangeError }
            out[i] = T(bernoulliSuccess: standardUniformDouble() < p)
        }
    }

    /// The failed `TORCH_CHECK_IF_NOT_ON_CUDA` of `bernoulli_distribution`.
    private static let bernoulliRangeError = RandomError(
        "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)")

    private func checkSameCount(_ outCount: Int, _ inCount: Int) throws {
        guard outCount == inCount else {
            throw RandomError("bernoulli: expected \(outCount) probabilities, got \(inCount)")
        }
    }
}

// MARK: - Exponential: Tensor.exponential_ (and multinomial without replacement)

extension Generator {
    /// Fills `out` like `out.exponential_(lambda)` on a float32 tensor:
    /// `(−1/λ)·log1p(−u)` in double from a double uniform, then rounded to float.
    ///
    /// Follows `exponential_kernel` (native/cpu/DistributionTemplates.h); PyTorch's
    /// MKL variant is disabled in its release builds.
    public func fillExponential(_ out: UnsafeMutableBufferPointer<Float>, lambda: Double = 1) throws {
        try checkLambda(lambda)
        for i in out.indices { out[i] = Float(exponentialSample(lambda: lambda)) }
    }

    /// Fills `out` like `out.exponential_(lambda)` on a float64 tensor.
    public func fillExponential(_ out: UnsafeMutableBufferPointer<Double>, lambda: Double = 1) throws {
        try checkLambda(lambda)
        for i in out.indices { out[i] = exponentialSample(lambda: lambda) }
    }

    /// One sample of `exponential_distribution<double>(lambda)`.
    @inline(__always)
    func exponentialSample(lambda: Double) -> Double {
        let u = standardUniformDouble()
        return (-1 / lambda) * log1p(-u)
    }

    private func checkLambda(_ lambda: Double) throws {
        guard lambda > 0 else {
            throw RandomError("exponential_ expects lambda > 0.0, but found lambda=\(cppFormat(lambda))")
        }
    }
}

// MARK: - Helpers

extension BinaryFloatingPoint {
    /// `static_cast<int64_t>(x)` as x86-64 executes it (`cvttss2si`/`cvttsd2si`):
    /// truncation, and the "integer indefinite" `Int64.min` where C++ leaves the
    /// result undefined (NaN, or |x| ≥ 2⁶³). `update_to` relies on the latter for
    /// bounds near `Int64.max`.
    var truncatedToInt64LikeX86: Int64 {
        guard self >= -0x1p63, self < 0x1p63 else { return .min }
        return Int64(self)
    }
}

/// A double as C++'s `operator<<` prints it in PyTorch's messages (`%g`).
func cppFormat(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    var buffer = [CChar](repeating: 0, count: 32)
    let written = withVaList([value]) { arguments in
        buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%g", arguments) }
    }
    guard written > 0 else { return "\(value)" }
    return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
