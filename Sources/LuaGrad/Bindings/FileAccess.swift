#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// Where torch's file functions (`torch.save`, `torch.load`, `torch.io.save_npy`,
/// `torch.io.load_npy`) may read and write: anywhere, or only inside one directory the host
/// granted (`ScriptHost.Options.grantedDirectory`).
///
/// Inside a granted directory a relative path is relative to the directory, and the final path
/// is checked after the file system has resolved it: the parent is resolved with `realpath`
/// (so `..` and symbolic links in it are followed) and must be the directory or below it, and
/// the last component must not be `..` or a symbolic link (files are opened with `O_NOFOLLOW`;
/// a write renames a new file over the name, which replaces a link rather than following it).
enum FileAccess {
    /// Everything the process may reach.
    case unrestricted
    /// Only inside this directory (a real path: absolute, no links, no trailing slash).
    case confined(to: String)

    /// The policy for a host that grants `directory` (resolved now; it must exist).
    static func granting(_ directory: String) throws -> FileAccess {
        guard let real = realPath(directory) else {
            throw TorchError("the granted directory '\(directory)' cannot be used: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw TorchError("the granted directory '\(directory)' is not a directory")
        }
        return .confined(to: real)
    }

    /// Whether symbolic links at the final path may be followed.
    var followsLinks: Bool {
        if case .unrestricted = self { true } else { false }
    }

    /// The path to open for `path` as a script wrote it, or an error saying why it is refused.
    func resolve(_ path: String, _ function: String) throws -> String {
        guard case .confined(let root) = self else { return path }
        func refuse(_ reason: String) -> LuaError {
            LuaError("\(function): '\(path)' is refused: \(reason)")
        }
        guard !path.isEmpty, !path.utf8.contains(0) else { throw refuse("not a file name") }
        let full = path.hasPrefix("/") ? path : root + "/" + path
        let (parent, name) = AtomicFile.split(full)
        guard !name.isEmpty, name != ".", name != ".." else { throw refuse("not a file name") }
        guard let realParent = Self.realPath(parent) else {
            throw refuse("its directory cannot be resolved (\(String(cString: strerror(errno))))")
        }
        guard realParent == root || realParent.hasPrefix(root == "/" ? "/" : root + "/") else {
            throw refuse("it is outside the granted directory")
        }
        let resolved = (realParent == "/" ? "" : realParent) + "/" + name
        var info = stat()
        if lstat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            throw refuse("it is a symbolic link")
        }
        return resolved
    }

    /// `realpath(3)` of `path`, or nil (with `errno` set).
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
