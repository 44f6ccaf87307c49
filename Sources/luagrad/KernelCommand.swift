#if canImport(Glibc)
import Glibc
#endif
import JupyterKernel
import LuaGrad

/// `luagrad kernel install [--user | --prefix DIR]` and `luagrad kernel -f CONNECTION_FILE`.
enum KernelRequest: Equatable {
    case install(KernelSpec.Location)
    case serve(connectionFile: String)

    /// Parses the arguments after `kernel` (`arguments[0]` is the program).
    static func parse(_ arguments: [String]) throws(UsageError) -> KernelRequest {
        let rest = Array(arguments.dropFirst(2))
        switch rest.first {
        case "install":
            switch Array(rest.dropFirst()) {
            case []: return .install(.system)
            case ["--user"]: return .install(.user)
            case let options where options.first == "--prefix":
                guard options.count == 2, !options[1].isEmpty else {
                    throw UsageError(message: "'kernel install --prefix' needs one folder")
                }
                return .install(.prefix(options[1]))
            case let options:
                throw UsageError(message: "kernel install takes --user or --prefix DIR, not '\(options.joined(separator: " "))'")
            }
        case "-f":
            guard rest.count == 2 else { throw UsageError(message: "'kernel -f' needs the connection file (and nothing else)") }
            return .serve(connectionFile: rest[1])
        case let other?:
            throw UsageError(message: "unknown kernel command '\(other)' (install, or -f CONNECTION_FILE)")
        case nil:
            throw UsageError(message: "'kernel' needs 'install' or '-f CONNECTION_FILE'")
        }
    }

    /// Carries the request out; returns the exit status.
    func run() -> Int32 {
        do {
            switch self {
            case .install(let location):
                let folder = try KernelSpec.install(executable: Self.executablePath(), at: location)
                print("Installed the kernelspec luagrad in \(folder)")
                return 0
            case .serve(let path):
                let connection = try ConnectionFile(path: path)
                return try Kernel(connection: connection, hostOptions: HostSettings().hostOptions()).run()
            }
        } catch {
            Terminal.error("luagrad kernel: \(error)\n")
            return 1
        }
    }

    /// The absolute path of this program, for the kernelspec's argv.
    private static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if count > 0 { return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
        guard let path = realpath(CommandLine.arguments[0], nil) else { return CommandLine.arguments[0] }
        defer { free(path) }
        return String(cString: path)
    }
}
