#if canImport(Glibc)
import Glibc
#endif
import CZmq

/// A failure of ZeroMQ: what was being done and libzmq's reason.
struct ZmqError: Error, CustomStringConvertible {
    var description: String

    init(_ what: String) {
        description = "\(what): \(String(cString: lg_zmq_strerror(lg_zmq_errno())))"
    }

    init(message: String) { description = message }
}

// MARK: - Context

/// The process's ZeroMQ context (its I/O threads); sockets are made from it.
final class ZmqContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Opens libzmq (the first time) and makes a context.
    init() throws {
        var reason = [CChar](repeating: 0, count: 512)
        guard lg_zmq_open(&reason, reason.count) != 0 else {
            throw ZmqError(message: reason.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        guard let handle = lg_zmq_ctx_new() else { throw ZmqError("zmq_ctx_new") }
        self.handle = handle
    }

    /// Ends the context; blocked calls on its sockets return `ETERM`.
    func shutdown() { lg_zmq_ctx_shutdown(handle) }

    /// Waits for the context's sockets to close, then frees it.
    func terminate() { lg_zmq_ctx_term(handle) }
}

// MARK: - Socket

/// One ZeroMQ socket. Like libzmq's, it is used by one thread at a time (the caller arranges
/// that; `Publisher` locks around the iopub socket, which several threads write to).
final class ZmqSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init(_ context: ZmqContext, type: Int32) throws {
        guard let handle = lg_zmq_socket(context.handle, type) else { throw ZmqError("zmq_socket") }
        self.handle = handle
        // Close without waiting for unsent messages (a kernel that shuts down must exit).
        var linger: Int32 = 0
        lg_zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    /// Binds to `endpoint` (e.g. "tcp://127.0.0.1:5555"), the only address it listens on.
    func bind(_ endpoint: String) throws {
        guard lg_zmq_bind(handle, endpoint) == 0 else { throw ZmqError("cannot bind \(endpoint)") }
    }

    func close() { lg_zmq_close(handle) }

    /// Sends `frames` as one multipart message.
    func send(_ frames: [[UInt8]]) throws {
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? 0 : ZMQ_SNDMORE
            let sent = frame.withUnsafeBytes { lg_zmq_send(handle, $0.baseAddress, frame.count, flags) }
            guard sent >= 0 else { throw ZmqError("zmq_send") }
        }
    }

    /// Receives one multipart message (blocks); throws when the context ends.
    func receive() throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        lg_zmq_msg_init(&message)
        defer { lg_zmq_msg_close(&message) }
        repeat {
            while lg_zmq_msg_recv(&message, handle, 0) < 0 {
                guard lg_zmq_errno() == EINTR else { throw ZmqError("zmq_msg_recv") }
            }
            let size = lg_zmq_msg_size(&message)
            let data = lg_zmq_msg_data(&message)
            frames.append(size == 0 || data == nil ? [] : Array(UnsafeRawBufferPointer(start: data, count: size)))
        } while lg_zmq_msg_more(&message) != 0
        return frames
    }

    /// Forwards every message it receives back to its sender, until the context ends: the
    /// heartbeat (a REP socket echoing pings), run on its own thread.
    func echoForever() {
        while let frames = try? receive() {
            guard (try? send(frames)) != nil else { return }
        }
    }
}

/// Waits until one of `sockets` has a message to read; returns the indices that have.
func poll(_ sockets: [ZmqSocket]) throws -> [Int] {
    var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
    while lg_zmq_poll(&items, Int32(items.count), -1) < 0 {
        guard lg_zmq_errno() == EINTR else { throw ZmqError("zmq_poll") }
    }
    return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
}
