import Autograd
import CLua
import CLuaShim

/// Owns one Lua state, its limits, and everything C callbacks reach through pointers.
///
/// Ownership: exactly one `ScriptHost` owns a `HostState`, and the Lua state lives exactly as
/// long as it. C callbacks receive unretained pointers to this object (the print sink) or to
/// boxes anchored in Lua userdata (registered Swift functions, released by `__gc`); `close()`
/// closes the Lua state first, while everything a finalizer could still call is alive.
///
/// Threading: not thread-safe. A state is used by one thread at a time, which is why
/// `ScriptHost` is not `Sendable`. The pieces other threads may touch (the stop flag that
/// cancellation sets, tensor bytes freed elsewhere) live in `limits`.
///
/// Limits: `limits` is the allocator's `ud` (memory), and drives the count hook (instructions,
/// deadline, cancellation) and the trampolines' stop check. `entering` starts and ends each
/// call from Swift; `protectedCall` recognises a stop and reports it as a limit error.
final class HostState {
    /// The main Lua thread; nil once closed.
    private(set) var main: OpaquePointer?
    /// The thread the host works on right now: the main thread, or the coroutine whose call
    /// into Swift is running (nested host calls must use the running thread's stack).
    var current: OpaquePointer?
    /// Set while `lua_close` runs finalizers, or when `close()` was asked for during a call:
    /// the host refuses new work then.
    private(set) var isClosing = false
    /// Receives `print` output when capture is on.
    var output: ((String) -> Void)?
    /// The memory account and the C limits block.
    let limits: HostLimits
    /// The instruction budget of each call from Swift (nil: none).
    var instructionLimit: Int?
    /// The wall-clock budget of each call from Swift (nil: none).
    var timeout: Duration?

    /// Calls from Swift in progress, nested ones (made by registered Swift functions) included.
    private var entryDepth = 0
    /// The forward-mode dual level of the creating thread when the host opened: closing the
    /// host leaves any level its scripts entered and never left (`forward_ad._enter()`), so
    /// the thread's next user does not find itself inside one.
    private let dualLevelAtOpen = ThreadState.current.dualLevel
    /// `close()` was called during a call: the state closes when the outermost call returns.
    private var closeRequested = false
    /// This host's grad mode, generator, memory account, ... while no call is in progress.
    private var engine = EngineSettings()

    init() throws {
        limits = try HostLimits()
        guard let L = luaL_newstate() else {
            throw ScriptError(kind: .memory, message: "cannot create a Lua state: not enough memory")
        }
        lg_limits_attach(L, limits.block)
        main = L
        current = L
        limits.collectorState = L
        engine.isCancelled = limits.shouldStop
        var status = lg_openlibs(L)
        // Lua's pattern matching can backtrack for hours inside one C call: use the matcher
        // the deadline and cancellation can interrupt.
        if status == LUA_OK { status = lg_install_patterns(L) }
        // The count hook goes with every coroutine (the main thread only has it when
        // something may need to stop the script: `lg_limits_begin`).
        if status == LUA_OK { status = lg_install_coroutines(L) }
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

    /// Starts counting Lua and tensor memory against `bytes` (done once the host is set up,
    /// so that setting up is not what trips the limit).
    func applyMemoryLimit(_ bytes: Int) throws {
        engine.memoryAccount = limits
        let used = memoryUsage.totalBytes
        guard bytes > used else {
            throw ScriptError(
                kind: .memoryLimit,
                message: "the memory limit of \(ByteCount.format(bytes)) is too small: a new host already uses \(ByteCount.format(used))")
        }
        limits.memoryLimit = bytes
    }

    /// The bytes the memory limit counts right now.
    var memoryUsage: MemoryUsage {
        MemoryUsage(
            luaBytes: Int(clamping: lg_limits_lua_bytes(limits.block)),
            tensorBytes: Int(clamping: lg_limits_tensor_bytes(limits.block)))
    }

    /// Closes the Lua state, running pending finalizers (under the host's limits, so a
    /// finalizer cannot hang it). Safe to call more than once; during a call, the state closes
    /// when the outermost call returns.
    func close() {
        guard let L = main, !isClosing else { return }
        isClosing = true
        if entryDepth > 0 {
            closeRequested = true
            return
        }
        limits.collectorState = nil
        limits.clearStop()
        let thread = ThreadState.current
        let outer = EngineSettings(of: thread)
        engine.install(on: thread)
        beginLimits(on: L)
        lua_close(L)
        lg_limits_detach(limits.block)
        // Tensors whose userdata `lua_close` freed (tensor_release.c).
        lg_limits_release_dead_tensors(limits.block)
        // The engine keeps freed large buffers for reuse; a closing host hands them back.
        BufferCache.clear()
        while thread.dualLevel > dualLevelAtOpen { ForwardAD.exitLevel() }
        outer.install(on: thread)
        engine = EngineSettings()
        main = nil
        current = nil
        output = nil
        isClosing = false
        closeRequested = false
    }

    var isOpen: Bool { main != nil && !isClosing }

    /// Releases a registry slot held by a `LuaReference` (a raw, non-raising operation).
    func releaseSlot(_ slot: Int32) {
        guard isOpen, let L = current, lua_checkstack(L, 2) != 0 else { return }
        luaL_unref(L, lg_registryindex(), slot)
    }

    // MARK: - Calls from Swift

    /// Runs `body` as a call into the host: the outermost call installs the host's engine
    /// settings on this thread, starts the instruction budget and the deadline, and when it
    /// returns clears any stop (collecting garbage after a memory stop) so the host stays usable.
    func entering<T>(_ body: () throws -> T) throws -> T {
        if entryDepth > 0 {
            entryDepth += 1
            defer { entryDepth -= 1 }
            return try body()
        }
        guard let L = main else { throw ScriptError.host("the ScriptHost is closed") }
        let thread = ThreadState.current
        let outer = EngineSettings(of: thread)
        engine.install(on: thread)
        entryDepth = 1
        defer {
            entryDepth = 0
            engine = EngineSettings(of: thread)
            outer.install(on: thread)
            if closeRequested {
                isClosing = false
                close()
            }
        }
        // A cancellation asked for while the host was idle stops this call at once.
        if limits.stopReason == .cancelled {
            limits.clearStop()
            throw limitError(reason: .cancelled, location: "", traceback: "")
        }
        beginLimits(on: L)
        let result: T
        do {
            result = try body()
        } catch {
            endLimits(on: L)
            throw error
        }
        // A limit tripped during the call but did not end it (say `coroutine.resume` caught
        // the stop and the script returned before its next instruction): the call still fails.
        if let error = endLimits(on: L) { throw error }
        return result
    }

    private func beginLimits(on L: OpaquePointer) {
        let seconds = timeout.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 }
        lg_limits_begin(limits.block, L, Int64(instructionLimit ?? -1), seconds ?? 0)
    }

    /// Clears a stop at the end of the outermost call (collecting garbage after a memory
    /// stop) and returns the error reporting it.
    @discardableResult
    private func endLimits(on L: OpaquePointer) -> ScriptError? {
        lg_limits_settle(L, limits.block)
        guard let reason = limits.stopReason else { return nil }
        limits.clearStop()
        lg_limits_begin(limits.block, L, -1, 0)
        if reason == .memory { lg_gc_collect(L) }
        return limitError(reason: reason, location: "", traceback: "")
    }

    /// The error reporting a stop for `reason`.
    func limitError(reason: StopReason, location: String, traceback: String) -> ScriptError {
        let kind: ScriptError.Kind
        let text: String
        switch reason {
        case .memory:
            kind = .memoryLimit
            text = "not enough memory: the script exceeded its memory limit of \(ByteCount.format(limits.memoryLimit ?? 0))"
        case .instructions:
            kind = .instructionLimit
            text = "the script exceeded its instruction limit of \(instructionLimit ?? 0) instructions"
        case .timeout:
            kind = .timeout
            text = "the script exceeded its time limit of \(timeout.map(Self.format) ?? "?")"
        case .cancelled:
            kind = .cancelled
            text = "the script was cancelled"
        }
        let message = location.isEmpty ? text : location + ": " + text
        return ScriptError(kind: kind, message: message, traceback: traceback, location: location)
    }

    /// "2 s", "0.5 s", "1.25 s" (to the millisecond).
    private static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return "\(duration.components.seconds) s" }
        let total = milliseconds.partialValue + duration.components.attoseconds / 1_000_000_000_000_000
        let whole = total / 1000, fraction = abs(total % 1000)
        guard fraction != 0 else { return "\(whole) s" }
        var decimals = String(fraction)
        decimals = String(repeating: "0", count: 3 - decimals.count) + decimals
        while decimals.hasSuffix("0") { decimals.removeLast() }
        return "\(whole).\(decimals) s"
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
        var location = ""
        if status == LUA_ERRRUN, lua_checkstack(L, 1) != 0 {
            lg_pushtraceback(L)
            if lua_type(L, -1) == LUA_TSTRING { traceback = string(at: -1, on: L) }
            lg_pop(L, 1)
            lg_pushlocation(L)
            if lua_type(L, -1) == LUA_TSTRING { location = string(at: -1, on: L) }
            lg_pop(L, 1)
        }
        // A limit stopped the script: whatever the message became on the way, report the limit.
        // An error that reaches the host right after a refused allocation, or Lua's own memory
        // error under a memory limit, is the limit's doing (collecting now would be too late to
        // tell: the error has already made the script's data garbage).
        if (status == LUA_ERRRUN && lg_limits_memory_pending(limits.block) != 0)
            || (status == LUA_ERRMEM && limits.memoryLimit != nil)
        {
            limits.requestStop(.memory)
        }
        if let reason = limits.stopReason, status != LUA_ERRSYNTAX, status != lg_errfile() {
            return limitError(reason: reason, location: location, traceback: traceback)
        }
        let kind: ScriptError.Kind =
            switch status {
            case LUA_ERRSYNTAX: .syntax
            case LUA_ERRMEM: .memory
            case LUA_ERRERR: .errorHandler
            case lg_errfile(): .file
            default: .runtime
            }
        return ScriptError(kind: kind, message: message, traceback: traceback, location: location)
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
