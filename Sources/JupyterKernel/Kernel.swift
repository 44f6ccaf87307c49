#if canImport(Glibc)
import Glibc
#endif
import CZmq
import LuaGrad
import Synchronization

/// `luagrad kernel -f FILE`: a Jupyter kernel (messaging protocol 5.3) for Lua with LuaGrad.
///
/// Threads: the shell thread (the caller of `run`) owns the script host and answers the
/// shell socket, running cells; the control thread answers the control socket, so that an
/// interrupt or a shutdown reaches a kernel that is busy running a cell; the heartbeat thread
/// echoes pings; the output thread forwards what cells write; a signal thread turns SIGINT
/// into an interrupt.
public final class Kernel: @unchecked Sendable {
    let wire: Wire
    let session = Session()
    let context: ZmqContext
    let shell, control, stdin, heartbeat: ZmqSocket
    let publisher: Publisher
    let output: OutputCapture
    let lua: LuaSide
    /// The cell counter, shown as `In [n]`.
    var executionCount = 0
    /// Set by a shutdown request (on the control thread); the shell loop then ends.
    private let shuttingDown = Mutex(false)
    /// Whether a cell is running: interrupts only stop cells (a cancellation asked while idle
    /// would stop the next cell instead).
    let cellRunning = Mutex(false)

    /// Binds the five sockets at the connection file's addresses (and nowhere else), takes
    /// over the standard streams and starts the host.
    public init(connection: ConnectionFile, hostOptions: ScriptHost.Options) throws {
        wire = Wire(key: connection.key)
        context = try ZmqContext()
        shell = try ZmqSocket(context, type: ZMQ_ROUTER)
        control = try ZmqSocket(context, type: ZMQ_ROUTER)
        stdin = try ZmqSocket(context, type: ZMQ_ROUTER)
        heartbeat = try ZmqSocket(context, type: ZMQ_REP)
        let iopub = try ZmqSocket(context, type: ZMQ_PUB)
        try shell.bind(connection.endpoint(.shell))
        try control.bind(connection.endpoint(.control))
        try stdin.bind(connection.endpoint(.stdin))
        try heartbeat.bind(connection.endpoint(.heartbeat))
        try iopub.bind(connection.endpoint(.iopub))
        publisher = Publisher(socket: iopub, wire: wire, session: session)
        output = try OutputCapture(publisher: publisher)
        var options = hostOptions
        options.output = nil  // print writes to standard output, which OutputCapture reads
        let publisher = publisher, output = output
        lua = try LuaSide(options: options) { text, svg in
            output.flush()
            publisher.publish("display_data", Kernel.bundle(text: text, svg: svg), parent: output.currentParent)
        }
    }

    /// Serves until a shutdown request; returns the exit status.
    public func run() -> Int32 {
        blockInterruptSignal()
        startThread("luagrad-heartbeat") { [heartbeat] in
            heartbeat.echoForever()
            heartbeat.close()
        }
        startThread("luagrad-control") { [self] in serveControl() }
        startThread("luagrad-sigint") { [self, canceller = lua.canceller] in
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            var received: Int32 = 0
            while sigwait(&signals, &received) == 0 {
                if self.cellRunning.withLock({ $0 }) { canceller.cancel() }
            }
        }
        publisher.status("starting", parent: nil)
        while !shuttingDown.withLock({ $0 }) {
            guard let frames = try? shell.receive() else { break }
            guard let request = accept(frames, on: "shell") else { continue }
            handleShell(request)
        }
        output.flush()
        lua.host.close()
        shell.close()
        stdin.close()
        publisher.close()
        context.terminate()
        return 0
    }

    // MARK: - Receiving

    /// The message in `frames`, or nil after logging why it is dropped (a bad signature).
    func accept(_ frames: [[UInt8]], on channel: String) -> Message? {
        do {
            return try wire.message(frames)
        } catch {
            Log.write("dropped a message on \(channel): \(error)")
            return nil
        }
    }

    /// Sends `type` with `content` on `socket`, back to the sender of `request`.
    func reply(_ type: String, _ content: JSONObject, to request: Message, on socket: ZmqSocket) {
        let message = session.message(type, content: content, parent: request)
        do { try socket.send(wire.frames(message)) } catch { Log.write("cannot reply \(type): \(error)") }
    }

    // MARK: - Control

    /// Answers the control socket until shutdown.
    private func serveControl() {
        while let frames = try? control.receive() {
            guard let request = accept(frames, on: "control") else { continue }
            publisher.status("busy", parent: request)
            switch request.type {
            case "interrupt_request":
                if cellRunning.withLock({ $0 }) { lua.canceller.cancel() }
                reply("interrupt_reply", ["status": "ok"], to: request, on: control)
            case "shutdown_request":
                let restart = request.content["restart"] as? Bool ?? false
                shuttingDown.withLock { $0 = true }
                lua.canceller.cancel()
                reply("shutdown_reply", ["status": "ok", "restart": restart], to: request, on: control)
                publisher.status("idle", parent: request)
                control.close()
                context.shutdown()
                return
            case "kernel_info_request":
                reply("kernel_info_reply", Self.kernelInfo, to: request, on: control)
            default:
                Log.write("unknown control message '\(request.type)'")
            }
            publisher.status("idle", parent: request)
        }
        control.close()
    }

    // MARK: - Signals

    /// Blocks SIGINT in this thread and the threads it starts: only the signal thread takes it
    /// (with `sigwait`), so a signal never lands in the middle of Lua or libzmq.
    private func blockInterruptSignal() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }
}
