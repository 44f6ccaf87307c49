#if canImport(Glibc)
import Glibc
#endif

/// Turns what cells write to the process's standard output and error into `stream` messages.
///
/// File descriptors 1 and 2 become pipes read here, so everything reaches the notebook:
/// `print`, `io.write`, `io.stderr:write`, and whatever C code writes. A reader thread
/// forwards output while a cell runs; `flush()` at the end of a cell (and before a result or
/// a display) forwards the rest, so the notebook sees output in the order it was written.
final class OutputCapture: @unchecked Sendable {
    private struct Stream {
        let name: String
        let descriptor: Int32
        /// The tail of an unfinished UTF-8 sequence, kept for the next read.
        var pending: [UInt8] = []
    }

    private var streams: [Stream] = []
    private let lock = Lock()
    private let publisher: Publisher
    /// The request whose cell is writing (the parent of the stream messages).
    private var parent: Message?

    /// Redirects standard output and error (keeping a copy of stderr for `Log`) and standard
    /// input (from /dev/null: cells cannot prompt).
    init(publisher: Publisher) throws {
        self.publisher = publisher
        Log.descriptor = dup(STDERR_FILENO)
        for (name, target) in [("stdout", STDOUT_FILENO), ("stderr", STDERR_FILENO)] {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw KernelError("cannot make a pipe for \(name)") }
            fflush(nil)
            dup2(ends[1], target)
            close(ends[1])
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            streams.append(Stream(name: name, descriptor: ends[0]))
        }
        // Lua's print flushes after each line, so a long cell's prints arrive as they happen;
        // io.write's text arrives with the next print or when the cell ends (`flush`).
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 {
            dup2(null, STDIN_FILENO)
            close(null)
        }
        startThread("luagrad-output") { [self] in forwardForever() }
    }

    /// Sets the request that later output answers, after sending what earlier cells wrote.
    func attribute(to parent: Message?) {
        flush()
        lock.withLock { self.parent = parent }
    }

    /// The request that output currently answers.
    var currentParent: Message? { lock.withLock { parent } }

    /// Sends everything written so far.
    func flush() {
        fflush(nil)
        lock.withLock {
            for index in streams.indices { drain(index, final: true) }
        }
    }

    // MARK: - Reading

    private func forwardForever() {
        var items = streams.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        while true {
            guard poll(&items, nfds_t(items.count), -1) >= 0 || errno == EINTR else { return }
            lock.withLock {
                for index in items.indices where items[index].revents != 0 { drain(index, final: false) }
            }
        }
    }

    /// Reads what the pipe holds and publishes it (called with the lock held).
    private func drain(_ index: Int, final: Bool) {
        var bytes = streams[index].pending
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(streams[index].descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        let complete = final ? bytes.count : Self.completeUTF8Prefix(bytes)
        streams[index].pending = Array(bytes[complete...])
        guard complete > 0 else { return }
        let text = String(decoding: bytes[..<complete], as: UTF8.self)
        publisher.publish("stream", ["name": streams[index].name, "text": text], parent: parent)
    }

    /// The length of `bytes` without a trailing UTF-8 sequence that more bytes will finish.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        for back in 1...min(3, max(bytes.count, 1)) where back <= bytes.count {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 == 0x80 { continue }  // a continuation byte: look further back
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return length > back ? bytes.count - back : bytes.count
        }
        return bytes.count
    }
}
