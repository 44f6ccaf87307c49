// The engine reduces each gradient to its input's shape (broadcasting's backward) once for
// all ops, through `sumToShape`.

// MARK: - Broadcast reduction

extension Tensor {
    /// Sums a gradient over the dimensions along which it broadcast from `target`.
    public func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = ndim - target.count
        guard lead >= 0 else {
            throw TorchError("cannot reduce a gradient of shape \(Shapes.format(shape)) to \(Shapes.format(target))")
        }
        var dims: [Int] = Array(0..<lead)
        for (i, size) in target.enumerated() where size == 1 && shape[lead + i] != 1 {
            dims.append(lead + i)
        }
        if !dims.isEmpty, !requiresGrad, !ThreadState.withCurrent({ $0.gradEnabled }) {
            // Nothing to record (the usual backward pass): the kernel straight away, and its
            // contiguous result seen in the target shape. Through the ops, the bookkeeping of a
            // sum and a reshape cost more than the sum of a small gradient.
            if lead == 0 || dims.count == lead {
                // Only leading dims to drop (a bias's gradient), or only dims kept as 1: the
                // kernel's result has the target shape already, with no second tensor to make.
                let reduced = try sumKernel(dims: dims, keepdim: lead == 0, dtype: dtype)
                if reduced.shape == target { return reduced }
            }
            let reduced = try sumKernel(dims: dims, keepdim: true, dtype: dtype)
            return Tensor(storage: reduced.storage, shape: target, strides: Shapes.contiguousStrides(target),
                          offset: reduced.offset, dtype: dtype)
        }
        var reduced = dims.isEmpty ? self : try sum(dims: dims, keepdim: true)
        if lead > 0 || reduced.shape != target { reduced = try reduced.reshape(target) }
        return reduced
    }
}
