import CLua
import CLuaShim

/// Owns one Lua state and everything C callbacks reach through pointers.
///
/// Ownership: exactly one `ScriptHost` owns a `HostState`, and the Lua state lives exactly as
/// long as it. C callbacks receive unretained pointers to this object (the print sink) or to
/// boxes anchored in Lua userdata (registered Swift functions, released by `__gc`); `close()`
/// closes the Lua state first, while everything a finalizer could still call is alive.
///
/// Threading: not thread-safe. A state is used by one thread at a time, which is why
/// `ScriptHost` is not `Sendable`. Issue 6 keeps its cross-thread piece (the cancellation
/// flag) as a separate `Sendable` object that the hook reads.
///
/// Issue 6 plugs in here: `makeState` switches to `lua_newstate` with an accounting
/// allocator whose `ud` is this object (memory limit), `configure` installs the count hook
/// (instruction budget, deadline, cancellation) and the sandbox, and `protectedCall` is the
/// single place where limit errors are recognised and classified.
final class HostState {
    /// The main Lua thread; nil once closed.
    private(set) var main: OpaquePointer?
    /// The thread the host works on right now: the main thread, or the coroutine whose call
    /// into Swift is running (nested host calls must use the running thread's stack).
    var current: OpaquePointer?
    /// Set while `lua_close` runs finalizers: the host refuses new work then.
    private(set) var isClosing = false
    /// Receives `print` output when capture is on.
    var output: ((String) -> Void)?

    init() throws {
        guard let L = HostState.makeState() else {
            throw ScriptError(kind: .memory, message: "cannot create a Lua state: not enough memory")
        }
        main = L
        current = L
        let status = lg_openlibs(L)
        if status != LUA_OK {
            let error = scriptError(status: status, on: L)
            close()
            throw error
        }
        // NOTES.md: the incremental collector cannot keep up with millions of small userdata
        // with `__gc` (tensors); generational mode keeps memory flat.
        lg_gc_generational(L)
        do {
            try installFunctionMetatable(on: L)
        } catch {
            close()
            throw error
        }
    }

    /// Creates the bare Lua state (the memory-limit allocator goes here).
    private static func makeState() -> OpaquePointer? {
        luaL_newstate()
    }

    /// Closes the Lua state, running pending finalizers. Safe to call more than once.
    func close() {
        guard let L = main, !isClosing else { return }
        isClosing = true
        lua_close(L)
        main = nil
        current = nil
        output = nil
        isClosing = false
    }

    var isOpen: Bool { main != nil && !isClosing }

    /// Releases a registry slot held by a `LuaReference` (a raw, non-raising operation).
    func releaseSlot(_ slot: Int32) {
        guard isOpen, let L = current, lua_checkstack(L, 2) != 0 else { return }
        luaL_unref(L, lg_registryindex(), slot)
    }

    // MARK: - Protected calls

    /// Calls the function lying below the `arguments` values on top of `L`'s stack, in
    /// protected mode with the traceback handler, and returns how many results it left.
    /// On error the function and arguments are popped and the error is thrown.
    func protectedCall(_ L: OpaquePointer, arguments: Int32, results: Int32 = LUA_MULTRET) throws -> Int32 {
        let base = lua_gettop(L) - arguments
        guard lua_checkstack(L, 1) != 0 else { throw ScriptError.host("Lua stack overflow") }
        lg_pushmsghandler(L)
        lg_insert(L, base)
        let status = lg_pcall(L, arguments, results, base)
        guard status == LUA_OK else {
            let error = scriptError(status: status, on: L)
            lua_settop(L, base - 1)
            throw error
        }
        lg_remove(L, base)
        return lua_gettop(L) - base + 1
    }

    /// The error of a failed load or call, whose status is `status` and whose message is on
    /// top of the stack (left there).
    func scriptError(status: Int32, on L: OpaquePointer) -> ScriptError {
        let message =
            lua_type(L, -1) == LUA_TSTRING
            ? string(at: -1, on: L)
            : "(error object is a \(typeName(at: -1, on: L)) value)"
        var traceback = ""
        if status == LUA_ERRRUN, lua_checkstack(L, 1) != 0 {
            lg_pushtraceback(L)
            if lua_type(L, -1) == LUA_TSTRING { traceback = string(at: -1, on: L) }
            lg_pop(L, 1)
        }
        let kind: ScriptError.Kind =
            switch status {
            case LUA_ERRSYNTAX: .syntax
            case LUA_ERRMEM: .memory
            case LUA_ERRERR: .errorHandler
            case lg_errfile(): .file
            default: .runtime
            }
        return ScriptError(kind: kind, message: message, traceback: traceback)
    }

    // MARK: - Small stack helpers

    /// The string at `index` (which must be a string: never converts numbers in place).
    func string(at index: Int32, on L: OpaquePointer) -> String {
        var length = 0
        guard let bytes = lg_tostring(L, index, &length) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    func pushString(_ string: String, on L: OpaquePointer) {
        var string = string
        string.withUTF8 { buffer in
            let start = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            _ = lua_pushlstring(L, start, buffer.count)
        }
    }

    func typeName(at index: Int32, on L: OpaquePointer) -> String {
        String(cString: lua_typename(L, lua_type(L, index)))
    }
}
