import CLua
import CLuaShim

/// Runs Lua 5.4 scripts with the `torch` module, and lets Swift and Lua call each other.
///
/// ```swift
/// let host = try ScriptHost(options: .init(output: { text in log += text }))
/// try host.run(string: "x = torch.arange(4.0)", name: "setup")
/// let results = try host.call("math.max", [3, 7])   // [.integer(7)]
/// ```
///
/// Ownership and threads: a host owns one Lua state, closed by `close()` or when the host is
/// released. It is not thread-safe and not `Sendable`: create and use each host on one thread
/// (many hosts may run at once on different threads). Values Swift receives by reference
/// (`LuaReference`) belong to the host that produced them.
///
/// Errors: every failure is thrown as a `ScriptError`. No Lua error ever unwinds a Swift
/// frame: the host only enters Lua through protected calls, and Swift functions registered
/// with `register(name:function:)` report errors through the C trampoline.
public final class ScriptHost {
    /// How a host is set up.
    ///
    /// The limits apply to the script, never to the host's own set-up. `memoryLimit` is a
    /// budget for the whole life of the host; `instructionLimit` and `timeout` apply to each
    /// call from Swift (`run`, `call`, ...; calls that Swift functions make while a script is
    /// running share their caller's budget). docs/security.md says what each one covers.
    public struct Options {
        /// Receives what `print` writes (each call's text, ending in "\n"). When nil, `print`
        /// is Lua's own and writes to standard output.
        public var output: ((String) -> Void)?
        /// Whether the global `torch` is predefined. `require "luagrad"` and `require "torch"`
        /// give the module either way.
        public var predefineTorch: Bool
        /// Whether scripts run in the sandbox: only the allow-listed parts of the standard
        /// library (no `io`, `debug`, `os` beyond `clock`/`time`/`date`, no file loading, no C
        /// modules), and only text chunks.
        public var sandbox: Bool
        /// The cap, in bytes, on the Lua heap plus the tensor storage the host's scripts
        /// allocate. Going over it stops the script with `.memoryLimit`. nil: no cap.
        public var memoryLimit: Int?
        /// How many Lua VM instructions one call may run (to within a few hundred). Going over
        /// stops the script with `.instructionLimit`. nil: no cap.
        public var instructionLimit: Int?
        /// How long one call may run. Going over stops the script with `.timeout`. nil: no cap.
        public var timeout: Duration?
        /// The one directory torch's file functions (`torch.save`, `torch.load`,
        /// `torch.io.save_npy`, `torch.io.load_npy`) may use. When set, paths are relative to it
        /// and a path that leaves it (`..`, an absolute path elsewhere, a symbolic link) is
        /// refused. In the sandbox the functions exist only when a directory is granted.
        /// nil: anywhere outside the sandbox, nowhere inside it. The directory must exist.
        public var grantedDirectory: String?

        public init(
            output: ((String) -> Void)? = nil, predefineTorch: Bool = true, sandbox: Bool = false,
            memoryLimit: Int? = nil, instructionLimit: Int? = nil, timeout: Duration? = nil,
            grantedDirectory: String? = nil
        ) {
            self.output = output
            self.predefineTorch = predefineTorch
            self.sandbox = sandbox
            self.memoryLimit = memoryLimit
            self.instructionLimit = instructionLimit
            self.timeout = timeout
            self.grantedDirectory = grantedDirectory
        }
    }

    /// The LuaGrad version.
    public static let version = "0.1"
    /// The greeting of the REPL and `--version`: "LuaGrad 0.1 (Lua 5.4)".
    public static var banner: String { "LuaGrad \(version) (Lua \(LUA_VERSION_MAJOR).\(LUA_VERSION_MINOR))" }

    public let options: Options
    let state: HostState

    /// Creates a host: a fresh Lua state with the standard libraries, the collector in
    /// generational mode, `print` captured when `options.output` is set, `torch` installed,
    /// then the sandbox and the limits of `options`.
    public init(options: Options = Options()) throws {
        self.options = options
        state = try HostState()
        do {
            try installPrint()
            try installTorch()
            try protectBridgedMetatables()
            if let directory = options.grantedDirectory { try grantDirectory(directory) }
            if options.sandbox { try installSandbox() }
            if options.sandbox || options.instructionLimit != nil || options.timeout != nil {
                try installHookGuards()
            }
            if let bytes = options.memoryLimit { try state.applyMemoryLimit(bytes) }
            state.instructionLimit = options.instructionLimit.map { max(0, $0) }
            state.timeout = options.timeout
        } catch {
            state.close()
            throw error
        }
    }

    deinit {
        state.close()
    }

    /// Closes the Lua state (running pending finalizers). Later calls throw; closing twice is
    /// fine. Called by a Swift function while a script runs, it takes effect when the call from
    /// Swift returns.
    public func close() {
        state.close()
    }

    public var isClosed: Bool { !state.isOpen }

    /// Stops this host's script from another thread (see `ScriptCanceller`).
    public var canceller: ScriptCanceller {
        // From now on the main thread keeps the count hook, which sees the cancellation.
        lg_limits_set_cancellable(state.limits.block)
        return ScriptCanceller(limits: state.limits)
    }

    /// The memory the memory limit counts: the Lua heap, and tensor storage allocated by the
    /// host's scripts (counted while a memory limit is set).
    public var memoryUsage: MemoryUsage { state.memoryUsage }

    /// Runs a full garbage collection cycle (freeing the tensors scripts no longer reach).
    public func collectGarbage() throws {
        try withStack { L in lg_gc_collect(L) }
    }

    // MARK: - Stack discipline

    /// Runs `body` on the current thread's stack and restores the stack top afterwards.
    /// Every public entry point goes through here: it is a call into the host (`entering`:
    /// engine settings, limits, stop handling).
    func withStack<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        guard state.isOpen, let L = state.current else { throw ScriptError.host("the ScriptHost is closed") }
        return try state.entering {
            guard lua_checkstack(L, 20) != 0 else { throw ScriptError.host("Lua stack overflow") }
            let top = lua_gettop(L)
            defer { lua_settop(L, top) }
            return try body(L)
        }
    }

    /// Pops `count` values from the top of `L`'s stack as `LuaValue`s, in order.
    func results(_ count: Int32, on L: OpaquePointer) -> [LuaValue] {
        let first = lua_gettop(L) - count + 1
        return (0..<Int(max(count, 0))).map { state.read(first + Int32($0), on: L) }
    }

    // MARK: - Set-up

    /// Calls `TorchModule.open` (protected) and publishes the module as
    /// `package.loaded.luagrad`, `package.loaded.torch` and, by default, the global `torch`.
    private func installTorch() throws {
        try withStack { L in
            lg_pushswiftfunction(L, TorchModule.open, 0)
            let count = try state.protectedCall(L, arguments: 0, results: 1)
            guard count == 1, lua_type(L, -1) == LUA_TTABLE else {
                throw ScriptError.host("the torch module did not open as a table")
            }
            let module = lua_gettop(L)
            lua_getfield(L, lg_registryindex(), LUA_LOADED_TABLE)
            let loaded = lua_gettop(L)
            for name in ["luagrad", "torch"] {
                lua_pushvalue(L, loaded)
                state.pushString(name, on: L)
                lua_pushvalue(L, module)
                try setTable(on: L)
            }
            if options.predefineTorch {
                lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
                state.pushString("torch", on: L)
                lua_pushvalue(L, module)
                try setTable(on: L)
            }
        }
    }

    /// `t[k] = v` for `t, k, v` on top of the stack, honouring metamethods, protected.
    func setTable(on L: OpaquePointer) throws {
        lg_pushmsghandler(L)
        lg_insert(L, -4)
        let handler = lua_gettop(L) - 3
        let status = lg_psettable(L, handler)
        if status != LUA_OK { throw state.scriptError(status: status, on: L) }
        lg_remove(L, handler)
    }

    /// `t[k]` for `t, k` on top of the stack, honouring metamethods, protected; the pair is
    /// replaced by the value.
    func getTable(on L: OpaquePointer) throws {
        lg_pushmsghandler(L)
        lg_insert(L, -3)
        let handler = lua_gettop(L) - 2
        let status = lg_pgettable(L, handler)
        if status != LUA_OK { throw state.scriptError(status: status, on: L) }
        lg_remove(L, handler)
    }
}

// MARK: - Test support

extension ScriptHost {
    /// Sets the global `name` to a table of Lua's own `find`, `match`, `gmatch` and `gsub`
    /// (the host replaced them with interruptible ones), for tests that compare the two.
    func exposeOriginalPatternFunctions(as name: String) throws {
        try withStack { L in
            lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            state.pushString(name, on: L)
            lg_push_original_patterns(L)
            try setTable(on: L)
        }
    }

    /// The number of values on the current Lua stack (tests check that calls leave it balanced).
    var stackDepth: Int32 {
        guard state.isOpen, let L = state.current else { return 0 }
        return lua_gettop(L)
    }
}
