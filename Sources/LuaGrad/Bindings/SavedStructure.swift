import Autograd
import CLua
import CLuaShim

/// How `torch.save` turns a Lua value into named tensors plus a description of the rest, and
/// how `torch.load` rebuilds the value (docs/files.md, "What torch.save writes").
///
/// Tensors become the file's tensors, named by their path of keys joined with `.` as PyTorch
/// names state-dict entries (`{fc = {weight = w}}` gives `fc.weight`; a bare tensor is named
/// `tensor`). When the value is anything but a flat table of string keys to tensors, the
/// metadata key `luagrad.structure` holds the whole value as JSON, with tensors replaced by
/// references:
///
/// | Lua value | JSON |
/// |---|---|
/// | tensor | `{"tensor": "fc.weight"}` |
/// | string, boolean | itself |
/// | integer | a number without fraction or exponent: `10` |
/// | float | a number with a fraction or exponent: `0.1`, `1e-08`, `3.0`; non-finite: `{"float": "inf"}`, `"-inf"`, `"nan"` |
/// | table | `{"table": [[key, value], ...]}`, keys strings or integers, in `pairs` order |
enum SavedStructure {
    /// How many tables deep a saved value may nest.
    static let maxDepth = 16

    // MARK: - Saving

    /// Walks a Lua value, collecting its tensors and building its JSON description.
    struct Walk {
        let s: LuaStack
        /// The tensors found, by flattened name, in walk order.
        private(set) var tensors: [(name: String, tensor: Tensor)] = []
        /// Whether the value is a flat table of string keys to tensors, which a safetensors
        /// file describes completely (no structure metadata needed).
        private(set) var isPlainStateDict = true
        private var names = Set<String>()
        private var open = Set<UnsafeRawPointer>()

        init(_ s: LuaStack) { self.s = s }

        /// The description of the value at `i`, reached through the keys `path`.
        mutating func value(at i: Int32, path: [String], depth: Int) throws -> JSON {
            let L = s.L
            let i = s.absolute(i)
            if let tensor = s.tensor(i) {
                if depth != 1 { isPlainStateDict = false }
                let name = path.isEmpty ? "tensor" : path.joined(separator: ".")
                guard names.insert(name).inserted else {
                    throw LuaError("save(): two tensors would be saved under the name '\(name)'")
                }
                tensors.append((name, tensor))
                return .object([("tensor", .string(name))])
            }
            let type = s.type(i)
            if type != LUA_TTABLE { isPlainStateDict = false }
            switch type {
            case LUA_TBOOLEAN: return .bool(s.boolean(i))
            case LUA_TSTRING: return .string(s.string(i) ?? "")
            case LUA_TNUMBER:
                if lua_isinteger(L, i) != 0 { return .integer(s.integer(i) ?? 0) }
                let d = s.number(i) ?? .nan
                if d.isFinite { return .double(d) }
                return .object([("float", .string(d.isNaN ? "nan" : d < 0 ? "-inf" : "inf"))])
            case LUA_TTABLE: return try table(at: i, path: path, depth: depth)
            default:
                throw LuaError("save(): cannot save a \(s.typeName(i))\(location(path)) (tensors, numbers, strings, booleans and tables can be saved)")
            }
        }

        private func location(_ path: [String]) -> String {
            path.isEmpty ? "" : " at '\(path.joined(separator: "."))'"
        }

        private mutating func table(at t: Int32, path: [String], depth: Int) throws -> JSON {
            let L = s.L
            if depth > 0 { isPlainStateDict = false }
            guard depth < maxDepth else { throw LuaError("save(): tables nest more than \(maxDepth) deep\(location(path))") }
            guard let identity = lua_topointer(L, t), open.insert(identity).inserted else {
                throw LuaError("save(): the table contains itself\(location(path))")
            }
            defer { open.remove(identity) }
            guard lua_checkstack(L, 10) != 0 else { throw LuaError("save(): stack overflow") }
            var pairs: [JSON] = []
            try forEachEntry(t, path) { walk, key in
                let (keyJSON, segment): (JSON, String)
                if walk.s.type(key) == LUA_TSTRING, let text = walk.s.string(key) {
                    (keyJSON, segment) = (.string(text), text)
                } else if lua_isinteger(L, key) != 0, let n = walk.s.integer(key) {
                    walk.isPlainStateDict = false
                    (keyJSON, segment) = (.integer(n), String(n))
                } else {
                    throw LuaError("save(): a \(walk.s.typeName(key)) key\(walk.location(path)) cannot be saved (keys must be strings or integers)")
                }
                pairs.append(.array([keyJSON, try walk.value(at: key + 1, path: path + [segment], depth: depth + 1)]))
            }
            return .object([("table", .array(pairs))])
        }

        /// Calls `body` with each key of the table at `t` (its value just above it), in the
        /// order of the table's `__pairs` when it has one, else integers ascending then strings
        /// in byte order (so the same table always gives the same file).
        private mutating func forEachEntry(_ t: Int32, _ path: [String], _ body: (inout Walk, Int32) throws -> Void) throws {
            let L = s.L
            if luaL_getmetafield(L, t, "__pairs") != LUA_TNIL {
                lua_pushvalue(L, t)
                if lg_pcall(L, 1, 3, 0) != LUA_OK { throw RaisedLuaValue() }
                let control = s.top
                while true {
                    lua_pushvalue(L, control - 2)
                    lua_pushvalue(L, control - 1)
                    lua_pushvalue(L, control)
                    if lg_pcall(L, 2, 2, 0) != LUA_OK { throw RaisedLuaValue() }
                    if s.isNoneOrNil(-2) { break }
                    try body(&self, control + 1)
                    lua_copy(L, control + 1, control)
                    lua_settop(L, control)
                }
                lua_settop(L, control - 3)
                return
            }
            var integers: [Int64] = [], strings: [String] = []
            s.pushNil()
            while lua_next(L, t) != 0 {
                if s.type(-2) == LUA_TSTRING, let key = s.string(-2) { strings.append(key) }
                else if lua_isinteger(L, -2) != 0, let key = s.integer(-2) { integers.append(key) }
                else {
                    throw LuaError("save(): a \(s.typeName(-2)) key\(location(path)) cannot be saved (keys must be strings or integers)")
                }
                s.pop()
            }
            for key in integers.sorted() {
                s.push(key)
                lua_pushvalue(L, -1)
                _ = lua_rawget(L, t)
                try body(&self, s.top - 1)
                s.pop(2)
            }
            for key in strings.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                s.push(key)
                lua_pushvalue(L, -1)
                _ = lua_rawget(L, t)
                try body(&self, s.top - 1)
                s.pop(2)
            }
        }
    }

    // MARK: - Loading

    /// Pushes the value described by the JSON text `structure`, taking tensors from `tensors`.
    static func push(_ structure: String, tensors: [(name: String, tensor: Tensor)], _ s: LuaStack) throws {
        let json: JSON
        do { json = try JSON.parse(Array(structure.utf8)) } catch let error as JSONError {
            throw LuaError("load(): the file's \(FileFunctions.structureKey) metadata is not valid JSON (\(error.message))")
        }
        var byName: [String: Tensor] = [:]
        for (name, tensor) in tensors { byName[name] = tensor }
        try push(json, byName, s, depth: 0)
    }

    private static func push(_ json: JSON, _ tensors: [String: Tensor], _ s: LuaStack, depth: Int) throws {
        let L = s.L
        func malformed(_ what: String) -> LuaError {
            LuaError("load(): the file's \(FileFunctions.structureKey) metadata is malformed: \(what)")
        }
        guard depth <= maxDepth, lua_checkstack(L, 6) != 0 else { throw malformed("it nests too deep") }
        switch json {
        case .bool(let b): s.push(b)
        case .integer(let n): s.push(n)
        case .double(let d): s.push(d)
        case .string(let text): s.push(text)
        case .object(let members) where members.count == 1:
            let (tag, value) = members[0]
            switch (tag, value) {
            case ("tensor", .string(let name)):
                guard let tensor = tensors[name] else { throw malformed("it refers to a tensor '\(name)' the file does not hold") }
                s.push(tensor)
            case ("float", .string(let text)):
                switch text {
                case "inf": s.push(Double.infinity)
                case "-inf": s.push(-Double.infinity)
                case "nan": s.push(Double.nan)
                default: throw malformed("unknown float '\(text)'")
                }
            case ("table", .array(let pairs)):
                lua_createtable(L, 0, Int32(clamping: pairs.count))
                for pair in pairs {
                    guard let kv = pair.elements, kv.count == 2 else { throw malformed("a table entry is not a [key, value] pair") }
                    switch kv[0] {
                    case .string(let key): s.push(key)
                    case .integer(let key): s.push(key)
                    default: throw malformed("a table key is neither a string nor an integer")
                    }
                    try push(kv[1], tensors, s, depth: depth + 1)
                    lua_rawset(L, -3)
                }
            default: throw malformed("unknown entry '\(tag)'")
            }
        default: throw malformed("unexpected \(json.text.prefix(40))")
        }
    }
}
