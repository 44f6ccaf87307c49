import CLua
import CLuaShim

/// What `help` says about the Lua half of the library (`Sources/LuaGrad/Lua/*.lua`): the
/// `---` comment block right above a definition, read from the embedded source.
///
/// The convention (docs/contributing.md, "Lua-side module"): the block's first line is the
/// usage, `optim.SGD(params, {lr=1e-3, momentum=0, ...}) -> SGD`; the next line is the
/// one-line doc; further lines say more.
///
/// - A **function** is found with `lua_getinfo(">S")` (its chunk `@luagrad/FILE.lua` and the
///   line of `function`), a non-raising call.
/// - A **class** (a table with a `__name`, or a callable table) is documented by the block above
///   the line that creates it: the first line, in the chunk of its own functions, that passes
///   its name as a string (`Module:extend("Linear")`, `loss("MSELoss", ...)`) or assigns it
///   (`local Optimizer = {}`). Without one, its constructor's (`__init`, `new`, `__call`) block.
enum LuaDocComments {
    /// One documented definition.
    struct Doc {
        /// The comment block without its `---` markers: usage first, then the doc.
        let lines: [String]
        /// `luagrad/optim.lua`.
        let file: String
        /// The 1-based line of the definition.
        let line: Int

        /// What `help` prints: the usage, the doc indented, where it is defined.
        var helpText: String {
            let body = lines.dropFirst().map { $0.isEmpty ? "" : "    " + $0 }
            return ([lines[0]] + body + ["    Not an op; defined in \(file):\(line)."]).joined(separator: "\n")
        }
    }

    /// The lines of every embedded chunk, by file name (`luagrad/nn_layers.lua`).
    private static let sources: [String: [Substring]] = {
        let chunks = LuaLibrary.embedded
        return Dictionary(chunks.map { chunk in
            let text = String(decoding: chunk.source, as: UTF8.self)
            return (chunk.file, text.split(separator: "\n", omittingEmptySubsequences: false))
        }, uniquingKeysWith: { first, _ in first })
    }()

    /// All file names, in `LuaLibrary`'s order, for a class none of whose functions is Lua.
    private static let files: [String] = LuaLibrary.embedded.map(\.file)

    // MARK: - Functions

    /// The doc of the Lua function at `i`, or nil (a C function, a function outside the
    /// library, or one without a `---` block).
    static func function(at i: Int32, _ s: LuaStack) -> Doc? {
        guard let (file, line) = definition(of: i, s), let lines = sources[file] else { return nil }
        return block(above: line, in: lines).map { Doc(lines: $0, file: file, line: line) }
    }

    /// The embedded file and line where the Lua function at `i` is defined.
    private static func definition(of i: Int32, _ s: LuaStack) -> (file: String, line: Int)? {
        guard s.type(i) == LUA_TFUNCTION, lua_checkstack(s.L, 1) != 0 else { return nil }
        var ar = lua_Debug()
        lua_pushvalue(s.L, i)
        guard lua_getinfo(s.L, ">S", &ar) != 0, let source = ar.source else { return nil }
        let name = String(cString: source)
        guard name.hasPrefix("@luagrad/"), ar.linedefined > 0 else { return nil }
        return (String(name.dropFirst()), Int(ar.linedefined))
    }

    // MARK: - Classes

    /// The doc of the class table at `i`, or nil when it is not a class of the library.
    static func `class`(at i: Int32, _ s: LuaStack) -> Doc? {
        let i = s.absolute(i)
        guard s.type(i) == LUA_TTABLE, lua_checkstack(s.L, 6) != 0 else { return nil }
        let base = s.top
        defer { lua_settop(s.L, base) }
        let call = hasMetafield(i, "__call", s) ? s.top : nil
        guard let name = className(i, s) ?? (call == nil ? nil : metaName(i, s)) else { return nil }
        let constructors = ["__init", "new", "_init"].compactMap { key -> Int32? in
            lua_getfield_raw(s.L, i, key)
            return s.type(-1) == LUA_TFUNCTION ? s.top : nil
        } + [call].compactMap { $0 }
        var ownFiles: [String] = []
        for f in constructors + functionFields(i, s) {
            if let file = definition(of: f, s)?.file, !ownFiles.contains(file) { ownFiles.append(file) }
        }
        for file in (ownFiles.isEmpty ? files : ownFiles) {
            if let doc = creation(of: name, in: file) { return doc }
        }
        return constructors.lazy.compactMap { function(at: $0, s) }.first
    }

    /// The block above the first line of `file` that creates the class `name`.
    private static func creation(of name: String, in file: String) -> Doc? {
        guard let lines = sources[file] else { return nil }
        for (index, text) in lines.enumerated() where creates(name, text) {
            if let block = block(above: index + 1, in: lines) { return Doc(lines: block, file: file, line: index + 1) }
        }
        return nil
    }

    /// Whether `line` passes `name` as a string to a call or assigns a variable or field `name`.
    private static func creates(_ name: String, _ line: Substring) -> Bool {
        if line.contains("(\"\(name)\"") { return true }
        guard let equals = line.firstIndex(of: "="), line[line.index(after: equals)...].first != "=" else { return false }
        let target = line[..<equals].trimmingSuffix(while: { $0 == " " })
        guard target.hasSuffix(name) else { return false }
        let before = target.dropLast(name.count).last
        return before == nil || before == " " || before == "."
    }

    /// The string `__name` of the table at `i` (raw).
    private static func className(_ i: Int32, _ s: LuaStack) -> String? {
        lua_getfield_raw(s.L, i, "__name")
        defer { s.pop() }
        return s.type(-1) == LUA_TSTRING ? s.string(-1) : nil
    }

    /// The string `__name` of the metatable of the table at `i`.
    private static func metaName(_ i: Int32, _ s: LuaStack) -> String? {
        guard lua_getmetatable(s.L, i) != 0 else { return nil }
        defer { s.pop() }
        return className(s.top, s)
    }

    /// Pushes the metatable's `field` (raw) and returns true when it is a function;
    /// pushes nothing otherwise.
    private static func hasMetafield(_ i: Int32, _ field: String, _ s: LuaStack) -> Bool {
        guard lua_getmetatable(s.L, i) != 0 else { return false }
        lua_getfield_raw(s.L, -1, field)
        lg_remove(s.L, -2)
        if s.type(-1) == LUA_TFUNCTION { return true }
        s.pop()
        return false
    }

    /// Pushes the functions among the table's raw fields (at most 16: enough to find the
    /// class's file) and returns their stack positions.
    private static func functionFields(_ i: Int32, _ s: LuaStack) -> [Int32] {
        var found: [Int32] = []
        s.pushNil()
        while lua_next(s.L, i) != 0 {
            guard s.type(-1) == LUA_TFUNCTION else { s.pop(); continue }
            lua_pushvalue(s.L, -2)
            found.append(s.top - 1)
            if found.count == 16 || lua_checkstack(s.L, 3) == 0 { s.pop(); break }
        }
        return found
    }

    // MARK: - Comment blocks

    /// The `---` lines right above the 1-based `line`, without their markers, or nil.
    private static func block(above line: Int, in lines: [Substring]) -> [String]? {
        var start = line - 1
        while start > 0, lines[start - 1].drop(while: { $0 == " " }).hasPrefix("---") { start -= 1 }
        guard start < line - 1 else { return nil }
        return lines[start..<(line - 1)].map { text in
            var body = text.drop(while: { $0 == " " }).dropFirst(3)
            if body.first == " " { body = body.dropFirst() }
            return String(body)
        }
    }
}

private extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return result
    }
}
