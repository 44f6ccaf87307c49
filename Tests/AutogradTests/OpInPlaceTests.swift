import Testing
@testable import Autograd

/// Every in-place op of the table (`add_`, `scatter_`, ...) on its base op's samples, as
/// PyTorch's `test_inplace_grad` does: applied to a non-leaf clone of the first input, it must
/// give the out-of-place result, and gradients through it must match finite differences and
/// the base op's own gradients.
@Suite struct OpInPlaceTests {
    /// One base-op sample for one in-place op, with the reason it cannot run in place, if any.
    struct Case: Sendable, CustomTestStringConvertible {
        /// Position of the in-place op in `OpSampleCase.table`.
        let position: Int
        /// The base op's sample.
        let base: OpSampleCase
        let skipReason: String?

        var op: Op { OpSampleCase.table[position] }
        var testDescription: String { "\(op.name) on \(base)" + (skipReason.map { " — skipped: \($0)" } ?? "") }
    }

    /// Every sample of every in-place op's base, each marked with why it must be skipped.
    static let cases: [Case] = OpSampleCase.table.indices.flatMap { position -> [Case] in
        guard let base = OpSampleCase.table[position].inPlaceBase,
              let basePosition = OpSampleCase.table.firstIndex(where: { $0 === base }) else { return [] }
        return base.samples.indices.map { index in
            let sample = OpSampleCase(position: basePosition, index: index)
            return Case(position: position, base: sample, skipReason: skipReason(sample))
        }
    }

    /// Why `sample` of an out-of-place op cannot be written into its first input, or nil.
    static func skipReason(_ sample: OpSampleCase) -> String? {
        guard let first = sample.sample.inputs.first, OpSamples.isDifferentiable(first) else {
            return "the first input is not a float tensor"
        }
        do {
            let xs = try OpSamples.inputs(sample.sample)
            let result = try sample.op.apply(xs, sample.sample.args)
            if result.shape != xs[0].shape {
                return "the result \(Shapes.format(result.shape)) broadcasts the first input \(Shapes.format(xs[0].shape))"
            }
            if result.dtype != xs[0].dtype { return "the result's dtype \(result.dtype) promotes the first input's" }
            return nil
        } catch {
            return "the base op rejects the sample: \(error)"
        }
    }

    /// Applies the in-place op to a clone of `xs[0]` (a non-leaf, which may be written in place
    /// even when it requires grad) and returns what it wrote.
    static func applyInPlace(_ c: Case, _ xs: [Tensor]) throws -> Tensor {
        let target = try xs[0].clone()
        let result = try c.op.apply([target] + xs.dropFirst(), c.base.sample.args)
        #expect(result === target, "\(c.testDescription) returns the tensor it changed")
        return result
    }

    @Test("in place gives the out-of-place result", arguments: cases.filter { $0.skipReason == nil })
    func forwardMatchesBaseOp(_ c: Case) throws {
        let xs = try OpSamples.inputs(c.base.sample)
        let expected = try c.base.op.apply(xs, c.base.sample.args)
        let actual = try Self.applyInPlace(c, xs)
        #expect(actual.shape == expected.shape && actual.dtype == expected.dtype, "\(c.testDescription)")
        #expect(actual.doubles() == expected.doubles(), "\(c.testDescription)")
    }

    @Test("gradients through in place match finite differences", arguments: cases.filter { $0.skipReason == nil })
    func gradcheck(_ c: Case) throws {
        let xs = try OpSamples.inputs(c.base.sample)
        let ok = try Gradcheck.check({ try [Self.applyInPlace(c, $0)] }, inputs: xs)
        #expect(ok, "\(c.testDescription)")
    }

    @Test("gradients through in place equal the base op's", arguments: cases.filter { $0.skipReason == nil })
    func gradientsMatchBaseOp(_ c: Case) throws {
        let xs = try OpSamples.inputs(c.base.sample)
        let wanted = xs.filter(\.requiresGrad)
        let outOfPlace = try c.base.op.apply(xs, c.base.sample.args)
        let weight = try OpSamples.direction(like: outOfPlace, salt: 0)
        let expected = try Engine.grad(outputs: [outOfPlace], inputs: wanted, gradOutputs: [weight], allowUnused: true)
        let inPlace = try Self.applyInPlace(c, xs)
        let actual = try Engine.grad(outputs: [inPlace], inputs: wanted, gradOutputs: [weight], allowUnused: true)
        for (k, (a, e)) in zip(actual, expected).enumerated() {
            let mismatch = OpSamples.firstMismatch(a?.doubles() ?? [], e?.doubles() ?? [], atol: 1e-12, rtol: 1e-12)
            #expect(mismatch == nil, "\(c.testDescription), gradient of differentiable input \(k): \(mismatch ?? "")")
        }
    }

    /// The skipped samples, named with their reasons in the test output: writing the result
    /// into the first input is an error there, as in PyTorch.
    @Test("in place is refused where it is invalid", arguments: cases.filter { $0.skipReason != nil })
    func invalidSamplesAreRefused(_ c: Case) throws {
        let xs = try OpSamples.inputs(c.base.sample)
        #expect(throws: TorchError.self, "\(c.testDescription)") { try Self.applyInPlace(c, xs) }
    }

    /// In-place ops whose base op has no samples, so nothing here can check them: `zero`,
    /// `fill` and `copy` have none in the op table, and the random fills draw new numbers on
    /// every call (their draws are checked against PyTorch's in the Lua fixtures instead).
    static let opsWithoutSamples: Set<String> = [
        "zero_", "fill_", "copy_", "uniform_", "normal_", "bernoulli_", "random_",
    ]

    /// Every in-place op is checked on at least one sample, unless its base op has none; the
    /// failure message lists the skipped samples with their reasons.
    @Test func everyInPlaceOpIsChecked() {
        let checked = Set(Self.cases.filter { $0.skipReason == nil }.map(\.position))
        let skipped = Self.cases.compactMap { c in c.skipReason.map { "\(c.testDescription): \($0)" } }
        for (position, op) in OpSampleCase.table.enumerated() where op.inPlaceBase != nil && !checked.contains(position) {
            #expect(Self.opsWithoutSamples.contains(op.name),
                    "\(op.name) (table entry \(position)) has no sample it can run in place; skipped: \(skipped)")
        }
        #expect(!checked.isEmpty)
    }
}
