/// Copies that join, tile or reverse tensors: the kernels of `stack`, `repeat` and `flip`.
extension Tensor {
    /// `torch.stack`: each tensor given a size-1 dim at `dim`, then joined along it.
    static func stackKernel(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TorchError("stack expects a non-empty TensorList") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TorchError("stack expects each tensor to be equal size, but got \(Shapes.format(first.shape)) at entry \(ThreadState.userPosition(0)) and \(Shapes.format(t.shape)) at entry \(ThreadState.userPosition(i))")
        }
        let d = try Shapes.wrapDim(dim, first.ndim + 1)
        let columns = tensors.map { t -> Tensor in
            var shape = t.shape, strides = t.strides
            shape.insert(1, at: d)
            strides.insert(1, at: d)
            return t.raw(shape, strides)
        }
        return try catKernel(columns, dim: d)
    }

    /// `repeat`: a broadcast view shaped `[r0, s0, r1, s1, ...]`, copied, then merged pairwise.
    func repeatKernel(_ repeats: [Int]) throws -> Tensor {
        guard repeats.count >= ndim else {
            throw TorchError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        }
        let lead = repeats.count - ndim
        let padded = [Int](repeating: 1, count: lead) + shape
        var result: [Int] = []
        for (r, s) in Swift.zip(repeats, padded) {
            let (n, overflow) = r.multipliedReportingOverflow(by: s)
            result.append(overflow ? Int.max : n)
        }
        try Shapes.validate(result)
        let paddedStrides = [Int](repeating: 0, count: lead) + strides
        var pairShape: [Int] = [], pairStrides: [Int] = []
        for i in 0..<repeats.count {
            pairShape += [repeats[i], padded[i]]
            pairStrides += [0, paddedStrides[i]]
        }
        let copy = try raw(pairShape, pairStrides).materialized()
        return copy.raw(result, Shapes.contiguousStrides(result), offset: 0)
    }

    /// `flip`: a view stepping backwards along `dims`, copied.
    func flipKernel(_ dims: [Int]) throws -> Tensor {
        var strides = self.strides
        var start = offset
        for d in dims where d < ndim && shape[d] > 0 {
            start += (shape[d] - 1) * strides[d]
            strides[d] = -strides[d]
        }
        return try raw(shape, strides, offset: start).materialized()
    }
}
