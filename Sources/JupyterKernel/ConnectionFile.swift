import Autograd

/// What a Jupyter client tells the kernel in its connection file: where to bind the five
/// sockets and the key that signs messages.
public struct ConnectionFile {
    public var transport: String
    public var ip: String
    public var key: String
    public var signatureScheme: String
    var ports: [Channel: Int]

    /// The kernel's sockets, by the name of their port in the file.
    enum Channel: String, CaseIterable {
        case shell = "shell_port", control = "control_port", stdin = "stdin_port", iopub = "iopub_port"
        case heartbeat = "hb_port"
    }

    /// Reads and checks the file at `path`; the error says what is wrong with it.
    public init(path: String) throws {
        guard let data = try? Self.contents(path) else {
            throw KernelError("cannot read the connection file '\(path)'")
        }
        guard let object = JSONText.object(data) else {
            throw KernelError("the connection file '\(path)' is not a JSON object")
        }
        transport = object["transport"] as? String ?? "tcp"
        ip = object["ip"] as? String ?? "127.0.0.1"
        key = object["key"] as? String ?? ""
        signatureScheme = object["signature_scheme"] as? String ?? "hmac-sha256"
        guard signatureScheme == "hmac-sha256" else {
            throw KernelError("signature scheme '\(signatureScheme)' is not supported (hmac-sha256 is)")
        }
        var ports: [Channel: Int] = [:]
        for channel in Channel.allCases {
            guard let port = object[channel.rawValue] as? Int else {
                throw KernelError("the connection file '\(path)' has no \(channel.rawValue)")
            }
            ports[channel] = port
        }
        self.ports = ports
    }

    private static func contents(_ path: String) throws -> [UInt8] {
        let file = try FileReader(path: path)
        var bytes = [UInt8](repeating: 0, count: file.size)
        try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        return bytes
    }

    /// The ZeroMQ endpoint of `channel` ("tcp://127.0.0.1:5555", or "ipc://path-5555").
    func endpoint(_ channel: Channel) -> String {
        let port = ports[channel] ?? 0
        return transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}

/// A failure of the kernel itself (not of a cell), reported on standard error.
public struct KernelError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
