#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that a reader never sees half of it.
///
/// The bytes go to a new temporary file in the target's directory (same file system, so the
/// rename is atomic), are flushed to the disk with `fsync`, and the file is renamed over the
/// target; then the directory is flushed so the rename itself survives a crash. A crash or a
/// full disk at any point leaves the old file (or no file) under the target name, and a failed
/// write removes its temporary file.
public enum AtomicFile {
    /// Creates or replaces the file at `path` with what `body` writes.
    public static func write(to path: String, _ body: (inout FileWriter) throws -> Void) throws {
        let (directory, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw TorchError("cannot write '\(path)': not a file name")
        }
        var template = Array("\(directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw systemError("cannot write '\(path)'") }
        let temporary = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        var writer = FileWriter(fd: fd, path: path)
        do {
            // mkstemp makes the file private (0600); a saved model is an ordinary document.
            _ = fchmod(fd, 0o644)
            try body(&writer)
            guard fsync(fd) == 0 else { throw systemError("cannot write '\(path)'") }
            guard close(fd) == 0 else {
                writer.fd = -1
                throw systemError("cannot write '\(path)'")
            }
            writer.fd = -1
            guard rename(temporary, path) == 0 else { throw systemError("cannot write '\(path)'") }
        } catch {
            if writer.fd >= 0 { close(writer.fd) }
            unlink(temporary)
            throw error
        }
        // Best effort: a file system that cannot sync directories still has the file.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// The directory part (`.` when there is none) and the last component of `path`.
    public static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// A `TorchError` with `context` and the reason `errno` gives.
    static func systemError(_ context: String) -> TorchError {
        TorchError("\(context): \(String(cString: strerror(errno)))")
    }
}

/// Appends bytes to the temporary file of an `AtomicFile.write`.
public struct FileWriter {
    fileprivate(set) var fd: Int32
    let path: String
    /// Bytes written so far.
    public private(set) var count = 0

    fileprivate init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Writes all of `bytes` (retrying short writes and interruptions).
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = writeSome(fd, p, min(left, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.systemError("cannot write '\(path)'")
            }
            p += n
            left -= n
            count += n
        }
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public mutating func write(_ text: String) throws {
        try write(Array(text.utf8))
    }
}

/// `write(2)`, under a name the writer's own `write` methods do not hide.
private func writeSome(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, p, count)
}

// MARK: - Reading

/// A regular file opened for reading at offsets, its size fixed when it was opened.
///
/// Opening never blocks (a FIFO or a device is refused rather than waited on), and every read
/// must lie inside the size seen at opening: a reader that checked its header against `size`
/// cannot be led past the end by a file that changes underneath it.
public final class FileReader: ByteSource {
    private let fd: Int32
    public let path: String
    public let size: Int

    /// Opens `path`; with `followLinks: false` a symbolic link at `path` is refused.
    public init(path: String, followLinks: Bool = true) throws {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        if !followLinks { flags |= O_NOFOLLOW }
        let fd = open(path, flags)
        guard fd >= 0 else { throw AtomicFile.systemError("cannot open '\(path)'") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = AtomicFile.systemError("cannot open '\(path)'")
            close(fd)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw TorchError("cannot open '\(path)': not a regular file")
        }
        self.fd = fd
        self.path = path
        self.size = Int(info.st_size)
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        guard offset >= 0, buffer.count <= size - offset else {
            throw TorchError("'\(path)' is shorter than its header says")
        }
        guard var p = buffer.baseAddress else { return }
        var left = buffer.count
        var position = offset
        while left > 0 {
            let n = pread(fd, p, left, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.systemError("cannot read '\(path)'")
            }
            if n == 0 { throw TorchError("'\(path)' ended early (was it changed while being read?)") }
            p += n
            left -= n
            position += n
        }
    }
}

/// Bytes a format reader can read at offsets: a file, or bytes in memory (for tests).
public protocol ByteSource {
    /// The number of bytes.
    var size: Int { get }
    /// Fills `buffer` with the bytes from `offset` on; throws when they are not all there.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws
}

extension ByteSource {
    /// `count` bytes from `offset` (the caller has checked that `count` is reasonable).
    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        return out
    }

    /// Reads `count` elements of `size` bytes each from `offset` in chunks of about
    /// `chunkBytes`, and calls `convert(bytes, first, n)` for each chunk of `n` elements, the
    /// first of them element `first`.
    func readChunks(at offset: Int, count: Int, size: Int, chunkBytes: Int,
                    _ convert: (_ bytes: UnsafeRawBufferPointer, _ first: Int, _ n: Int) throws -> Void) throws {
        let chunkElements = max(1, chunkBytes / size)
        var chunk = [UInt8](repeating: 0, count: min(count, chunkElements) * size)
        var done = 0
        while done < count {
            let n = min(chunkElements, count - done)
            try chunk.withUnsafeMutableBytes { raw in
                let part = UnsafeMutableRawBufferPointer(rebasing: raw[0..<n * size])
                try read(into: part, at: offset + done * size)
                try convert(UnsafeRawBufferPointer(part), done, n)
            }
            done += n
        }
    }
}

/// Bytes in memory as a `ByteSource`.
public struct MemoryBytes: ByteSource {
    public let data: [UInt8]
    public init(_ data: [UInt8]) { self.data = data }
    public var size: Int { data.count }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        guard offset >= 0, offset <= data.count, buffer.count <= data.count - offset else {
            throw TorchError("the data is shorter than its header says")
        }
        data.withUnsafeBytes { source in
            if buffer.count > 0 { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + buffer.count])) }
        }
    }
}
