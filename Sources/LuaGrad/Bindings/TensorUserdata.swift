import Autograd
import CLua
import CLuaShim

/// Tensors as Lua full userdata: a block (`lg_TensorBox`) holding a retained reference to the
/// Swift tensor and the tag that marks the block as a tensor.
///
/// The reference is released when Lua frees the userdata (by the host's allocator, or by
/// `__gc` in a foreign interpreter); `__close` and `free()` release it earlier and clear the
/// slot, after which the userdata is inert: using it is a Lua error, never a crash.
enum TensorUserdata {
    typealias Slot = UnsafeMutablePointer<UnsafeMutableRawPointer?>

    /// The slot of the tensor userdata at `i`, or nil when the value is not a tensor.
    ///
    /// Read from the tag in the block (`lg_tensorbox`): the metatable compare it replaces
    /// pushed, compared and popped a metatable per tensor argument of every op.
    @inline(__always)
    static func slot(_ L: OpaquePointer, _ i: Int32) -> Slot? {
        guard let box = lg_tensorbox(L, i) else { return nil }
        return UnsafeMutableRawPointer(box).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    }

    /// Pushes a userdata holding `tensor`.
    ///
    /// The tensor is taken over (`consuming`): a result pushed as the op returned it moves into
    /// the userdata instead of being retained for it and released by the caller.
    static func push(_ L: OpaquePointer, _ tensor: consuming Tensor) {
        let bytes = tensor.numel &* tensor.dtype.itemSize
        BridgeContext.withContext(L) { context in
            lg_pushtensorbox(L, Unmanaged.passRetained(tensor).toOpaque(), context.tensorMetatableRef)
            context.account(L, bytes: bytes)
        }
    }

    /// Pushes the userdata an earlier call made for `tensor` while it is still alive, else a new
    /// one that later calls will reuse.
    ///
    /// For `.grad`: PyTorch gives the same object on every read, and a training loop reads
    /// every parameter's gradient each step, where a new userdata (and its collection and
    /// `__gc` later) cost more than the rest of the read. The table is weak-valued, so a
    /// userdata nothing else refers to is still collected; one freed by `free()` is replaced.
    static func pushReused(_ L: OpaquePointer, _ tensor: Tensor) {
        let context = BridgeContext.get(L)
        let key = UnsafeRawPointer(Unmanaged.passUnretained(tensor).toOpaque())
        lua_rawgeti(L, lg_registryindex(), lua_Integer(context.gradObjectsRef))
        if lua_rawgetp(L, -1, key) == LUA_TUSERDATA, let slot = slot(L, -1), slot.pointee == UnsafeMutableRawPointer(mutating: key) {
            lua_rotate(L, -2, 1)
            lg_pop(L, 1)
            return
        }
        lg_pop(L, 1)
        push(L, tensor)
        lua_pushvalue(L, -1)
        lua_rawsetp(L, -3, key)
        lua_rotate(L, -2, 1)
        lg_pop(L, 1)
    }

    /// The gradient of a tensor, borrowed, for the `.grad` the C `__index` answers
    /// (`lg_pushindexer`): the tensor's userdata holds it, and the tensor its gradient, for as
    /// long as that call runs. Reads the field only (a non-leaf's warning included), no Lua.
    static let gradOf: lg_TensorGrad = { p in
        guard let p, let g = Unmanaged<Tensor>.fromOpaque(p)._withUnsafeGuaranteedRef({ $0.grad }) else { return nil }
        return Unmanaged.passUnretained(g).toOpaque()
    }

    /// Releases the tensor held at `i` (for `free()`; `__gc` and `__close` do the same in C).
    static func release(_ L: OpaquePointer, _ i: Int32) {
        guard let slot = slot(L, i), let p = slot.pointee else { return }
        slot.pointee = nil
        Unmanaged<Tensor>.fromOpaque(p).release()
    }

    /// Pushes the tensor metatable's `__close`, and `__gc` where needed (`lg_pushtensorfinalizer`).
    static func pushFinalizer(_ L: OpaquePointer) {
        lg_pushtensorfinalizer(L, releaseTensor)
    }

    /// Makes the allocator of `L` release tensors as Lua frees their userdata
    /// (`lg_limits_adopt_tensors`); false when `L` needs `__gc` for that.
    static func adoptRelease(_ L: OpaquePointer) -> Bool {
        lg_limits_adopt_tensors(L, releaseTensor) != 0
    }

    /// Releases the tensor a userdata held.
    private static let releaseTensor: lg_TensorRelease = { p in
        if let p { Unmanaged<Tensor>.fromOpaque(p).release() }
    }
}
