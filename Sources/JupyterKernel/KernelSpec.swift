import Foundation

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
                let data = ProcessInfo.processInfo.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                return (data ?? NSHomeDirectory() + "/.local/share") + "/jupyter/kernels"
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
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(
                withJSONObject: json(executable: executable), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: folder + "/kernel.json"), options: .atomic)
        } catch {
            throw KernelError("cannot write the kernelspec in '\(folder)': \(error.localizedDescription)")
        }
        return folder
    }
}
