/// Finite-difference checks of gradients (`torch.autograd.gradcheck` / `gradgradcheck`).
public enum Gradcheck {
    /// Tolerances and step, with PyTorch's defaults.
    public struct Options: Sendable {
        public var eps = 1e-6
        public var atol = 1e-5
        public var rtol = 1e-3
        /// Throw a description of the first mismatch instead of returning false.
        public var raiseException = true
        public init() {}
    }

    /// Compares the analytical Jacobian of `function` at `inputs` with central differences.
    ///
    /// Inputs that require grad are perturbed one element at a time; for every output element
    /// the analytical row comes from `Engine.grad` with a one-hot output gradient.
    public static func check(_ function: ([Tensor]) throws -> [Tensor], inputs: [Tensor],
                             options: Options = Options()) throws -> Bool {
        let differentiable = inputs.indices.filter { inputs[$0].requiresGrad }
        guard !differentiable.isEmpty else {
            throw TorchError("gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True.")
        }
        for i in differentiable where inputs[i].dtype != .float64 {
            ThreadState.current.warnOnce("Input #\(ThreadState.userPosition(i)) requires gradient and is not a double precision floating point. This check will likely fail if all the inputs are not of double precision floating point. ")
        }
        let outputs = try function(inputs)
        for (o, output) in outputs.enumerated() where output.dtype.isFloatingPoint {
            for i in differentiable {
                let input = inputs[i]
                let numerical = try numericalJacobian(function, inputs, input: i, output: o, eps: options.eps)
                let analytical = try analyticalJacobian(output, input, count: output.numel)
                for (row, pair) in zip(numerical, analytical).enumerated() {
                    for (col, (n, a)) in zip(pair.0, pair.1).enumerated() {
                        if Swift.abs(a - n) > options.atol + options.rtol * Swift.abs(n) {
                            guard options.raiseException else { return false }
                            throw TorchError("Jacobian mismatch for output \(ThreadState.userPosition(o)) with respect to input \(ThreadState.userPosition(i)),\nnumerical:\(n)\nanalytical:\(a)\n(at input element \(ThreadState.userPosition(col)), output element \(ThreadState.userPosition(row)))")
                        }
                    }
                }
            }
        }
        return true
    }

    /// `gradgradcheck`: checks the gradients of the gradients (with random output weights).
    public static func checkSecondOrder(_ function: @escaping ([Tensor]) throws -> [Tensor], inputs: [Tensor],
                                        options: Options = Options()) throws -> Bool {
        let outputs = try function(inputs)
        let weights = try outputs.map { o -> Tensor in
            let w = try Tensor.full(o.shape, 0, dtype: o.dtype)
            for k in 0..<w.numel { w.setElement(k, 0.5 + 0.25 * Double(k % 3)) }
            return w
        }
        let firstOrder: ([Tensor]) throws -> [Tensor] = { xs in
            let ys = try function(xs)
            let wanted = xs.filter { $0.requiresGrad }
            let grads = try Engine.grad(outputs: ys, inputs: wanted, gradOutputs: weights,
                                        createGraph: true, allowUnused: true)
            return try zip(wanted, grads).map { x, g in try g ?? Tensor.zeros(x.shape, dtype: x.dtype) }
        }
        return try check(firstOrder, inputs: inputs, options: options)
    }

    private static func numericalJacobian(_ function: ([Tensor]) throws -> [Tensor], _ inputs: [Tensor],
                                          input i: Int, output o: Int, eps: Double) throws -> [[Double]] {
        let x = inputs[i]
        var columns: [[Double]] = []
        // Grad mode stays as it is: the function may itself differentiate (gradgradcheck).
        for k in 0..<x.numel {
            let original = x.element(k)
            x.setElement(k, original + eps)
            let plus = try function(inputs)[o].doubles()
            x.setElement(k, original - eps)
            let minus = try function(inputs)[o].doubles()
            x.setElement(k, original)
            columns.append(zip(plus, minus).map { ($0 - $1) / (2 * eps) })
        }
        let rows = columns.first?.count ?? 0
        return (0..<rows).map { r in columns.map { $0[r] } }
    }

    private static func analyticalJacobian(_ output: Tensor, _ input: Tensor, count: Int) throws -> [[Double]] {
        // An output that does not require grad does not depend on the input differentiably.
        guard output.requiresGrad else { return Array(repeating: Array(repeating: 0, count: input.numel), count: count) }
        var rows: [[Double]] = []
        for r in 0..<count {
            let onehot = try Tensor.zeros(output.shape, dtype: output.dtype)
            onehot.setElement(r, 1)
            let g = try Engine.grad(outputs: [output], inputs: [input], gradOutputs: [onehot],
                                    retainGraph: true, allowUnused: true)
            rows.append(g[0]?.doubles() ?? [Double](repeating: 0, count: input.numel))
        }
        return rows
    }
}
