import CZmq

/// The iopub socket: broadcasts (status, streams, results, errors) from every thread of the
/// kernel, one message at a time.
final class Publisher: @unchecked Sendable {
    private let socket: ZmqSocket
    private let wire: Wire
    private let session: Session
    private let lock = Lock()
    private var isClosed = false

    init(socket: ZmqSocket, wire: Wire, session: Session) {
        self.socket = socket
        self.wire = wire
        self.session = session
    }

    /// Publishes a message of `type` whose parent is `parent`; errors are logged, not
    /// thrown (a broadcast nobody hears is not the kernel's failure).
    func publish(_ type: String, _ content: JSONObject, parent: Message?) {
        var message = session.message(type, content: content, parent: parent)
        // Broadcasts go by topic, not back to a ROUTER identity.
        message.identities = [Array("kernel.\(session.id).\(type)".utf8)]
        let frames = wire.frames(message)
        lock.withLock {
            guard !isClosed else { return }
            do { try socket.send(frames) } catch { Log.write("iopub: \(error)") }
        }
    }

    /// `status` busy or idle, around the handling of `parent`.
    func status(_ state: String, parent: Message?) {
        publish("status", ["execution_state": state], parent: parent)
    }

    /// Closes the socket; later broadcasts are dropped.
    func close() {
        lock.withLock {
            isClosed = true
            socket.close()
        }
    }
}
