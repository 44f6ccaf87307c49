#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd
import CLua
import CLuaShim

/// `torch.viz`: pictures of autograd graphs.
///
/// - `torch.viz.dot(t)` returns the Graphviz DOT text of the graph behind `t` (or behind each
///   tensor of a table of roots), as `GraphDot` writes it.
/// - `torch.viz.svg(t, path)` renders that text to an SVG file with Graphviz's `dot` program,
///   and says how to install Graphviz when `dot` is missing.
/// - `torch.viz._record_backward(true)` makes `t:backward()` and `torch.autograd.backward`
///   remember their root in `torch.viz._last_root`, so that `luagrad run --graph out.svg FILE`
///   can draw the graph of the script's last backward pass. It is off by default: the last
///   root keeps its graph's nodes alive until the next backward.
enum Viz {
    /// Adds `torch.viz` to the module table at `module`.
    static func install(_ s: LuaStack, module: Int32) {
        let module = s.absolute(module)
        lg_newtable(s.L)
        let viz = s.top
        s.push(function: dot)
        s.setField(viz, "dot")
        s.push(function: svg)
        s.setField(viz, "svg")
        lua_pushvalue(s.L, viz)
        lua_pushvalue(s.L, module)
        s.push(function: recordBackward, upvalues: 2)
        s.setField(viz, "_record_backward")
        s.setField(module, "viz")
    }

    // MARK: - dot and svg

    /// The roots at `i`: a tensor or a table of tensors.
    private static func roots(_ s: LuaStack, _ i: Int32, _ function: String) throws -> [Tensor] {
        if s.isNoneOrNil(i) {
            throw LuaError.badArgument(i, function, expected: "Tensor or table of Tensors", got: s.typeName(i))
        }
        return try tensorList(s, i, function, allowNil: false).compactMap { $0 }
    }

    /// `torch.viz.dot(t)`: the DOT text of the graph behind `t`.
    static let dot: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push(GraphDot.dot(for: try roots(s, 1, "dot")))
            return 1
        }
    }

    /// `torch.viz.svg(t, path)`: writes the graph behind `t` as an SVG file; returns `path`.
    static let svg: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let graph = GraphDot.dot(for: try roots(s, 1, "svg"))
            guard let path = s.string(2), !path.isEmpty else {
                throw LuaError.badArgument(2, "svg", expected: "file name", got: s.typeName(2))
            }
            try Graphviz.render(graph, format: "svg", to: path)
            lua_pushvalue(s.L, 2)
            return 1
        }
    }

    // MARK: - Recording the last backward

    /// `torch.viz._record_backward(flag)`: swaps `Tensor:backward` and `torch.autograd.backward`
    /// for versions that first store their root in `torch.viz._last_root` (or back).
    /// Upvalues: 2 = the viz table, 3 = the torch module.
    static let recordBackward: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let on = s.isNoneOrNil(1) || s.boolean(1)
            guard lua_checkstack(s.L, 6) != 0 else { throw LuaError("stack overflow in _record_backward") }
            // The tensor methods are the first upvalue of the metatable's __index closure.
            lua_rawgeti(s.L, lg_registryindex(), lua_Integer(BridgeContext.get(s.L).tensorMetatableRef))
            lua_getfield_raw(s.L, -1, "__index")
            guard s.type(-1) == LUA_TFUNCTION, lua_getupvalue(s.L, -1, 1) != nil, s.type(-1) == LUA_TTABLE else {
                throw LuaError("torch.viz: cannot find the Tensor methods to record backward")
            }
            let methods = s.top
            if on {
                lua_pushvalue(s.L, lg_upvalueindex(2))
                s.push(function: recordingTensorBackward, upvalues: 1)
            } else {
                s.push(function: TensorMethods.backward)
            }
            s.setField(methods, "backward")
            // Until a script first reads torch.autograd, its table waits aside for its Lua
            // half (`LuaLibrary.deferredGroups`) and a raw read finds nil: run that half now.
            if LuaLibrary.pushDeferredLoader(on: s.L) {
                s.push("autograd")
                if lg_pcall(s.L, 1, 0, 0) != LUA_OK { throw RaisedLuaValue() }
            }
            lua_getfield_raw(s.L, lg_upvalueindex(3), "autograd")
            guard s.type(-1) == LUA_TTABLE else { throw LuaError("torch.viz: torch.autograd is missing") }
            if on {
                lua_pushvalue(s.L, lg_upvalueindex(2))
                s.push(function: recordingAutogradBackward, upvalues: 1)
            } else {
                s.push(function: ModuleFunctions.backward)
            }
            s.setField(-2, "backward")
            return 0
        }
    }

    /// Stores the value at 1 (the root) as `_last_root` of the viz table at upvalue 2.
    private static func recordRoot(_ L: OpaquePointer?) {
        guard let L, lua_checkstack(L, 2) != 0 else { return }
        let s = LuaStack(L: L)
        lua_pushvalue(L, 1)
        s.setField(lg_upvalueindex(2), "_last_root")
    }

    /// `t:backward(...)` that records `t` first.
    static let recordingTensorBackward: lg_SwiftFunction = { L in
        recordRoot(L)
        return TensorMethods.backward(L)
    }

    /// `torch.autograd.backward(tensors, ...)` that records `tensors` first.
    static let recordingAutogradBackward: lg_SwiftFunction = { L in
        recordRoot(L)
        return ModuleFunctions.backward(L)
    }
}

/// Running Graphviz's `dot` program.
enum Graphviz {
    /// Renders DOT `text` to `path` in `format` (`svg`, `png`, ...) with `dot -T<format>`.
    static func render(_ text: String, format: String, to path: String) throws {
        let input = try TemporaryFile(contents: text, suffix: ".dot")
        defer { input.remove() }
        let result = try run(["dot", "-T" + format, "-o", path, input.path])
        guard result.status == 0 else {
            let detail = result.errorOutput.isEmpty ? "" : ": \(result.errorOutput)"
            throw LuaError("torch.viz: dot failed with status \(result.status)\(detail)")
        }
    }

    /// Runs `arguments` (found on PATH) and returns its exit status and standard error.
    private static func run(_ arguments: [String]) throws -> (status: Int32, errorOutput: String) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw LuaError("torch.viz: cannot create a pipe") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, STDERR_FILENO)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            if spawned == ENOENT {
                throw LuaError("torch.viz.svg needs Graphviz's `dot` program, which is not installed (on PATH): install Graphviz, e.g. `apt-get install graphviz` (Debian, Ubuntu) or `brew install graphviz` (macOS); torch.viz.dot(t) gives the DOT text without it")
            }
            throw LuaError("torch.viz: cannot run dot: \(String(cString: strerror(spawned)))")
        }
        // Read standard error to its end before waiting, so a chatty child cannot block.
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n > 0 { collected += buffer[0..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        close(readEnd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WEXITSTATUS / WIFEXITED are macros Swift cannot import.
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let message = String(decoding: collected, as: UTF8.self)
        return (code, message.hasSuffix("\n") ? String(message.dropLast()) : message)
    }
}

/// A file in the temporary directory holding some text, removed by `remove()`.
private struct TemporaryFile {
    let path: String

    init(contents: String, suffix: String) throws {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((directory + "/luagrad-graph-XXXXXX" + suffix).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemps(base, Int32(suffix.utf8.count))
        }
        guard fd >= 0 else { throw LuaError("torch.viz: cannot create a temporary file in \(directory)") }
        // mkstemps replaced the X's in place; drop the terminating NUL.
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + written, buffer.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                unlink(path)
                throw LuaError("torch.viz: cannot write \(path)")
            }
            written += n
        }
        close(fd)
    }

    func remove() { unlink(path) }
}
