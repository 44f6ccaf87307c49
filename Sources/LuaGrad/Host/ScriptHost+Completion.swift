import CLua
import CLuaShim

// MARK: - Completing names (REPL Tab, notebook `complete`)

/// What can replace the name being typed: `matches` are whole replacements for the text from
/// `start` to the cursor (offsets in UTF-8 bytes of the line).
public struct Completions: Equatable, Sendable {
    /// Where the completed text starts (the cursor is where it ends).
    public var start: Int
    /// Sorted, without duplicates: `torch.zeros`, `torch.zeros_like`, ...
    public var matches: [String]

    public init(start: Int, matches: [String]) {
        self.start = start
        self.matches = matches
    }
}

extension ScriptHost {
    /// The names that complete the dotted name before `cursor` in `line`, looked up in the
    /// host's live state: globals and keywords (`pri` → `print`), fields of tables
    /// (`torch.zer` → `torch.zeros`, `torch.nn.functional.re` → `torch.nn.functional.relu`),
    /// and methods (`t:ad` → `t:add`, `t:add_`; after `:`, only functions). A value's fields
    /// include those its metatable's `__index` offers (tables, and the methods table of
    /// bridged objects such as tensors).
    ///
    /// Looking up the names before the last `.` or `:` reads each field as the script would
    /// (through `__index` metamethods, under the host's limits); nothing else runs, except torch's
    /// deferred extensions the first time a field is completed (`LuaLibrary`). A name that
    /// cannot be looked up has no completions.
    /// - Parameter cursor: a UTF-8 byte offset into `line` (clamped to the line).
    public func completions(for line: String, cursor: Int) -> Completions {
        let bytes = Array(line.utf8)
        let end = max(0, min(cursor, bytes.count))
        let target = CompletionTarget(bytes[..<end])
        guard !isClosed, let target else { return Completions(start: end, matches: []) }
        let names = (try? candidateNames(for: target)) ?? []
        let matches = Set(names.filter { $0.hasPrefix(target.prefix) }).sorted()
        return Completions(start: target.start, matches: matches.map { target.head + $0 })
    }

    /// The names a value offers (or the globals and keywords when `target.path` is empty).
    private func candidateNames(for target: CompletionTarget) throws -> [String] {
        // Completion reads tables raw (`lua_next`): torch must have every field first.
        if !target.path.isEmpty { try loadDeferredExtensions() }
        return try withStack { L in
            lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            for name in target.path {
                guard lua_type(L, -1) == LUA_TTABLE || lua_type(L, -1) == LUA_TUSERDATA || lua_type(L, -1) == LUA_TSTRING else {
                    return []
                }
                state.pushString(name, on: L)
                try getTable(on: L)
            }
            var names: [String] = []
            collectFields(at: lua_gettop(L), on: L, functionsOnly: target.separator == ":", depth: 0, into: &names)
            if target.path.isEmpty { names += Self.keywords }
            return names
        }
    }

    /// Appends the identifier keys of the value at `index` and of its `__index` chain.
    private func collectFields(at index: Int32, on L: OpaquePointer, functionsOnly: Bool, depth: Int, into names: inout [String]) {
        guard depth < 8, lua_checkstack(L, 4) != 0 else { return }
        let value = lua_absindex(L, index)
        if lua_type(L, value) == LUA_TTABLE {
            lua_pushnil(L)
            while lua_next(L, value) != 0 {
                if lua_type(L, -2) == LUA_TSTRING, !functionsOnly || lua_type(L, -1) == LUA_TFUNCTION {
                    let key = state.string(at: -2, on: L)
                    if CompletionTarget.isIdentifier(key) { names.append(key) }
                }
                lg_pop(L, 1)
            }
        }
        guard lua_getmetatable(L, value) != 0 else { return }
        defer { lg_pop(L, 1) }
        lua_getfield_raw(L, -1, "__index")
        defer { lg_pop(L, 1) }
        switch lua_type(L, -1) {
        case LUA_TTABLE:
            collectFields(at: -1, on: L, functionsOnly: functionsOnly, depth: depth + 1, into: &names)
        case LUA_TFUNCTION where lua_iscfunction(L, -1) != 0:
            // The bridge's indexer keeps the methods table in its first upvalue (lg_pushindexer).
            if lua_getupvalue(L, -1, 1) != nil {
                if lua_type(L, -1) == LUA_TTABLE {
                    collectFields(at: -1, on: L, functionsOnly: functionsOnly, depth: depth + 1, into: &names)
                }
                lg_pop(L, 1)
            }
        default:
            break
        }
    }

    /// Lua's reserved words, offered where a global name is completed.
    static let keywords = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]
}

// MARK: - Parsing the name being typed

/// The dotted name that ends at the cursor: `torch.nn.functional.re` is the path
/// `torch, nn, functional`, the separator `.` and the prefix `re`.
struct CompletionTarget {
    /// Names to look up, from the globals.
    var path: [String]
    /// `.` or `:` before the prefix; nil for a global name.
    var separator: Character?
    /// The part of the last name typed so far.
    var prefix: String
    /// The text from `start` up to the prefix (`torch.nn.functional.`), kept in every match.
    var head: String
    /// Where the dotted name starts (a UTF-8 offset).
    var start: Int

    /// Nil when the cursor is not after a name, a `.` or a `:` that can be completed (inside
    /// a string, after a number, after a call's parenthesis, ...).
    init?(_ bytes: ArraySlice<UInt8>) {
        var first = bytes.endIndex
        while first > bytes.startIndex, Self.isNameByte(bytes[first - 1]) || bytes[first - 1] == UInt8(ascii: ".") || bytes[first - 1] == UInt8(ascii: ":") {
            first -= 1
        }
        // `a.b:c`, `a..b` (concatenation) and names ending in a method call are not lookups.
        let text = String(decoding: bytes[first...], as: UTF8.self)
        if Self.insideString(bytes[bytes.startIndex..<first]) { return nil }
        var parts: [String] = []
        var separators: [Character] = []
        var current = ""
        for character in text {
            if character == "." || character == ":" {
                parts.append(current)
                separators.append(character)
                current = ""
            } else {
                current.append(character)
            }
        }
        // Every looked-up part must be a name; `:` may only come last.
        guard parts.allSatisfy(Self.isIdentifier), separators.dropLast().allSatisfy({ $0 == "." }) else { return nil }
        if let firstCharacter = (parts.first ?? current).first, firstCharacter.isNumber { return nil }
        path = parts
        separator = separators.last
        prefix = current
        head = String(text.dropLast(current.count))
        start = first - bytes.startIndex
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return name.utf8.allSatisfy(isNameByte)
    }

    /// Whether the line up to here leaves a short string open (`'...` or `"...`).
    private static func insideString(_ bytes: ArraySlice<UInt8>) -> Bool {
        var quote: UInt8?
        var escaped = false
        for byte in bytes {
            if let open = quote {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            }
        }
        return quote != nil
    }
}
