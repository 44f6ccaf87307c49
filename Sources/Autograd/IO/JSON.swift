/// A JSON value, as the file formats need it: objects keep their keys in file order (duplicates
/// included, so readers can reject them), and numbers remember whether they were written as
/// integers.
///
/// The parser is strict RFC 8259 and built for hostile input: it reads bytes, never recurses
/// deeper than `JSON.maxDepth`, rejects invalid UTF-8, control characters in strings, leading
/// zeros, trailing commas and trailing garbage, and its work is linear in the input's length.
public enum JSON: Sendable {
    case null
    case bool(Bool)
    /// A number written without a fraction or exponent that fits in 64 bits.
    case integer(Int64)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([JSON])
    /// Members in the order they appear (keys may repeat: see `JSON.duplicateKey`).
    case object([(key: String, value: JSON)])

    /// How deep arrays and objects may nest.
    public static let maxDepth = 64

    // MARK: - Accessors

    /// The members of an object, or nil.
    public var members: [(key: String, value: JSON)]? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The elements of an array, or nil.
    public var elements: [JSON]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// The text of a string, or nil.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The value of an integer, or nil (a number with a fraction or exponent is not one).
    public var integerValue: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The first key that appears twice in `members`, if any.
    public static func duplicateKey(_ members: [(key: String, value: JSON)]) -> String? {
        var seen = Set<String>()
        for (key, _) in members where !seen.insert(key).inserted { return key }
        return nil
    }

    // MARK: - Writing

    /// Compact JSON text. Doubles use the shortest text that reads back to the same value and
    /// always carry a `.` or an exponent, so `integer` and `double` survive a round trip;
    /// non-finite doubles (which JSON cannot spell) are written as `null`.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .double(let d):
            guard d.isFinite else { out += "null"; return }
            let text = "\(d)"
            out += text
            if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { out += ".0" }
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += "," }
                e.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    // MARK: - Reading

    /// Parses `bytes` as one JSON value surrounded by optional whitespace.
    public static func parse<C: Collection<UInt8>>(_ bytes: C) throws -> JSON {
        var parser = JSONParser(Array(bytes))
        return try parser.document()
    }
}

/// Why a JSON text was refused.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The byte offset where the problem was found.
    public let offset: Int

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A recursive-descent parser over a byte array.
private struct JSONParser {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws -> JSON {
        skipWhitespace()
        let value = try value(depth: 0)
        skipWhitespace()
        guard i == bytes.count else { throw error("unexpected text after the value") }
        return value
    }

    private func error(_ message: String) -> JSONError { JSONError(message: message, offset: i) }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 }
    }

    private mutating func expect(_ literal: String, _ value: JSON) throws -> JSON {
        for b in literal.utf8 {
            guard peek == b else { throw error("expected '\(literal)'") }
            i += 1
        }
        return value
    }

    private mutating func value(depth: Int) throws -> JSON {
        guard let b = peek else { throw error("unexpected end of text") }
        switch b {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws -> JSON {
        guard depth <= JSON.maxDepth else { throw error("nested deeper than \(JSON.maxDepth) levels") }
        i += 1
        var members: [(key: String, value: JSON)] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipWhitespace()
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return .object(members)
            default: throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int) throws -> JSON {
        guard depth <= JSON.maxDepth else { throw error("nested deeper than \(JSON.maxDepth) levels") }
        i += 1
        var elements: [JSON] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { i += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(elements)
            default: throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func string() throws -> String {
        i += 1
        var utf8: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string") }
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw error("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw error("unterminated string") }
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): utf8.append(contentsOf: try unicodeEscape())
                default: throw error("invalid escape")
                }
            case 0..<0x20: throw error("control character in string")
            default: utf8.append(b)
            }
        }
    }

    /// The UTF-8 bytes of a `\uXXXX` escape (the `\u` already read), joining surrogate pairs.
    private mutating func unicodeEscape() throws -> [UInt8] {
        let high = try hex4()
        var scalarValue = high
        if (0xD800..<0xDC00).contains(high) {
            guard peek == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
            scalarValue = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw error("unpaired surrogate") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek, let digit = hexDigit(b) else { throw error("invalid \\u escape") }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    private func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func number() throws -> JSON {
        let start = i
        if peek == UInt8(ascii: "-") { i += 1 }
        guard let first = peek, isDigit(first) else { throw error("invalid number") }
        i += 1
        if first == UInt8(ascii: "0"), let next = peek, isDigit(next) { throw error("leading zero in number") }
        skipDigits()
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard let d = peek, isDigit(d) else { throw error("invalid number") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard let d = peek, isDigit(d) else { throw error("invalid number") }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw error("invalid number") }
        return .double(value)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let b = peek, isDigit(b) { i += 1 }
    }
}
