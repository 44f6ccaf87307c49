import Autograd
import CLua
import CLuaShim

/// What the bridge remembers per Lua state: metatable identities, dtype objects and the
/// collector's pacing. Kept in the state's extra space, released when the state closes.
final class BridgeContext {
    /// The tensor metatable, compared by identity to recognise tensor userdata.
    var tensorMetatable: UnsafeRawPointer?
    /// Registry reference of the tensor metatable.
    var tensorMetatableRef: Int32 = LUA_NOREF
    /// Registry reference of the weak table of `.grad` userdata, keyed by tensor.
    var gradObjectsRef: Int32 = LUA_NOREF
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
    /// mode) per 256 KiB. A tensor that crosses 256 KiB alone waits for the next tensor
    /// before it steps: a minor collection frees only objects that have survived at most one,
    /// and a step per large tensor let more results age to "old" before they died (a loop of
    /// `local c = a + b` on 10⁶ floats kept 9.8 results alive on average, 7.7 now; on 2^18
    /// floats 31, now 18). Fewer garbage outputs means their buffers come back to
    /// `BufferCache`, and are reused, while still in the processor's cache.
    ///
    /// Old tensors need more: only a major collection frees them, and Lua's own heap (which
    /// decides when majors happen) barely grows. So after as many new tensor bytes as were
    /// alive at the last full collection (at least 64 MiB), the bridge runs a full one; it is
    /// cheap, since it only walks Lua's small heap.
    @inline(__always)
    func account(_ L: OpaquePointer, bytes: Int) {
        // Each tensor also costs Swift objects Lua does not see; count them too.
        pendingBytes &+= bytes &+ 256
        if pendingBytes >= 256 * 1024 && pendingBytes > bytes &+ 256 {
            lg_gc_step(L, Int32(min(pendingBytes / 1024, Int(Int32.max))))
            pendingBytes = 0
        }
        bytesSinceFullCollection &+= bytes
        if bytesSinceFullCollection >= fullCollectionThreshold {
            lg_gc_collect(L)
            bytesSinceFullCollection = 0
            fullCollectionThreshold = max(64 << 20, Storage.liveBytes.load())
        }
    }

    /// Tensor bytes pushed since the last full collection, and how many trigger the next.
    var bytesSinceFullCollection = 0
    var fullCollectionThreshold = 64 << 20
}
