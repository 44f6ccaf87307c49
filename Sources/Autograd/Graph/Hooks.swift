/// Gradient hooks (`register_hook`): functions that see, and may replace, a tensor's gradient.
///
/// A leaf keeps its hooks itself (they run before `.grad` accumulates); a non-leaf's hooks
/// live on the node that made it, keyed by output number, and run when its gradient is ready.
public final class GradHook {
    /// Called with the gradient; returns a replacement, or nil to keep it.
    public let body: (Tensor) throws -> Tensor?
    /// Identifies the hook for `remove()`.
    public let id: Int

    public init(_ body: @escaping (Tensor) throws -> Tensor?) {
        self.body = body
        GradHook.counter &+= 1
        self.id = GradHook.counter
    }

    nonisolated(unsafe) private static var counter = 0
}

extension Node {
    /// Runs the hooks of output `output` on `grad`.
    func runHooks(on grad: Tensor, output: Int) throws -> Tensor {
        var g = grad
        for (o, hook) in hooks where o == output { g = try GradHook.run(hook, on: g) }
        return g
    }
}

extension GradHook {
    /// Runs `hook`; a replacement must keep the gradient's shape (PyTorch's check).
    static func run(_ hook: GradHook, on grad: Tensor) throws -> Tensor {
        guard let replaced = try hook.body(grad) else { return grad }
        guard replaced.shape == grad.shape else {
            throw TorchError("hook 'hook' has changed the size of value")
        }
        return replaced
    }
}

extension Tensor {
    /// Runs this leaf's hooks on an incoming gradient.
    func runLeafHooks(_ grad: Tensor) throws -> Tensor {
        var g = grad
        for hook in leafHooks { g = try GradHook.run(hook, on: g) }
        return g
    }
}

extension Tensor {
    /// Registers `hook` on this tensor's gradient and returns it (its `id` removes it).
    @discardableResult
    public func registerHook(_ hook: GradHook) throws -> GradHook {
        guard requiresGrad else {
            throw TorchError("cannot register a hook on a tensor that doesn't require gradient")
        }
        if let gradFn { gradFn.hooks.append((outputNr, hook)) } else { leafHooks.append(hook) }
        return hook
    }

    /// Removes the hook with `id` (from this tensor or the node that made it).
    public func removeHook(id: Int) {
        leafHooks.removeAll { $0.id == id }
        gradFn?.hooks.removeAll { $0.hook.id == id }
    }
}
