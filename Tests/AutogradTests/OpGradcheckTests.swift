import Testing
@testable import Autograd

/// Every op in the table with samples: its backward formula against finite differences, in
/// float64, at first and second order. Adding an op with samples adds it here.
@Suite struct OpGradcheckTests {
    static let cases: [(String, Int)] = OpTable.all.flatMap { op in
        op.samples.indices.map { (op.name + (op.signature.names.count > 0 ? "" : ""), $0) }
    }

    static func op(named name: String) -> Op? {
        OpTable.all.first { $0.name == name }
    }

    /// Builds the sample's inputs with deterministic values in their domains.
    static func inputs(_ sample: OpSample) throws -> [Tensor] {
        var seed = 0.37
        func next() -> Double {
            seed = (seed * 7.31 + 0.137).truncatingRemainder(dividingBy: 1)
            return seed
        }
        return try sample.inputs.map { input in
            switch input {
            case .tensor(let shape, let domain):
                let n = Shapes.numel(shape) ?? 0
                let values: [Double] = (0..<n).map { _ in
                    let u = next()
                    switch domain {
                    case .real: return u * 4 - 2
                    case .positive: return 0.2 + u * 2
                    case .awayFromZero: return (u < 0.5 ? -1 : 1) * (0.5 + u)
                    case .unitInterval: return u * 1.8 - 0.9
                    }
                }
                let t = try Tensor(values, shape: shape)
                try t.setRequiresGrad(true)
                return t
            case .number(let v):
                return try Tensor.number(v)
            case .mask(let shape):
                let n = Shapes.numel(shape) ?? 0
                return try Tensor((0..<n).map { $0 % 2 == 0 }, shape: shape)
            case .indices(let shape, let bound):
                let n = Shapes.numel(shape) ?? 0
                return try Tensor((0..<n).map { Int64(($0 * 7 + 3) % max(bound, 1)) }, shape: shape)
            case .constant(let shape):
                let n = Shapes.numel(shape) ?? 0
                return try Tensor((0..<n).map { _ in next() * 2 - 1 }, shape: shape)
            }
        }
    }

    @Test("first-order gradients match finite differences", arguments: cases)
    func gradcheck(_ name: String, _ index: Int) throws {
        for op in OpTable.all where op.name == name && index < op.samples.count {
            let sample = op.samples[index]
            let xs = try Self.inputs(sample)
            let ok = try Gradcheck.check({ try [op.apply($0, sample.args)] }, inputs: xs)
            #expect(ok, "\(op.name) sample \(index)")
        }
    }

    @Test("second-order gradients match finite differences", arguments: cases)
    func gradgradcheck(_ name: String, _ index: Int) throws {
        for op in OpTable.all where op.name == name && index < op.samples.count {
            let sample = op.samples[index]
            let xs = try Self.inputs(sample)
            let ok = try Gradcheck.checkSecondOrder({ try [op.apply($0, sample.args)] }, inputs: xs)
            #expect(ok, "\(op.name) sample \(index)")
        }
    }

    @Test func everyDifferentiableOpHasSamples() {
        let missing = OpTable.bound.filter { $0.isDifferentiable && $0.inPlaceBase == nil && $0.samples.isEmpty }
        #expect(missing.map(\.name) == [])
    }
}
