#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Finding test files

/// Finds the test files under the paths given to `luagrad test`.
enum TestDiscovery {
    /// Whether `name` is a test file's name: `test_*.lua` or `*_test.lua`.
    static func isTestFileName(_ name: String) -> Bool {
        name.hasSuffix(".lua") && (name.hasPrefix("test_") || name.hasSuffix("_test.lua"))
    }

    /// The test files under `path`, sorted: the file itself when `path` names a file (whatever
    /// its name), else every test file below the directory. Hidden entries (`.git`, `.build`)
    /// are skipped. Nil when `path` does not exist.
    static func testFiles(under path: String) -> [String]? {
        switch kind(of: path) {
        case .missing: return nil
        case .file: return [path]
        case .directory:
            var found: [String] = []
            var visited: Set<FileIdentity> = []
            collect(in: path, into: &found, visited: &visited)
            return found.sorted()
        }
    }

    // MARK: - File system

    private enum Kind { case missing, file, directory }

    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private static func status(of path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    private static func kind(of path: String) -> Kind {
        guard let info = status(of: path) else { return .missing }
        return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
    }

    private static func collect(in directory: String, into found: inout [String], visited: inout Set<FileIdentity>) {
        // Symbolic links may form loops: visit each directory once.
        guard let info = status(of: directory),
            visited.insert(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted
        else { return }
        for name in entries(of: directory) where !name.hasPrefix(".") {
            let path = join(directory, name)
            switch kind(of: path) {
            case .directory: collect(in: path, into: &found, visited: &visited)
            case .file: if isTestFileName(name) { found.append(path) }
            case .missing: break
            }
        }
    }

    private static func entries(of directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `directory/name`, without a leading "./" or a doubled slash.
    static func join(_ directory: String, _ name: String) -> String {
        if directory == "." { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The directory part of `path` ("." when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
