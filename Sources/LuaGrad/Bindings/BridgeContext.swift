import Autograd
import CLua
import CLuaShim

/// What the bridge remembers per Lua state: metatable identities, dtype objects and the
/// collector's pacing. Kept in the state's extra space, released when the state closes.
final class BridgeContext {
    /// Registry reference of the tensor metatable (tensor userdata are recognised by the tag in
    /// their block, `lg_tensorbox`).
    var tensorMetatableRef: Int32 = LUA_NOREF
    /// Registry reference of the weak table of `.grad` userdata, keyed by tensor.
    var gradObjectsRef: Int32 = LUA_NOREF
    /// The string "grad" as Lua interns it (anchored in the registry): every "grad" a script
    /// uses is this one object, so `x.grad` is recognised by identity.
    var gradKey: UnsafeRawPointer?
    /// The grad_fn metatable and its registry reference.
    var nodeMetatable: UnsafeRawPointer?
    var nodeMetatableRef: Int32 = LUA_NOREF
    /// Registry reference of the grad-mode guard metatable.
    var guardMetatableRef: Int32 = LUA_NOREF
    /// Registry references of the objects scripts see as dtypes, by `DType.rawValue`.
    var dtypeRefs: [Int32] = []
    /// Identities of the dtype objects.
    var dtypePointers: [UnsafeRawPointer?] = []
    /// Registry reference of the `torch.Size` metatable.
    var sizeMetatableRef: Int32 = LUA_NOREF
    /// The state's main thread; nil once the state is closing.
    var mainState: OpaquePointer?
    /// The Lua thread running the binding that started a backward pass (callbacks run there).
    var activeState: OpaquePointer?
    /// Tensor bytes allocated since the collector was last told about them.
    var pendingBytes = 0
    /// Where torch's file functions may read and write (set by the host).
    var fileAccess = FileAccess.unrestricted

    /// The context of `L` (created by `TorchModule.open`).
    static func get(_ L: OpaquePointer) -> BridgeContext {
        Unmanaged<BridgeContext>.fromOpaque(lg_extraspace(L).pointee!).takeUnretainedValue()
    }

    /// Runs `body` with the context of `L`, borrowed: the state owns it for as long as it is
    /// open, and `get` retained and released it around every use (each tensor pushed).
    @inline(__always)
    static func withContext<R>(_ L: OpaquePointer, _ body: (BridgeContext) throws -> R) rethrows -> R {
        try Unmanaged<BridgeContext>.fromOpaque(lg_extraspace(L).pointee!)._withUnsafeGuaranteedRef(body)
    }

    /// Runs `body` with `L` as the thread script callbacks use (hooks, custom backward).
    func withActiveState<R>(_ L: OpaquePointer, _ body: () throws -> R) rethrows -> R {
        let saved = activeState
        activeState = L
        defer { activeState = saved }
        return try body()
    }

    /// The script's traceback where it called into the bridge (for anomaly reports).
    func traceback() -> String {
        guard let L = activeState ?? mainState else { return "" }
        luaL_traceback(L, L, nil, 1)
        defer { lg_pop(L, 1) }
        return LuaStack(L: L).string(-1) ?? ""
    }

    /// Whether `L` already has a context.
    static func exists(_ L: OpaquePointer) -> Bool { lg_extraspace(L).pointee != nil }

    /// Installs a new context in `L`, owned by a registry userdata whose `__gc` releases it
    /// when the state closes.
    static func install(_ L: OpaquePointer) -> BridgeContext {
        let context = BridgeContext()
        lg_extraspace(L).pointee = Unmanaged.passRetained(context).toOpaque()
        _ = lua_newuserdatauv(L, 1, 0)
        lg_newtable(L)
        context.mainState = L
        lg_pushswiftfunction(L, { L in
            if let L, let raw = lg_extraspace(L).pointee {
                lg_extraspace(L).pointee = nil
                let context = Unmanaged<BridgeContext>.fromOpaque(raw)
                context.takeUnretainedValue().mainState = nil
                context.takeUnretainedValue().activeState = nil
                context.release()
            }
            return 0
        }, 0)
        LuaStack(L: L).setField(-2, "__gc")
        lua_setmetatable(L, -2)
        _ = luaL_ref(L, lg_registryindex())
        return context
    }

    /// The dtype whose script object is at `i`, if any.
    func dtype(_ L: OpaquePointer, _ i: Int32) -> DType? {
        guard lua_type(L, i) == LUA_TTABLE, let p = lua_topointer(L, i) else { return nil }
        for (raw, known) in dtypePointers.enumerated() where known == p { return DType(rawValue: raw) }
        return nil
    }

    /// Pushes the script object of `dtype`.
    func push(_ L: OpaquePointer, _ dtype: DType) {
        lua_rawgeti(L, lg_registryindex(), lua_Integer(dtypeRefs[dtype.rawValue]))
    }

    /// Tells the collector about tensor memory it cannot see, so it runs as often as the
    /// tensors' real size calls for (NOTES.md: without this, garbage tensors pile up).
    ///
    /// Small tensors are paced with collector steps (a minor collection in generational
    /// mode) per 256 KiB. A large tensor (`largeTensorBytes` or more) leaves its step due,
    /// and the next op takes it before it runs (`collectBeforeOp`); a second large tensor
    /// pushed with no op in between takes it here. Stepping at the push ran the collection
    /// after the new result's buffer was allocated, so the result it freed (the previous
    /// iteration's, in a loop) could only be reused by a later op: a loop's outputs rotated
    /// through two to four buffers, where freeing each at once (`<close>`) reuses one, still
    /// in the processor's cache (an add of 10⁶ floats, one thread: 236–256 µs against
    /// 167–176 µs, with the same instructions).
    ///
    /// Old tensors need more: only a major collection frees them, and Lua's own heap (which
    /// decides when majors happen) barely grows. So after as many new tensor bytes as were
    /// alive at the last full collection (at least 64 MiB), the bridge runs a full one; it is
    /// cheap, since it only walks Lua's small heap. For a large tensor it too waits for the
    /// next op: a full collection makes every object it finds alive old, and the result just
    /// pushed, old, would outlive every minor collection after its death, holding its buffer
    /// until the next full one.
    @inline(__always)
    func account(_ L: OpaquePointer, bytes: Int) {
        // Each tensor also costs Swift objects Lua does not see; count them too.
        pendingBytes &+= bytes &+ 256
        bytesSinceFullCollection &+= bytes
        if bytes >= Self.largeTensorBytes {
            if collectionDue { collectDue(L) }
            collectionDue = true
            return
        }
        if pendingBytes >= 256 * 1024 { step(L) }
        if bytesSinceFullCollection >= fullCollectionThreshold { collectFully(L) }
    }

    /// Runs the collection a large tensor left due, before an op that may allocate one: a
    /// result that died since (the previous iteration's `a + b`) is finalized first, and its
    /// buffer goes back to `BufferCache` (or malloc) in time for this op's output.
    @inline(__always)
    static func collectBeforeOp(_ L: OpaquePointer) {
        withContext(L) { context in
            if context.collectionDue { context.collectDue(L) }
        }
    }

    /// The due collection: a full one when enough tensor bytes were made since the last,
    /// else a step.
    private func collectDue(_ L: OpaquePointer) {
        if bytesSinceFullCollection >= fullCollectionThreshold { collectFully(L) } else { step(L) }
    }

    /// A collector step (a minor collection) charged with the pending bytes.
    private func step(_ L: OpaquePointer) {
        lg_gc_step(L, Int32(min(pendingBytes / 1024, Int(Int32.max))))
        pendingBytes = 0
        collectionDue = false
    }

    /// A full collection; the next is due after as many tensor bytes as are alive now.
    private func collectFully(_ L: OpaquePointer) {
        lg_gc_collect(L)
        bytesSinceFullCollection = 0
        fullCollectionThreshold = max(64 << 20, Storage.liveBytes.load())
        pendingBytes = 0
        collectionDue = false
    }

    /// Tensors of at least this many bytes leave their collection to the next op (`account`).
    static let largeTensorBytes = 256 * 1024
    /// Whether a large tensor was pushed since the collector last ran.
    private var collectionDue = false

    /// Tensor bytes pushed since the last full collection, and how many trigger the next.
    var bytesSinceFullCollection = 0
    var fullCollectionThreshold = 64 << 20
}
