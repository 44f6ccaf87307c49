import Autograd

/// JSON text to and from the kernel's `JSONObject`s (`[String: Any]` of strings, `Int`s,
/// `Double`s, `Bool`s, arrays, objects and `JSONNull`), through Autograd's strict `JSON`.
///
/// Foundation's `JSONSerialization` did this before; linking Foundation cost every start of
/// `luagrad` (not only of the kernel) about a fifth of its start-up time.
enum JSONText {
    /// The object in `bytes`, or nil when they are not JSON text of an object.
    static func object(_ bytes: [UInt8]) -> JSONObject? {
        guard let value = try? JSON.parse(bytes) else { return nil }
        return any(value) as? JSONObject
    }

    /// Compact text of `object` with its keys sorted, or nil if it holds a value JSON cannot
    /// spell (the kernel's own objects never do).
    static func encode(_ object: JSONObject, indent: Bool = false) -> [UInt8]? {
        guard let value = json(object) else { return nil }
        var out = ""
        write(value, indent: indent ? "\n" : nil, to: &out)
        return Array(out.utf8)
    }

    // MARK: - Conversions

    private static func any(_ value: JSON) -> Any {
        switch value {
        case .null: return JSONNull()
        case .bool(let b): return b
        case .integer(let i): return Int(i)
        case .double(let d): return d
        case .string(let s): return s
        case .array(let elements): return elements.map(any)
        // A repeated key keeps its last value.
        case .object(let members): return Dictionary(members.map { ($0.key, any($0.value)) }) { $1 }
        }
    }

    private static func json(_ value: Any) -> JSON? {
        switch value {
        case is JSONNull: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .integer(Int64(i))
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let object as [String: Any]:
            var members: [(key: String, value: JSON)] = []
            for key in object.keys.sorted() {
                guard let member = json(object[key]!) else { return nil }
                members.append((key, member))
            }
            return .object(members)
        case let elements as [Any]:
            var out: [JSON] = []
            for element in elements {
                guard let converted = json(element) else { return nil }
                out.append(converted)
            }
            return .array(out)
        default: return nil
        }
    }

    /// Writes `value`: compact when `indent` is nil, else one member per line, each level two
    /// spaces deeper than `indent` (a newline and the current indentation).
    private static func write(_ value: JSON, indent: String?, to out: inout String) {
        guard let indent else { return out += value.text }
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out += "["
            for (i, element) in elements.enumerated() {
                out += (i > 0 ? "," : "") + indent + "  "
                write(element, indent: indent + "  ", to: &out)
            }
            out += indent + "]"
        case .object(let members) where !members.isEmpty:
            out += "{"
            for (i, member) in members.enumerated() {
                out += (i > 0 ? "," : "") + indent + "  " + JSON.string(member.key).text + ": "
                write(member.value, indent: indent + "  ", to: &out)
            }
            out += indent + "}"
        default:
            out += value.text
        }
    }
}

/// JSON's `null` inside a `JSONObject` (read from a client's message, and written back when a
/// reply echoes its header).
struct JSONNull: Sendable {}
