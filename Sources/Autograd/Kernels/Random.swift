/// Random kernels: every draw from the thread's generator, in PyTorch's order.
extension Tensor {
    /// Random numbers from the thread's generator.
    static func random(_ shape: [Int], dtype: DType, normal: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("\"\(normal ? "normal_kernel_cpu" : "check_uniform_bounds")\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let t = try empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        if dtype == .float32 {
            let buffer = UnsafeMutableBufferPointer(start: t.pointer(Float.self), count: t.numel)
            if normal { try g.fillNormal(buffer, mean: 0, std: 1) } else { try g.fillUniform(buffer, from: 0, to: 1) }
        } else {
            let buffer = UnsafeMutableBufferPointer(start: t.pointer(Double.self), count: t.numel)
            if normal { try g.fillNormal(buffer, mean: 0, std: 1) } else { try g.fillUniform(buffer, from: 0, to: 1) }
        }
        return t
    }

    /// `torch.randint(low, high, size)` in int64, float32 or float64.
    static func randomIntegers(low: Int64, high: Int64, shape: [Int], dtype: DType) throws -> Tensor {
        let out = try empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        let n = out.numel
        switch dtype {
        case .int64: try g.fillRandint(UnsafeMutableBufferPointer(start: out.pointer(Int64.self), count: n), low: low, high: high)
        case .float32: try g.fillRandint(UnsafeMutableBufferPointer(start: out.pointer(Float.self), count: n), low: low, high: high)
        case .float64: try g.fillRandint(UnsafeMutableBufferPointer(start: out.pointer(Double.self), count: n), low: low, high: high)
        case .bool: throw TorchError("randint(): dtype torch.bool is not supported")
        }
        return out
    }

    /// `torch.randperm(n)`: the 0-based positions 0..<n in random order (Lua shows them 1-based).
    static func permutation(_ n: Int, dtype: DType) throws -> Tensor {
        guard n >= 0 else { throw TorchError("Trying to create tensor with negative dimension \(n): [\(n)]") }
        guard dtype != .bool else { throw TorchError("\"randperm\" not implemented for 'Bool'") }
        let positions = try empty([n], dtype: .int64)
        ThreadState.current.generator.fillRandperm(UnsafeMutableBufferPointer(start: positions.pointer(Int64.self), count: n))
        guard dtype != .int64 else { return positions }
        return try positions.materialized(dtype: dtype)
    }

    /// `torch.normal(mean, std, size)`: `normal_(mean, std)` on a new tensor.
    static func normalSamples(mean: Double, std: Double, shape: [Int], dtype: DType) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("\"normal_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let out = try empty(shape, dtype: dtype)
        try out.fillNormal(mean: mean, std: std)
        return out
    }

    /// `torch.normal(mean, std)` with tensors: PyTorch draws standard normals of the
    /// broadcast shape, then multiplies by `std` and adds `mean` (two roundings, no FMA).
    static func normalSamples(mean: Tensor, std: Tensor) throws -> Tensor {
        let dtype = try normalDtype(mean.dtype, std.dtype)
        let shape = try Shapes.broadcast(mean.shape, std.shape)
        try checkStdTensor(std)
        let z = try empty(shape, dtype: dtype)
        try z.fillNormal(mean: 0, std: 1)
        return try withNoGrad { try z.mul(std.detach()).add(mean.detach()) }
    }

    /// `torch.normal(mean, std)` with a tensor mean: `normal_(0, std)`, then `+ mean`.
    static func normalSamples(mean: Tensor, std: Double) throws -> Tensor {
        let dtype = try normalDtype(mean.dtype, mean.dtype)
        guard std >= 0 else { throw TorchError("normal expects std >= 0.0, but found std \(cppFormat(std))") }
        let z = try empty(mean.shape, dtype: dtype)
        try z.fillNormal(mean: 0, std: std)
        return try withNoGrad { try z.add(mean.detach()) }
    }

    /// `torch.normal(mean, std)` with a tensor std: standard normals, `· std`, then `+ mean`.
    static func normalSamples(mean: Double, std: Tensor) throws -> Tensor {
        let dtype = try normalDtype(std.dtype, std.dtype)
        try checkStdTensor(std)
        let z = try empty(std.shape, dtype: dtype)
        try z.fillNormal(mean: 0, std: 1)
        return try withNoGrad { try z.mul(std.detach()).add(Tensor.number(mean)) }
    }

    private static func normalDtype(_ a: DType, _ b: DType) throws -> DType {
        let dtype = DType.promote(a, b)
        guard dtype.isFloatingPoint else {
            throw TorchError("\"normal_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
        return dtype
    }

    private static func checkStdTensor(_ std: Tensor) throws {
        for i in 0..<std.numel where !(std.element(i) >= 0) {
            throw TorchError("normal expects all elements of std >= 0.0")
        }
    }

    /// `normal_(mean, std)` on this new contiguous float tensor.
    fileprivate func fillNormal(mean: Double, std: Double) throws {
        let g = ThreadState.current.generator
        if dtype == .float32 {
            try g.fillNormal(UnsafeMutableBufferPointer(start: pointer(Float.self), count: numel), mean: mean, std: std)
        } else {
            try g.fillNormal(UnsafeMutableBufferPointer(start: pointer(Double.self), count: numel), mean: mean, std: std)
        }
    }

    /// `torch.multinomial(self, numSamples, replacement)`: 0-based category positions.
    func multinomialKernel(numSamples: Int, replacement: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("multinomial only supports floating-point dtypes for input, got: \(dtype.scalarTypeName)")
        }
        guard ndim == 1 || ndim == 2 else { throw TorchError("prob_dist must be 1 or 2 dim") }
        let categories = shape[ndim - 1], rows = ndim == 2 ? shape[0] : 1
        let p = try detach().contiguous()
        let g = ThreadState.current.generator
        let samples = if dtype == .float32 {
            try g.multinomial(UnsafeBufferPointer(start: p.pointer(Float.self), count: p.numel),
                              rows: rows, categories: categories, numSamples: numSamples, replacement: replacement)
        } else {
            try g.multinomial(UnsafeBufferPointer(start: p.pointer(Double.self), count: p.numel),
                              rows: rows, categories: categories, numSamples: numSamples, replacement: replacement)
        }
        return try Tensor(samples, shape: ndim == 2 ? [rows, numSamples] : [numSamples])
    }

    /// `torch.bernoulli(self)` (each element is a probability) or `torch.bernoulli(self, p)`.
    func bernoulliKernel(p: Double?) throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: dtype)
        let g = ThreadState.current.generator
        func fill<T: BernoulliOutcome & TensorElement>(_: T.Type) throws {
            let buffer = UnsafeMutableBufferPointer(start: out.pointer(T.self), count: out.numel)
            if let p { return try g.fillBernoulli(buffer, p: p) }
            let probabilities = try detach().contiguous()
            switch dtype {
            case .float32:
                try g.fillBernoulli(buffer, probabilities: UnsafeBufferPointer(start: probabilities.pointer(Float.self), count: numel))
            case .float64:
                try g.fillBernoulli(buffer, probabilities: UnsafeBufferPointer(start: probabilities.pointer(Double.self), count: numel))
            case .int64, .bool:
                throw TorchError("\"bernoulli_tensor_cpu_p_\" not implemented for '\(dtype.scalarTypeName)'")
            }
        }
        switch dtype {
        case .float32: try fill(Float.self)
        case .float64: try fill(Double.self)
        case .int64: try fill(Int64.self)
        case .bool: try fill(Bool.self)
        }
        return out
    }
}
