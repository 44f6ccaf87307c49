import Autograd
import CLua
import CLuaShim

/// A script function kept alive in the registry so Swift can call it later: a gradient hook,
/// or the backward of a custom function.
///
/// Calls run on the Lua thread that started the current backward pass (`BridgeContext.activeState`)
/// under a protected call; a script error is left on that stack and rethrown as `RaisedLuaValue`,
/// so the binding that started the pass re-raises it unchanged.
final class LuaCallback {
    private let context: BridgeContext
    private var ref: Int32

    /// Keeps the function at stack slot `i` of `L`.
    init(_ L: OpaquePointer, _ i: Int32) {
        context = BridgeContext.get(L)
        lua_pushvalue(L, i)
        ref = luaL_ref(L, lg_registryindex())
    }

    deinit { release() }

    /// Drops the registry reference (the function may then be collected).
    func release() {
        guard ref != LUA_NOREF, let L = context.mainState else { return }
        luaL_unref(L, lg_registryindex(), ref)
        ref = LUA_NOREF
    }

    /// Calls the function with `arguments` (nil stays nil) and returns its results.
    func call(_ arguments: [Tensor?]) throws -> [LuaResult] {
        guard let L = context.activeState ?? context.mainState, ref != LUA_NOREF else {
            throw TorchError("a script callback was called after its script host closed")
        }
        let s = LuaStack(L: L)
        guard lua_checkstack(L, Int32(clamping: arguments.count + 2)) != 0 else { throw LuaError("stack overflow") }
        let base = s.top
        lua_rawgeti(L, lg_registryindex(), lua_Integer(ref))
        for a in arguments { if let a { s.push(a) } else { s.pushNil() } }
        if lg_pcall(L, Int32(arguments.count), LUA_MULTRET, 0) != LUA_OK { throw RaisedLuaValue() }
        defer { lua_settop(L, base) }
        return (base + 1 ..< s.top + 1).map { i in
            if let t = s.tensor(i) { return .tensor(t) }
            if s.isNoneOrNil(i) { return .none }
            return .other(s.typeName(i))
        }
    }

    /// One result of a script callback.
    enum LuaResult {
        case tensor(Tensor)
        case none
        case other(String)

        var tensor: Tensor? { if case .tensor(let t) = self { t } else { nil } }
    }
}
