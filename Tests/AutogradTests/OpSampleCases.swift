import Testing
@testable import Autograd

/// One sample of one table op: the argument of the table-driven tests (`OpGradcheckTests`,
/// `OpInPlaceTests`, `OpForwardModeTests`).
///
/// A case is keyed by the op's position in the table, not by its name, since overloads share
/// a name (the three `pow`s); its description says which op and sample it is.
struct OpSampleCase: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    /// Every op the tests walk: the public table, then the graph's internal ops.
    static let table: [Op] = OpTable.all

    /// Position of the op in `table`.
    let position: Int
    /// Index of the sample in the op's `samples`.
    let index: Int

    var op: Op { Self.table[position] }
    var sample: OpSample { op.samples[index] }
    var description: String { "\(op.name) sample \(index) (table entry \(position))" }
    var testDescription: String { description }

    /// Every sample of every op for which `include` holds, in table order.
    static func all(where include: (Op) -> Bool = { _ in true }) -> [OpSampleCase] {
        table.indices.flatMap { position in
            include(table[position]) ? table[position].samples.indices.map { OpSampleCase(position: position, index: $0) } : []
        }
    }
}

// MARK: - Sample inputs

/// Helpers shared by the table-driven tests: sample inputs and finite differences.
enum OpSamples {
    /// Builds the sample's inputs with deterministic values in their domains; `.tensor` inputs
    /// are float64 leaves that require grad when `requiringGrad` is set.
    static func inputs(_ sample: OpSample, requiringGrad: Bool = true) throws -> [Tensor] {
        var values = DeterministicValues(seed: 0.37)
        return try sample.inputs.map { input in
            switch input {
            case .tensor(let shape, let domain):
                let t = try Tensor((0..<numel(shape)).map { _ in domain.value(at: values.next()) }, shape: shape)
                if requiringGrad { try t.setRequiresGrad(true) }
                return t
            case .number(let v):
                return try Tensor.number(v)
            case .mask(let shape):
                return try Tensor((0..<numel(shape)).map { $0 % 2 == 0 }, shape: shape)
            case .indices(let shape, let bound):
                return try Tensor((0..<numel(shape)).map { Int64(($0 * 7 + 3) % max(bound, 1)) }, shape: shape)
            case .constant(let shape):
                return try Tensor((0..<numel(shape)).map { _ in values.next() * 2 - 1 }, shape: shape)
            }
        }
    }

    /// Whether a sample input is differentiated (a `.tensor` input).
    static func isDifferentiable(_ input: SampleInput) -> Bool {
        if case .tensor = input { return true }
        return false
    }

    /// A float64 tensor shaped like `x` with deterministic values in [-1, 1), different for
    /// each `salt`: a direction for forward mode or an output weight.
    static func direction(like x: Tensor, salt: Int) throws -> Tensor {
        var values = DeterministicValues(seed: 0.61 + 0.05 * Double(salt % 7))
        return try Tensor((0..<x.numel).map { _ in values.next() * 2 - 1 }, shape: x.shape)
    }

    /// A direction for each of the sample's differentiable inputs (nil for the others).
    static func directions(for sample: OpSample, at xs: [Tensor]) throws -> [Tensor?] {
        try xs.indices.map { i in isDifferentiable(sample.inputs[i]) ? try direction(like: xs[i], salt: i) : nil }
    }

    private static func numel(_ shape: [Int]) -> Int { Shapes.numel(shape) ?? 0 }

    // MARK: - Finite differences

    /// The derivative of `function`'s first output at `inputs` along `directions` (one per
    /// input, nil for inputs held fixed), by central differences in float64:
    /// (f(x + eps·v) − f(x − eps·v)) / 2eps.
    static func directionalDerivative(_ function: ([Tensor]) throws -> Tensor, at inputs: [Tensor],
                                      along directions: [Tensor?], eps: Double = 1e-6) throws -> [Double] {
        func shifted(by step: Double) throws -> [Double] {
            let moved = try zip(inputs, directions).map { x, v -> Tensor in
                guard let v else { return x }
                let values = zip(x.doubles(), v.doubles()).map { $0 + step * $1 }
                return try Tensor(values, shape: x.shape)
            }
            return try withNoGrad { try function(moved).doubles() }
        }
        let plus = try shifted(by: eps), minus = try shifted(by: -eps)
        return zip(plus, minus).map { ($0 - $1) / (2 * eps) }
    }

    /// The first position where `actual` and `expected` differ by more than
    /// `atol + rtol·|expected|` (gradcheck's test), or nil when they agree everywhere.
    static func firstMismatch(_ actual: [Double], _ expected: [Double],
                              atol: Double = 1e-5, rtol: Double = 1e-3) -> String? {
        guard actual.count == expected.count else {
            return "\(actual.count) values where \(expected.count) were expected"
        }
        for (k, (a, e)) in zip(actual, expected).enumerated() where !(Swift.abs(a - e) <= atol + rtol * Swift.abs(e)) {
            return "element \(k): \(a), expected \(e)"
        }
        return nil
    }
}

/// A fixed sequence in [0, 1): sample values must be the same on every run.
private struct DeterministicValues {
    var seed: Double

    mutating func next() -> Double {
        seed = (seed * 7.31 + 0.137).truncatingRemainder(dividingBy: 1)
        return seed
    }
}

private extension SampleDomain {
    /// Maps `u` in [0, 1) into the domain.
    func value(at u: Double) -> Double {
        switch self {
        case .real: u * 4 - 2
        case .positive: 0.2 + u * 2
        case .awayFromZero: (u < 0.5 ? -1 : 1) * (0.5 + u)
        case .unitInterval: u * 1.8 - 0.9
        case .probability: 0.05 + u * 0.9
        }
    }
}
