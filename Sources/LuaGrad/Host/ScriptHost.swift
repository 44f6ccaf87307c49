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
    /// Issue 6 adds the limits here (`sandbox`, `memoryLimit`, `instructionBudget`,
    /// `deadline`, a cancellation token); `HostState` applies them when the state is made.
    public struct Options {
        /// Receives what `print` writes (each call's text, ending in "\n"). When nil, `print`
        /// is Lua's own and writes to standard output.
        public var output: ((String) -> Void)?
        /// Whether the global `torch` is predefined. `require "luagrad"` and `require "torch"`
        /// give the module either way.
        public var predefineTorch: Bool

        public init(output: ((String) -> Void)? = nil, predefineTorch: Bool = true) {
            self.output = output
            self.predefineTorch = predefineTorch
        }
    }

    /// The LuaGrad version.
    public static let version = "0.1"
    /// The greeting of the REPL and `--version`: "LuaGrad 0.1 (Lua 5.4)".
    public static var banner: String { "LuaGrad \(version) (Lua \(LUA_VERSION_MAJOR).\(LUA_VERSION_MINOR))" }

    public let options: Options
    let state: HostState

    /// Creates a host: a fresh Lua state with the standard libraries, the collector in
    /// generational mode, `print` captured when `options.output` is set, and `torch` installed.
    public init(options: Options = Options()) throws {
        self.options = options
        state = try HostState()
        do {
            try installPrint()
            try installTorch()
        } catch {
            state.close()
            throw error
        }
    }

    deinit {
        state.close()
    }

    /// Closes the Lua state (running pending finalizers). Later calls throw; closing twice is fine.
    public func close() {
        state.close()
    }

    public var isClosed: Bool { !state.isOpen }

    // MARK: - Stack discipline

    /// Runs `body` on the current thread's stack and restores the stack top afterwards.
    func withStack<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        guard state.isOpen, let L = state.current else { throw ScriptError.host("the ScriptHost is closed") }
        guard lua_checkstack(L, 20) != 0 else { throw ScriptError.host("Lua stack overflow") }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        return try body(L)
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
    /// The number of values on the current Lua stack (tests check that calls leave it balanced).
    var stackDepth: Int32 {
        guard state.isOpen, let L = state.current else { return 0 }
        return lua_gettop(L)
    }
}
