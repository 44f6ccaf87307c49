import Autograd
// Double-to-integer conversions call libm (trunc, rint, ...), which Swift links only for a
// module that imports the C library.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - LuaValue

/// A Lua value seen from Swift.
///
/// Scalars and strings are copied. Tables are copied by value as a `LuaTable` whenever that
/// is possible; a table that cannot be copied (it contains itself, is nested deeper than
/// `LuaTable.maximumDepth`, or has keys that are not scalars) arrives as `.reference`.
/// Functions and every other Lua object (userdata, threads) are held by reference: the
/// `LuaReference` keeps the object alive in its host until the reference is released.
///
/// Tensors cross as `.tensor`, sharing memory with the script's tensor (no copy).
public enum LuaValue {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    /// A Lua string, decoded as UTF-8 (invalid sequences become U+FFFD).
    case string(String)
    case table(LuaTable)
    /// A function (Lua or Swift) owned by the host it came from.
    case function(LuaReference)
    /// Any other Lua object: userdata, threads, and tables that cannot be copied.
    case reference(LuaReference)
    /// A tensor, shared with the script (the same storage, not a copy).
    case tensor(Tensor)
}

// MARK: - Tables

/// A Lua table copied into Swift: `array` holds `t[1], t[2], ...` up to the first nil,
/// `fields` every other key. When pushed to Lua, `fields` are written after `array`.
public struct LuaTable: Equatable {
    /// Tables nested deeper than this are passed as references instead of being copied.
    public static let maximumDepth = 100

    public var array: [LuaValue]
    public var fields: [LuaKey: LuaValue]

    public init(array: [LuaValue] = [], fields: [LuaKey: LuaValue] = [:]) {
        self.array = array
        self.fields = fields
    }

    /// `t[key]` as Lua would answer it (nil when absent).
    public subscript(key: LuaKey) -> LuaValue {
        if case .integer(let i) = key, i >= 1, i <= Int64(array.count) {
            return array[Int(i - 1)]
        }
        return fields[key] ?? .nil
    }
}

extension LuaTable {
    /// A table with string keys only: `LuaTable(["name": "x", "size": 3])`.
    public init(_ fields: [String: LuaValue]) {
        self.init(fields: Dictionary(uniqueKeysWithValues: fields.map { (LuaKey.string($0.key), $0.value) }))
    }

    /// The fields whose keys are strings.
    public var stringFields: [String: LuaValue] {
        var result: [String: LuaValue] = [:]
        for (key, value) in fields {
            if case .string(let name) = key { result[name] = value }
        }
        return result
    }
}

/// A table key Swift can hold by value.
public enum LuaKey: Hashable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)

    /// The key as a value.
    public var value: LuaValue {
        switch self {
        case .string(let s): .string(s)
        case .integer(let i): .integer(i)
        case .number(let x): .number(x)
        case .boolean(let b): .boolean(b)
        }
    }
}

extension LuaKey: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

// MARK: - Reading values

extension LuaValue {
    /// The Lua type name: "nil", "boolean", "number", "string", "table", "function", ...
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .table: "table"
        case .function: "function"
        case .reference(let r): r.typeName
        case .tensor: "Tensor"
        }
    }

    /// Lua's truth: everything except nil and false.
    public var isTruthy: Bool {
        switch self {
        case .nil, .boolean(false): false
        default: true
        }
    }

    public var isNil: Bool { if case .nil = self { true } else { false } }

    /// The integer, or a float with an exact integer value (as Lua converts them).
    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let x): return Int64(exactly: x)
        default: return nil
        }
    }

    /// Any number as a Double.
    public var numberValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let x): x
        default: nil
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .boolean(let b) = self { b } else { nil } }
    public var tableValue: LuaTable? { if case .table(let t) = self { t } else { nil } }

    /// `t[key]` when this is a copied table, else nil.
    public subscript(key: LuaKey) -> LuaValue {
        if case .table(let t) = self { return t[key] }
        return .nil
    }
}

// MARK: - Equality

extension LuaValue: Equatable {
    /// Values are equal when they have the same case and contents; references are equal
    /// only when they are the same `LuaReference` object. `.integer(1)` is not `.number(1)`.
    public static func == (lhs: LuaValue, rhs: LuaValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): true
        case let (.boolean(a), .boolean(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.table(a), .table(b)): a == b
        case let (.function(a), .function(b)): a === b
        case let (.reference(a), .reference(b)): a === b
        case let (.tensor(a), .tensor(b)): a === b
        default: false
        }
    }
}

// MARK: - Literals

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .table(LuaTable(array: elements)) }
    public init(dictionaryLiteral elements: (LuaKey, LuaValue)...) {
        self = .table(LuaTable(fields: Dictionary(elements, uniquingKeysWith: { _, last in last })))
    }
}

// MARK: - Description

extension LuaValue: CustomStringConvertible {
    /// A short Swift-side rendering, for diagnostics (not Lua's `tostring`).
    public var description: String {
        switch self {
        case .nil: "nil"
        case .boolean(let b): String(b)
        case .integer(let i): String(i)
        case .number(let x): String(x)
        case .string(let s): String(reflecting: s)
        case .table(let t):
            "{" + (t.array.map(\.description) + t.fields.map { "[\($0.key.value)] = \($0.value)" })
                .joined(separator: ", ") + "}"
        case .function: "function"
        case .reference(let r): r.typeName
        case .tensor: "Tensor"
        }
    }
}
