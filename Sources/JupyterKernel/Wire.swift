import Foundation

/// A JSON object as `JSONSerialization` reads and writes it.
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
            guard let object = try? JSONSerialization.jsonObject(with: Data(parts[index])) as? JSONObject else {
                throw .badJSON(name)
            }
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
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return Array("{}".utf8)
        }
        return Array(data)
    }
}

// MARK: - Headers

/// The kernel's side of a session: its id, and headers for the messages it sends.
struct Session: Sendable {
    let id = UUID().uuidString.lowercased()

    /// A reply or broadcast of `type`, answering `parent` (routed back to its sender).
    func message(_ type: String, content: JSONObject, parent: Message?, metadata: JSONObject = [:]) -> Message {
        let header: JSONObject = [
            "msg_id": UUID().uuidString.lowercased(), "msg_type": type, "session": id, "username": "kernel",
            "date": Self.timestamp(), "version": "5.3",
        ]
        return Message(
            identities: parent?.identities ?? [], header: header, parentHeader: parent?.header ?? [:],
            metadata: metadata, content: content)
    }

    /// ISO 8601 with microseconds, as Jupyter writes dates.
    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
