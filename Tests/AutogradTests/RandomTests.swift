import Foundation
import Testing
@testable import Autograd

// Bit-exact comparison of LuaGrad's Generator with PyTorch 2.15's CPU generator.
// The fixtures in Fixtures/random/ were recorded from real PyTorch by
// Fixtures/random/make_fixtures.py; see that script for their format.

// MARK: - Fixture format

/// One `torch.manual_seed(seed)` followed by steps drawn from the same stream.
private struct FixtureCase: Decodable {
    let name: String
    let seed: UInt64
    let steps: [Step]
}

/// One PyTorch call: its arguments and its exact output (or its error message).
private struct Step: Decodable {
    let op: String
    let dtype: String?
    let count: Int?
    let from: String?
    let to: String?
    let mean: String?
    let std: String?
    let p: String?
    let lambda: String?
    let low: Int64?
    let high: Int64?
    let rows: Int?
    let categories: Int?
    let numSamples: Int?
    let replacement: Bool?
    let probabilities: [String]?
    let seed: UInt64?
    let initialSeed: UInt64?
    let values: [FixtureValue]?
    let message: String?
}

/// A recorded element: a float as `float.hex()`, or an integer.
private enum FixtureValue: Decodable, CustomStringConvertible {
    case hex(String)
    case integer(Int64)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .hex(text)
        } else {
            self = .integer(try container.decode(Int64.self))
        }
    }

    var description: String {
        switch self {
        case .hex(let text): text
        case .integer(let value): "\(value)"
        }
    }
}

/// The fixture file `name` (without `.json`), found next to this source file.
private func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/random/\(name).json")
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// A `float.hex()` string as a Double (Swift parses C99 hex floats, `inf` and `nan`).
private func parseHex(_ text: String?) throws -> Double {
    guard let text, let value = Double(text) else { throw FixtureError("bad float \(text ?? "nil")") }
    return value
}

private struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Running a step

/// An output element reduced to what bit-exactness compares: its bit pattern.
private struct Bits: Equatable, CustomStringConvertible {
    let pattern: UInt64
    let text: String

    init(_ value: Float) { pattern = UInt64(value.bitPattern); text = "\(value) (\(value.bitPattern))" }
    init(_ value: Double) { pattern = value.bitPattern; text = "\(value) (\(value.bitPattern))" }
    init(_ value: Int64) { pattern = UInt64(bitPattern: value); text = "\(value)" }
    init(_ value: Bool) { pattern = value ? 1 : 0; text = "\(value)" }

    static func == (a: Bits, b: Bits) -> Bool { a.pattern == b.pattern }
    var description: String { text }
}

/// Fills a new array of `count` elements with `fill`.
private func filled<T>(_ count: Int, _ zero: T, _ fill: (UnsafeMutableBufferPointer<T>) throws -> Void) rethrows -> [T] {
    var values = [T](repeating: zero, count: count)
    try values.withUnsafeMutableBufferPointer { try fill($0) }
    return values
}

/// Performs `step` on `generator` and returns its output as bit patterns.
private func run(_ step: Step, on generator: Generator) throws -> [Bits] {
    let count = step.count ?? 3
    let dtype = step.dtype ?? "float32"
    switch (step.op, dtype) {
    case ("uniform", "float32"):
        let (from, to) = (try parseHex(step.from), try parseHex(step.to))
        return try filled(count, Float(0)) { try generator.fillUniform($0, from: from, to: to) }.map(Bits.init)
    case ("uniform", "float64"):
        let (from, to) = (try parseHex(step.from), try parseHex(step.to))
        return try filled(count, Double(0)) { try generator.fillUniform($0, from: from, to: to) }.map(Bits.init)
    case ("normal", "float32"):
        let (mean, std) = (try parseHex(step.mean), try parseHex(step.std))
        return try filled(count, Float(0)) { try generator.fillNormal($0, mean: mean, std: std) }.map(Bits.init)
    case ("normal", "float64"):
        let (mean, std) = (try parseHex(step.mean), try parseHex(step.std))
        return try filled(count, Double(0)) { try generator.fillNormal($0, mean: mean, std: std) }.map(Bits.init)
    case ("randint", "int64"):
        let (low, high) = (step.low ?? 0, step.high ?? 0)
        return try filled(count, Int64(0)) { try generator.fillRandint($0, low: low, high: high) }.map(Bits.init)
    case ("randint", "float32"):
        let (low, high) = (step.low ?? 0, step.high ?? 0)
        return try filled(count, Float(0)) { try generator.fillRandint($0, low: low, high: high) }.map(Bits.init)
    case ("randint", "float64"):
        let (low, high) = (step.low ?? 0, step.high ?? 0)
        return try filled(count, Double(0)) { try generator.fillRandint($0, low: low, high: high) }.map(Bits.init)
    case ("random", "int64"):
        return filled(count, Int64(0)) { generator.fillRandom($0) }.map(Bits.init)
    case ("random", "float32"):
        return filled(count, Float(0)) { generator.fillRandom($0) }.map(Bits.init)
    case ("random", "float64"):
        return filled(count, Double(0)) { generator.fillRandom($0) }.map(Bits.init)
    case ("randperm", _):
        return try generator.randperm(count).map(Bits.init)
    case ("multinomial", "float32"):
        let probabilities = try (step.probabilities ?? []).map { Float(try parseHex($0)) }
        return try probabilities.withUnsafeBufferPointer {
            try generator.multinomial($0, rows: step.rows ?? 1, categories: step.categories ?? $0.count,
                                      numSamples: step.numSamples ?? 0, replacement: step.replacement ?? false)
        }.map(Bits.init)
    case ("multinomial", "float64"):
        let probabilities = try (step.probabilities ?? []).map { try parseHex($0) }
        return try probabilities.withUnsafeBufferPointer {
            try generator.multinomial($0, rows: step.rows ?? 1, categories: step.categories ?? $0.count,
                                      numSamples: step.numSamples ?? 0, replacement: step.replacement ?? false)
        }.map(Bits.init)
    case ("bernoulliScalar", _):
        let p = try parseHex(step.p)
        switch dtype {
        case "float32": return try filled(count, Float(0)) { try generator.fillBernoulli($0, p: p) }.map(Bits.init)
        case "float64": return try filled(count, Double(0)) { try generator.fillBernoulli($0, p: p) }.map(Bits.init)
        case "int64": return try filled(count, Int64(0)) { try generator.fillBernoulli($0, p: p) }.map(Bits.init)
        default: return try filled(count, false) { try generator.fillBernoulli($0, p: p) }.map(Bits.init)
        }
    case ("bernoulliTensor", "float32"):
        let probabilities = try (step.probabilities ?? []).map { Float(try parseHex($0)) }
        return try probabilities.withUnsafeBufferPointer { p in
            try filled(p.count, Float(0)) { try generator.fillBernoulli($0, probabilities: p) }
        }.map(Bits.init)
    case ("bernoulliTensor", "float64"):
        let probabilities = try (step.probabilities ?? []).map { try parseHex($0) }
        return try probabilities.withUnsafeBufferPointer { p in
            try filled(p.count, Double(0)) { try generator.fillBernoulli($0, probabilities: p) }
        }.map(Bits.init)
    case ("exponential", "float32"):
        let lambda = try parseHex(step.lambda)
        return try filled(count, Float(0)) { try generator.fillExponential($0, lambda: lambda) }.map(Bits.init)
    case ("exponential", "float64"):
        let lambda = try parseHex(step.lambda)
        return try filled(count, Double(0)) { try generator.fillExponential($0, lambda: lambda) }.map(Bits.init)
    case ("manualSeed", _):
        generator.manualSeed(step.seed ?? 0)
        return [Bits(Int64(bitPattern: generator.initialSeed))]
    default:
        throw FixtureError("unknown step \(step.op) \(dtype)")
    }
}

/// The recorded output of `step`, in the same form as `run` returns.
private func expected(_ step: Step) throws -> [Bits] {
    if step.op == "manualSeed" { return [Bits(Int64(bitPattern: step.initialSeed ?? 0))] }
    let outputIsInteger = ["randperm", "multinomial"].contains(step.op)
    return try (step.values ?? []).map { value in
        switch (value, outputIsInteger ? "int64" : step.dtype ?? "float32") {
        case (.integer(let v), "bool"): return Bits(v != 0)
        case (.integer(let v), _): return Bits(v)
        case (.hex(let text), "float32"): return Bits(Float(try parseHex(text)))
        case (.hex(let text), _): return Bits(try parseHex(text))
        }
    }
}

/// Replays every case of a fixture file and records each step that differs.
private func replay(_ file: String) throws -> Int {
    let cases = try loadFixture(file, as: [FixtureCase].self)
    var steps = 0
    for fixture in cases {
        let generator = Generator()
        generator.manualSeed(fixture.seed)
        for (index, step) in fixture.steps.enumerated() {
            steps += 1
            let want = try expected(step)
            let got: [Bits]
            do {
                got = try run(step, on: generator)
            } catch {
                Issue.record("\(file): \(fixture.name), seed \(fixture.seed), step \(index): threw \(error)")
                break
            }
            guard got != want else { continue }
            let common = Swift.min(got.count, want.count)
            let firstDifference = (0..<common).first { got[$0] != want[$0] } ?? common
            let detail = firstDifference < common
                ? "element \(firstDifference): got \(got[firstDifference]), PyTorch \(want[firstDifference])"
                : "got \(got.count) elements, PyTorch \(want.count)"
            Issue.record("\(file): \(fixture.name), seed \(fixture.seed), step \(index) (\(step.op)): \(detail)")
            break   // later steps would differ anyway
        }
    }
    return steps
}

// MARK: - Tests against PyTorch's recorded output

@Suite("Random numbers match PyTorch 2.15 CPU bit for bit")
struct RandomFixtureTests {
    @Test("uniform: torch.rand and uniform_, float32 and float64")
    func uniform() throws { #expect(try replay("uniform") > 0) }

    @Test("normal: torch.randn and normal, scalar (<16) and vectorised (16+) paths")
    func normal() throws { #expect(try replay("normal") > 0) }

    @Test("integers: torch.randint (32- and 64-bit draws) and random_")
    func integers() throws { #expect(try replay("integers") > 0) }

    @Test("randperm")
    func randperm() throws { #expect(try replay("randperm") > 0) }

    @Test("multinomial with and without replacement")
    func multinomial() throws { #expect(try replay("multinomial") > 0) }

    @Test("bernoulli (scalar and tensor p) and exponential_")
    func bernoulliAndExponential() throws { #expect(try replay("bernoulli_exponential") > 0) }

    @Test("consecutive calls continue the stream and share the normal cache")
    func sequences() throws { #expect(try replay("sequences") > 0) }

    @Test("rejected arguments throw PyTorch's message and draw nothing")
    func errors() throws {
        let cases = try loadFixture("errors", as: [Step].self)
        #expect(!cases.isEmpty)
        for step in cases {
            let generator = Generator(seed: 0)
            do {
                _ = try run(step, on: generator)
                Issue.record("\(step.op): no error, PyTorch said \(step.message ?? "")")
            } catch let error as RandomError {
                #expect(error.message == step.message, "\(step.op)")
            }
            if step.op != "bernoulliTensor" {   // that one draws for the elements before the bad one
                #expect(generator.random() == Generator(seed: 0).random(), "\(step.op) drew numbers")
            }
        }
    }
}

// MARK: - The engine and the generator on their own

@Suite("MT19937 and Generator")
struct GeneratorTests {
    @Test("MT19937 seeded with 5489 gives the C++ standard's 10000th value")
    func standardCheckValue() {
        // [rand.predef]: the 10000th invocation of a default-constructed mt19937 produces 4123659995.
        var engine = MT19937(seed: 5489)
        var value: UInt32 = 0
        for _ in 0..<10_000 { value = engine.next32() }
        #expect(value == 4_123_659_995)
    }

    @Test("seeding keeps all 64 bits but uses the low 32 for the state")
    func seedBits() {
        let high = Generator(seed: 0x1234_5678_0000_0007)
        let low = Generator(seed: 7)
        #expect(high.initialSeed == 0x1234_5678_0000_0007)
        #expect(high.random() == low.random())
    }

    @Test("the default seed is PyTorch's default_rng_seed_val")
    func defaultSeed() {
        #expect(Generator().initialSeed == 67_280_421_310_721)
    }

    @Test("random64 puts the first 32-bit draw in the high half")
    func random64Order() {
        let a = Generator(seed: 3), b = Generator(seed: 3)
        let first = UInt64(b.random()), second = UInt64(b.random())
        #expect(a.random64() == first << 32 | second)
    }

    @Test("manualSeed restarts the stream and forgets cached normals")
    func manualSeedResets() throws {
        let generator = Generator(seed: 11)
        var one = [Double](repeating: 0, count: 1)
        try one.withUnsafeMutableBufferPointer { try generator.fillNormal($0) }
        #expect(generator.nextDoubleNormalSample != nil)
        generator.manualSeed(11)
        #expect(generator.nextDoubleNormalSample == nil)
        #expect(generator.initialSeed == 11)
        #expect(generator.random() == Generator(seed: 11).random())
    }

    @Test("a saved state replays the same numbers, cached normal included")
    func stateRoundTrip() throws {
        let generator = Generator(seed: 99)
        var values = [Float](repeating: 0, count: 3)
        try values.withUnsafeMutableBufferPointer { try generator.fillNormal($0) }   // leaves a cached sample
        let saved = generator.state
        var first = [Float](repeating: 0, count: 21)
        try first.withUnsafeMutableBufferPointer { try generator.fillNormal($0) }
        generator.state = saved
        var second = [Float](repeating: 0, count: 21)
        try second.withUnsafeMutableBufferPointer { try generator.fillNormal($0) }
        #expect(first.map(\.bitPattern) == second.map(\.bitPattern))
    }

    @Test("an invalid saved engine is refused")
    func invalidEngine() {
        #expect(MT19937(seed: 1, left: 0, next: 0, state: [UInt32](repeating: 0, count: 624)) == nil)
        #expect(MT19937(seed: 1, left: 1, next: 0, state: [1, 2, 3]) == nil)
        #expect(MT19937(seed: 1, left: 5, next: 624, state: [UInt32](repeating: 0, count: 624)) == nil)
        #expect(MT19937(seed: 1, left: 1, next: 624, state: [UInt32](repeating: 0, count: 624)) != nil)
    }

    @Test("empty fills draw nothing")
    func emptyFills() throws {
        let generator = Generator(seed: 5)
        try generator.fillNormal(UnsafeMutableBufferPointer<Float>(start: nil, count: 0))
        try generator.fillUniform(UnsafeMutableBufferPointer<Double>(start: nil, count: 0))
        try generator.fillRandint(UnsafeMutableBufferPointer<Int64>(start: nil, count: 0), low: 0, high: 3)
        #expect(try generator.randperm(1) == [0])
        #expect(generator.random() == Generator(seed: 5).random())
    }
}
