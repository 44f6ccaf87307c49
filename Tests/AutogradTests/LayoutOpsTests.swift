import Testing
@testable import Autograd

/// What the table-driven gradcheck cannot see for the layout family: every result of the
/// multi-result ops (it checks only the first), and the internal `index` op behind Lua's tensor keys.
@Suite struct LayoutOpsTests {
    static func leaf(_ shape: [Int]) throws -> Tensor {
        let n = Shapes.numel(shape) ?? 0
        let t = try Tensor((0..<n).map { Double($0) * 0.37 - 1.1 }, shape: shape)
        try t.setRequiresGrad(true)
        return t
    }

    @Test("every piece of chunk, split and unbind gets its gradient, at both orders")
    func piecesGradcheck() throws {
        let cases: [(String, ([Tensor]) throws -> [Tensor])] = [
            ("chunk", { try $0[0].chunk(3, dim: 1) }),
            ("split", { try $0[0].split(2, dim: 0) }),
            ("split sizes", { try $0[0].split(sizes: [1, 0, 3], dim: 0) }),
            ("unbind", { try $0[0].unbind(1) }),
        ]
        for (name, f) in cases {
            let x = try Self.leaf([4, 5])
            // Pieces are views; multiply so each output owns its memory as gradcheck perturbs x.
            let g: ([Tensor]) throws -> [Tensor] = { xs in try f(xs).map { try $0.mul(Tensor.number(1.5)) } }
            #expect(try Gradcheck.check(g, inputs: [x]), "\(name)")
            #expect(try Gradcheck.checkSecondOrder(g, inputs: [x]), "\(name)")
        }
    }

    @Test("the pieces share one node, named as PyTorch names it")
    func piecesShareOneNode() throws {
        let x = try Self.leaf([4, 3])
        let chunks = try x.chunk(2)
        #expect(chunks.count == 2)
        #expect(chunks[0].gradFn === chunks[1].gradFn)
        #expect(chunks[0].gradFn?.name == "SplitBackward0")
        #expect(try x.split(sizes: [1, 3])[1].gradFn?.name == "SplitWithSizesBackward0")
        #expect(try x.unbind(1)[2].gradFn?.name == "UnbindBackward0")
        #expect(try x.unbind(1)[2].shape == [4])
        // Only some pieces used: the others contribute zeros.
        let parts = try x.split(3)
        try parts[1].sum().backward()
        #expect(x.grad?.doubles() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    }

    @Test("index passes gradcheck on its samples")
    func pendingOps() throws {
        for op in OpTable.internalOps where op.name == "index" {
            for sample in op.samples {
                let xs = try OpGradcheckTests.inputs(sample)
                #expect(try Gradcheck.check({ try [op.apply($0, sample.args)] }, inputs: xs), "\(op.name)")
                #expect(try Gradcheck.checkSecondOrder({ try [op.apply($0, sample.args)] }, inputs: xs), "\(op.name)")
            }
        }
    }

    @Test("x[index] and x[mask] pick what PyTorch picks")
    func indexOp() throws {
        let x = try Tensor((0..<12).map { Double($0) }, shape: [3, 4])
        let rows = try x.index(Tensor([Int64(2), 0, -1], shape: [3]))
        #expect(rows.shape == [3, 4])
        #expect(rows.doubles() == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let picked = try x.index(x.gt(Tensor.number(6)))
        #expect(picked.doubles() == [7, 8, 9, 10, 11])
        let byRow = try x.index(Tensor([true, false, true]))
        #expect(byRow.shape == [2, 4])
        #expect(!x.requiresGrad && byRow.gradFn == nil)
        let y = try Self.leaf([3, 4])
        #expect(try y.index(Tensor([Int64(1)])).gradFn?.name == "IndexBackward0")
        #expect(throws: TorchError.self) { try x.index(Tensor([true, false])) }
        #expect(throws: TorchError.self) { try x.index(Tensor([Int64(3)])) }
    }

    @Test("flatten with dims")
    func flattenDims() throws {
        let x = try Tensor.zeros([2, 3, 4, 5])
        #expect(try x.flatten(startDim: 1, endDim: 2).shape == [2, 12, 5])
        #expect(try x.flatten(startDim: 2).shape == [2, 3, 20])
        #expect(try x.flatten().shape == [120])
        #expect(try Tensor.zeros([]).flatten().shape == [1])
        #expect(throws: TorchError.self) { try x.flatten(startDim: 2, endDim: 1) }
    }
}
