import Testing
@testable import Autograd

/// What a node keeps of its operands and output (`SavedTensor`'s factories), and the
/// one-root backward that `loss:backward()` runs.
@Suite struct SavedTensorTests {
    /// The saved tensor `i` of the node that made `t`.
    private func saved(_ i: Int, of t: Tensor) throws -> SavedTensor {
        let node = try #require(t.gradFn as? OpNode)
        return try #require(node.saved[i])
    }

    /// A leaf that requires grad, holding `values`.
    private func leaf(_ values: [Float]) throws -> Tensor {
        let x = try Tensor(values)
        try x.setRequiresGrad(true)
        return x
    }

    @Test func nonLeafInputIsKeptAsItself() throws {
        let y = try leaf([0.5, 1.5]).mul(Tensor.number(3))
        let s = try y.sin()
        #expect(try saved(0, of: s).data === y)
        #expect(y.isSavedAsInput)
    }

    @Test func leafAndOutputAreKeptAsAliases() throws {
        let x = try leaf([0.5, 1.5])
        let s = try x.sin()
        let kept = try saved(0, of: s).data
        // The leaf's alias: its data, without the leaf's own identity or `.grad`.
        #expect(kept !== x)
        #expect(kept?.storage === x.storage)
        let e = try x.exp()
        let output = try saved(0, of: e).data
        #expect(output !== e)
        #expect(output?.storage === e.storage)
        #expect(output?.gradFn == nil)
    }

    @Test func unneededSlotIsAnErrorWhenRead() throws {
        // `x * 2` keeps the number only for x's gradient, and nothing of x for the number's.
        let product = try leaf([1, 2]).mul(Tensor.number(2))
        let node = try #require(product.gradFn as? OpNode)
        #expect(throws: TorchError.self) { _ = try node.saved.unpack(0, for: node) }
        #expect(try node.saved.unpack(1, for: node) != nil)
    }

    @Test func oneRootBackwardMatchesTheArrayForm() throws {
        let values: [Float] = [0.25, -1, 2]
        let a = try leaf(values), b = try leaf(values)
        try Engine.backward(a.sin().mul(a).sum(), gradient: nil)
        try Engine.backward([b.sin().mul(b).sum()], gradients: [nil])
        #expect(try a.grad!.equal(b.grad!))
        let g = try Tensor([Float(1), 2, 3])
        try Engine.backward(a.mul(Tensor.number(2)), gradient: g)
        try Engine.backward([b.mul(Tensor.number(2))], gradients: [g])
        #expect(try a.grad!.equal(b.grad!))
    }

    @Test func oneRootBackwardRejectsWhatTheArrayFormRejects() throws {
        let x = try leaf([1, 2])
        #expect(throws: TorchError.self) { try Engine.backward(x.mul(Tensor.number(2)), gradient: nil) }
        #expect(throws: TorchError.self) { try Engine.backward(Tensor([Float(1)]), gradient: nil) }
        #expect(throws: TorchError.self) {
            try Engine.backward(x.sum(), gradient: Tensor([Float(1), 2]))
        }
    }
}
