/// The autograd surface of a tensor: `.grad`, `backward`, `detach`, `retain_grad`.
extension Tensor {
    /// The gradient accumulated by backward passes (`.grad`).
    ///
    /// Reading it on a non-leaf that does not retain its gradient warns once, as PyTorch does.
    public var grad: Tensor? {
        if !isLeaf && !retainsGrad {
            ThreadState.current.warnOnce(AutogradMessages.nonLeafGrad)
        }
        return gradStorage
    }

    /// Replaces `.grad` (`x.grad = g` or `x.grad = nil`), with PyTorch's checks.
    public func setGrad(_ newValue: Tensor?) throws {
        if let g = newValue {
            guard g.dtype == dtype else {
                throw TorchError("assigned grad has data of a different type")
            }
            guard g.shape == shape else {
                throw TorchError("assigned grad has data of a different size")
            }
        }
        gradStorage = newValue
    }

    /// Backpropagates from this tensor (`backward()`, `backward(gradient)`).
    public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false,
                         inputs: [Tensor]? = nil) throws {
        try Engine.backward(self, gradient: gradient, retainGraph: retainGraph,
                            createGraph: createGraph, inputs: inputs)
    }

    /// Keeps `.grad` of this non-leaf after backward (`retain_grad()`).
    public func retainGrad() throws {
        guard requiresGrad else {
            throw TorchError("can't retain_grad on Tensor that has requires_grad=False")
        }
        guard let gradFn, !retainsGrad else { return }
        retainsGrad = true
        retainsGradForRun(node: gradFn, output: outputNr)
    }
}

extension AutogradMessages {
    static let nonLeafGrad = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at /pytorch/build/aten/src/ATen/core/TensorBody.h:497.)"
}

extension Tensor {
    /// Detaches this tensor from its graph in place (`detach_()`).
    public func detachInPlace() throws {
        if viewBase != nil && gradFn != nil {
            throw TorchError("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        }
        gradFn = nil
        requiresGrad = false
        outputNr = 0
    }

    /// Sets `requires_grad` on a leaf, with PyTorch's checks.
    public func setRequiresGrad(_ flag: Bool) throws {
        if flag && !dtype.isFloatingPoint {
            throw TorchError("only Tensors of floating point dtype can require gradients")
        }
        if !flag && !isLeaf {
            throw TorchError("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        }
        requiresGrad = flag
    }
}

extension Tensor {
    /// Whether an op on `a` and `b` would be recorded: a graph node (grad mode on and an
    /// operand that requires grad) or a forward-mode tangent. Backward formulas take a fused
    /// one-pass kernel only when nothing records, since a double backward must see PyTorch's ops.
    static func recordsOps(_ a: Tensor, _ b: Tensor) -> Bool {
        if a.tangent != nil || b.tangent != nil { return true }
        return (a.requiresGrad || b.requiresGrad) && ThreadState.withCurrent { $0.gradEnabled }
    }
}
