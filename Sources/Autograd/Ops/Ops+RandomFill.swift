/// In-place random fills: `uniform_`, `normal_` and `bernoulli_`, what `nn.init` and dropout
/// draw with. Each is the in-place form of an internal op that returns fresh draws shaped like
/// its input, so the in-place machinery (leaf checks, version bumps, graph rebasing) is the
/// one every in-place op shares. Draws come from the thread's generator in PyTorch's order:
/// after `manual_seed(s)` the values equal PyTorch's CPU values bit for bit.
///
/// PyTorch records `UniformBackward0`, `NormalBackward0` and `BernoulliBackward2` when the
/// filled tensor is part of a graph; their gradient is zero (the new values do not depend on
/// the old ones), as here.
extension Ops {
    // MARK: - Uniform

    /// The draws `uniform_` writes.
    static let uniformFill = Op(
        "uniform", Signature(["uniform"], .internal, [
            .tensor(), Param("from", .double, default: .double(0)), Param("to", .double, default: .double(1)),
        ]),
        doc: "Uniform random numbers in [`from`, `to`) shaped like the tensor (what `uniform_` writes).",
        gradFn: "UniformBackward0",
        forward: { call in
            try call.inputs[0].uniformDraws(from: call.double("from"), to: call.double("to"))
        },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })

    static let uniformInPlace = Op(
        inPlace: "uniform_", of: uniformFill,
        Signature(["uniform_"], .method, [
            .tensor(), Param("from", .double, default: .double(0)), Param("to", .double, default: .double(1)),
        ]),
        doc: "Fills the tensor in place with uniform random numbers in [`from`, `to`), drawn as PyTorch draws them.")

    // MARK: - Normal

    /// The draws `normal_` writes.
    static let normalFill = Op(
        "normal", Signature(["normal"], .internal, [
            .tensor(), Param("mean", .double, default: .double(0)), Param("std", .double, default: .double(1)),
        ]),
        doc: "Normal random numbers shaped like the tensor (what `normal_` writes).",
        gradFn: "NormalBackward0",
        forward: { call in
            try call.inputs[0].normalDraws(mean: call.double("mean"), std: call.double("std"))
        },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })

    static let normalInPlace = Op(
        inPlace: "normal_", of: normalFill,
        Signature(["normal_"], .method, [
            .tensor(), Param("mean", .double, default: .double(0)), Param("std", .double, default: .double(1)),
        ]),
        doc: "Fills the tensor in place with normal random numbers of mean `mean` and standard deviation `std`, drawn as PyTorch draws them.")

    // MARK: - Bernoulli

    /// The draws `bernoulli_(p)` writes.
    static let bernoulliFill = Op(
        "bernoulli_p", Signature(["bernoulli_p"], .internal, [.tensor(), Param("p", .double, default: .double(0.5))]),
        doc: "1 with probability `p`, else 0, shaped like the tensor (what `bernoulli_` writes).",
        gradFn: "BernoulliBackward2",
        forward: { call in try call.inputs[0].bernoulliDraws(p: call.double("p")) },
        backward: { ctx in [try Tensor.zeros(ctx.grad.shape, dtype: ctx.grad.dtype)] })

    static let bernoulliInPlace = Op(
        inPlace: "bernoulli_", of: bernoulliFill,
        Signature(["bernoulli_"], .method, [.tensor(), Param("p", .double, default: .double(0.5))]),
        doc: "Fills the tensor in place with 1 (probability `p`) or 0, drawn as PyTorch draws dropout's mask.")
}

// MARK: - Kernels

extension Tensor {
    /// Fresh `uniform_(from, to)` draws with this tensor's shape and dtype.
    func uniformDraws(from: Double, to: Double) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("\"check_uniform_bounds\" not implemented for '\(dtype.scalarTypeName)'")
        }
        let g = ThreadState.current.generator
        return try drawsInMemoryOrder { out in
            if out.dtype == .float32 {
                try g.fillUniform(UnsafeMutableBufferPointer(start: out.pointer(Float.self), count: out.numel), from: from, to: to)
            } else {
                try g.fillUniform(UnsafeMutableBufferPointer(start: out.pointer(Double.self), count: out.numel), from: from, to: to)
            }
        }
    }

    /// Fresh `normal_(mean, std)` draws with this tensor's shape and dtype. PyTorch's
    /// vectorized path (16+ elements) applies to contiguous tensors only; a non-contiguous one
    /// gets one scalar-path sample per element.
    func normalDraws(mean: Double, std: Double) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TorchError("\"normal_kernel_cpu\" not implemented for '\(dtype.scalarTypeName)'")
        }
        // Checked here too: the scalar path below does not go through the fill's check.
        guard std >= 0 else { throw TorchError("normal expects std >= 0.0, but found std \(cppFormat(std))") }
        let g = ThreadState.current.generator
        let contiguous = isContiguous
        return try drawsInMemoryOrder { out in
            if !contiguous {
                for i in 0..<out.numel { out.setElement(i, g.normalSample(mean: mean, std: std)) }
            } else if out.dtype == .float32 {
                try g.fillNormal(UnsafeMutableBufferPointer(start: out.pointer(Float.self), count: out.numel), mean: mean, std: std)
            } else {
                try g.fillNormal(UnsafeMutableBufferPointer(start: out.pointer(Double.self), count: out.numel), mean: mean, std: std)
            }
        }
    }

    /// Fresh `bernoulli_(p)` draws with this tensor's shape and dtype: a double uniform per
    /// element compared with `p` (NOTES.md "Dropout's mask").
    func bernoulliDraws(p: Double) throws -> Tensor {
        try drawsInMemoryOrder { out in
            let drawn = try out.bernoulliKernel(p: p)
            try out.copyElements(from: drawn)
        }
    }

    /// A new tensor shaped like this one whose elements `fill` draws in the order this
    /// tensor's memory holds them: PyTorch's kernels walk a strided tensor as TensorIterator
    /// orders it (largest stride outermost), so `x:t():normal_()` fills x's memory in order.
    private func drawsInMemoryOrder(_ fill: (Tensor) throws -> Void) throws -> Tensor {
        if isContiguous {
            let out = try Tensor.empty(shape, dtype: dtype)
            try fill(out)
            return out
        }
        let order = (0..<ndim).sorted { strides[$0] > strides[$1] || (strides[$0] == strides[$1] && $0 < $1) }
        let buffer = try Tensor.empty(order.map { shape[$0] }, dtype: dtype)
        try fill(buffer)
        var inverse = [Int](repeating: 0, count: ndim)
        for (i, d) in order.enumerated() { inverse[d] = i }
        return try buffer.permutedView(inverse).materialized()
    }
}
