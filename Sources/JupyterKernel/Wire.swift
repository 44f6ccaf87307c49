#if canImport(Glibc)
import Glibc
#endif

/// A JSON object as `JSONText` reads and writes it.
typealias JSONObject = [String: Any]

// MARK: - Message

/// One Jupyter message (messaging protocol 5.3), as it travels between frames:
/// `identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...`.
struct Message {
    /// The ROUTER routing prefix: where a reply must go back to.
    var identities: [[UInt8]] = []
    var header: JSONObject
    var parentHeader: JSONObject = [:]
    var metadata: JSONObject = [:]
    var content: JSONObject
    var buffers: [[UInt8]] = []

    var type: String { header["msg_type"] as? String ?? "" }
    var id: String { header["msg_id"] as? String ?? "" }
}

/// Why incoming frames are not a message the kernel accepts.
enum WireError: Error, CustomStringConvertible {
    case noDelimiter
    case tooFewFrames(Int)
    case badSignature
    case badJSON(String)

    var description: String {
        switch self {
        case .noDelimiter: "no <IDS|MSG> delimiter"
        case .tooFewFrames(let count): "\(count) frames after the delimiter, 5 expected"
        case .badSignature: "bad or missing signature"
        case .badJSON(let part): "the \(part) is not a JSON object"
        }
    }
}

// MARK: - Signing and framing

/// Turns messages into signed frames and back, with the connection file's key.
struct Wire: Sendable {
    private static let delimiter = Array("<IDS|MSG>".utf8)
    /// nil when the key is empty: the protocol's "signatures disabled".
    private let hmac: HMACSHA256?

    init(key: String) {
        hmac = key.isEmpty ? nil : HMACSHA256(key: Array(key.utf8))
    }

    /// The hex signature of the four JSON frames ("" when signing is disabled).
    func signature(_ parts: [[UInt8]]) -> String {
        hmac.map { Hex.encode($0.authenticate(parts)) } ?? ""
    }

    /// The frames of `message`, signed.
    func frames(_ message: Message) -> [[UInt8]] {
        let parts = [message.header, message.parentHeader, message.metadata, message.content].map(Self.encode)
        return message.identities + [Self.delimiter, Array(signature(parts).utf8)] + parts + message.buffers
    }

    /// The message in `frames`, after checking its signature in constant time.
    func message(_ frames: [[UInt8]]) throws(WireError) -> Message {
        guard let split = frames.firstIndex(of: Self.delimiter) else { throw .noDelimiter }
        let rest = frames[(split + 1)...]
        guard rest.count >= 5 else { throw .tooFewFrames(rest.count) }
        let signature = rest[split + 1]
        let parts = Array(rest[(split + 2)..<(split + 6)])
        if hmac != nil {
            guard constantTimeEqual(signature, Array(self.signature(parts).utf8)) else { throw .badSignature }
        }
        func decode(_ index: Int, _ name: String) throws(WireError) -> JSONObject {
            guard let object = JSONText.object(parts[index]) else { throw .badJSON(name) }
            return object
        }
        return Message(
            identities: Array(frames[..<split]), header: try decode(0, "header"),
            parentHeader: try decode(1, "parent header"), metadata: try decode(2, "metadata"),
            content: try decode(3, "content"), buffers: Array(rest[(split + 6)...]))
    }

    /// Compact JSON of `object` (an empty object if it cannot be encoded, which the kernel's
    /// own dictionaries of strings, numbers, booleans, arrays and dictionaries never are).
    static func encode(_ object: JSONObject) -> [UInt8] {
        JSONText.encode(object) ?? Array("{}".utf8)
    }
}

// MARK: - Headers

/// The kernel's side of a session: its id, and headers for the messages it sends.
struct Session: Sendable {
    let id = Self.uuid()

    /// A reply or broadcast of `type`, answering `parent` (routed back to its sender).
    func message(_ type: String, content: JSONObject, parent: Message?, metadata: JSONObject = [:]) -> Message {
        let header: JSONObject = [
            "msg_id": Self.uuid(), "msg_type": type, "session": id, "username": "kernel",
            "date": Self.timestamp(), "version": "5.3",
        ]
        return Message(
            identities: parent?.identities ?? [], header: header, parentHeader: parent?.header ?? [:],
            metadata: metadata, content: content)
    }

    /// A random (version 4) UUID in lower case, as message and session ids are written.
    static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // the RFC 4122 variant
        let hex = Hex.encode(bytes)
        var out = ""
        for (i, character) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out += "-" }
            out.append(character)
        }
        return out
    }

    /// Now in UTC, ISO 8601 with microseconds, as Jupyter writes dates
    /// (`2026-12-06T06:30:00.123456Z`).
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var fields = tm()
        gmtime_r(&seconds, &fields)
        func digits(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return digits(Int(fields.tm_year) + 1900, 4) + "-" + digits(Int(fields.tm_mon) + 1, 2) + "-"
            + digits(Int(fields.tm_mday), 2) + "T" + digits(Int(fields.tm_hour), 2) + ":"
            + digits(Int(fields.tm_min), 2) + ":" + digits(Int(fields.tm_sec), 2) + "."
            + digits(now.tv_nsec / 1000, 6) + "Z"
    }
}
