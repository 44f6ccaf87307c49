#if canImport(Glibc)
import Glibc
#endif

/// The kernel's own messages (dropped messages, socket failures), on the standard error the
/// kernel started with: the process's file descriptor 2 is the cells' stderr stream.
enum Log {
    /// A copy of the original standard error, made before `OutputCapture` takes it over.
    nonisolated(unsafe) static var descriptor: Int32 = STDERR_FILENO

    static func write(_ text: String) {
        let line = "luagrad kernel: " + text + "\n"
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Glibc.write(descriptor, buffer.baseAddress, buffer.count - 1)
        }
    }
}
