#if canImport(Glibc)
import Glibc
#endif
import Autograd

/// The kernelspec that registers `luagrad kernel` with Jupyter (`kernel.json` in a folder
/// named for the kernel, where `jupyter kernelspec list` looks).
public enum KernelSpec {
    public static let name = "luagrad"
    public static let displayName = "LuaGrad (Lua 5.4)"

    /// Where `install` writes, as `jupyter kernelspec install` chooses: the system folder by
    /// default, the user's with `--user`, `PREFIX/share/jupyter/kernels` with `--prefix`.
    public enum Location: Equatable {
        case system
        case user
        case prefix(String)

        var kernelsFolder: String {
            switch self {
            case .system: return "/usr/local/share/jupyter/kernels"
            case .user:
                let data = environment("XDG_DATA_HOME")
                return (data ?? homeFolder() + "/.local/share") + "/jupyter/kernels"
            case .prefix(let prefix): return prefix + "/share/jupyter/kernels"
            }
        }
    }

    /// The contents of `kernel.json` for the program at `executable` (an absolute path).
    static func json(executable: String) -> JSONObject {
        [
            "argv": [executable, "kernel", "-f", "{connection_file}"],
            "display_name": displayName,
            "language": "lua",
            // Interrupts come as interrupt_request on the control socket; the kernel also
            // stops a cell on SIGINT, for clients that send signals anyway.
            "interrupt_mode": "message",
            "metadata": ["debugger": false],
        ]
    }

    /// Writes the kernelspec for `executable` at `location`; returns the folder written.
    public static func install(executable: String, at location: Location) throws -> String {
        let folder = location.kernelsFolder + "/" + name
        do {
            try makeFolders(folder)
            let text = JSONText.encode(json(executable: executable), indent: true) ?? []
            try AtomicFile.write(to: folder + "/kernel.json") { try $0.write(text + Array("\n".utf8)) }
        } catch {
            throw KernelError("cannot write the kernelspec in '\(folder)': \(error)")
        }
        return folder
    }

    // MARK: - The file system

    /// `path` and the folders above it, made where missing (`mkdir -p`).
    private static func makeFolders(_ path: String) throws {
        var made = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            made += "/" + component
            guard mkdir(made, 0o755) == 0 || errno == EEXIST else {
                throw KernelError("cannot make '\(made)': \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The value of the environment variable `name`, or nil when it is unset or empty.
    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    /// `$HOME`, or the home folder the user database gives.
    private static func homeFolder() -> String {
        if let home = environment("HOME") { return home }
        guard let entry = getpwuid(getuid()), let folder = entry.pointee.pw_dir else { return "/" }
        return String(cString: folder)
    }
}
