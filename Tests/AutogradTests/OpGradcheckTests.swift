import Testing
@testable import Autograd

/// Every op in the table with samples: its backward formula against finite differences, in
/// float64, at first and second order. Adding an op with samples adds it here.
@Suite struct OpGradcheckTests {
    @Test("first-order gradients match finite differences", arguments: OpSampleCase.all())
    func gradcheck(_ c: OpSampleCase) throws {
        let xs = try OpSamples.inputs(c.sample)
        let ok = try Gradcheck.check({ try [c.op.apply($0, c.sample.args)] }, inputs: xs)
        #expect(ok, "\(c)")
    }

    @Test("second-order gradients match finite differences", arguments: OpSampleCase.all())
    func gradgradcheck(_ c: OpSampleCase) throws {
        let xs = try OpSamples.inputs(c.sample)
        let ok = try Gradcheck.checkSecondOrder({ try [c.op.apply($0, c.sample.args)] }, inputs: xs)
        #expect(ok, "\(c)")
    }

    /// The sample's inputs (`OpSamples.inputs`), under the name `LayoutOpsTests` calls.
    static func inputs(_ sample: OpSample) throws -> [Tensor] { try OpSamples.inputs(sample) }

    @Test func everyDifferentiableOpHasSamples() {
        let missing = OpTable.bound.filter { $0.isDifferentiable && $0.inPlaceBase == nil && $0.samples.isEmpty }
        #expect(missing.map(\.name) == [])
    }
}
