import Testing
@testable import Autograd

/// The autograd chapter (D2L 2.5) driven from Swift; expected text from PyTorch 2.15.
@Suite struct ChapterTests {
    @Test func simpleFunction() throws {
        let x = try Tensor.arange(start: 0, end: 4, step: 1, dtype: .float32)
        #expect(x.description == "tensor([0., 1., 2., 3.])")
        try x.setRequiresGrad(true)
        #expect(x.grad == nil)
        let y = try Tensor.number(2).mul(x.dot(x))
        #expect(y.description == "tensor(28., grad_fn=<MulBackward0>)")
        try y.backward()
        #expect(x.grad?.description == "tensor([ 0.,  4.,  8., 12.])")
        #expect(try x.grad!.eq(Tensor.number(4).mul(x)).description == "tensor([True, True, True, True])")
        try x.grad!.zero_()
        try x.sum().backward()
        #expect(x.grad?.description == "tensor([1., 1., 1., 1.])")
    }

    @Test func nonScalarBackward() throws {
        let x = try Tensor.arange(start: 0, end: 4, step: 1, dtype: .float32)
        try x.setRequiresGrad(true)
        let y = try x.mul(x)
        #expect(throws: TorchError.self) { try y.backward() }
        try y.backward(gradient: Tensor.ones([4]))
        #expect(x.grad?.description == "tensor([0., 2., 4., 6.])")
    }

    @Test func detach() throws {
        let x = try Tensor.arange(start: 0, end: 4, step: 1, dtype: .float32)
        try x.setRequiresGrad(true)
        let y = try x.mul(x)
        let u = y.detach()
        let z = try u.mul(x)
        try z.sum().backward()
        #expect(try x.grad!.equal(u))
        try x.grad!.zero_()
        try y.sum().backward()
        #expect(try x.grad!.equal(Tensor.number(2).mul(x)))
    }

    @Test func controlFlow() throws {
        func f(_ a: Tensor) throws -> Tensor {
            var b = try a.mul(Tensor.number(2))
            while try b.norm().item().doubleValue < 1000 { b = try b.mul(Tensor.number(2)) }
            return try b.sum().item().doubleValue > 0 ? b : Tensor.number(100).mul(b)
        }
        let a = try Tensor([Float(0.3)], shape: [])
        try a.setRequiresGrad(true)
        let d = try f(a)
        try d.backward()
        #expect(try a.grad!.equal(d.div(a)))
    }

    @Test func secondBackwardThroughSavedTensorsFails() throws {
        let x = try Tensor([Float(1), 2, 3])
        try x.setRequiresGrad(true)
        let y = try Tensor.number(2).mul(x.dot(x))
        try y.backward()
        #expect(throws: TorchError.self) { try y.backward() }
        // Nothing saved: a second pass works (PyTorch behaves the same).
        let s = try x.add(Tensor.number(1)).sum()
        try s.backward()
        try s.backward()
    }

    @Test func millionOpChainBackpropagatesAndFrees() throws {
        let x = try Tensor([Float(1)], shape: [])
        try x.setRequiresGrad(true)
        weak var first: Node?
        weak var last: Node?
        do {
            let one = try Tensor.number(1)
            var y = try x.add(one)
            first = y.gradFn
            for _ in 1..<1_000_000 { y = try y.add(one) }
            last = y.gradFn
            try y.backward()
        }
        #expect(x.grad?.description == "tensor(1.)")
        // Freeing the chain must not recurse a million levels deep, and must free all of it.
        #expect(first == nil && last == nil)
    }

    @Test func savedOutputsDoNotKeepTheirNodeAlive() throws {
        weak var node: Node?
        weak var output: Tensor?
        do {
            let x = try Tensor([Double(3), 4])
            try x.setRequiresGrad(true)
            let n = try x.norm()  // saves its output
            node = n.gradFn
            output = n
            let e = try x.exp()   // likewise
            _ = e
        }
        #expect(node == nil && output == nil)
    }

    @Test func createGraphGradientsDoNotLeak() throws {
        weak var grad: Tensor?
        weak var node: Node?
        do {
            let x = try Tensor([Double(1.5)], shape: [])
            try x.setRequiresGrad(true)
            let y = try x.mul(x).mul(x)
            try y.backward(createGraph: true)
            grad = x.grad
            node = x.grad?.gradFn
            #expect(node != nil)
        }
        #expect(grad == nil && node == nil)
    }

    @Test func aGraphRunsAfterItsLeafIsGone() throws {
        // The graph keeps the leaf's AccumulateGrad, which does not keep the leaf: the pass must
        // skip it, not reach for the freed leaf.
        weak var leaf: Tensor?
        let y: Tensor
        do {
            let x = try Tensor([Double(1), 2])
            try x.setRequiresGrad(true)
            y = try x.mul(Tensor.number(2)).sum()  // saves nothing of x
            leaf = x
        }
        #expect(leaf == nil)
        try y.backward()
    }
}
