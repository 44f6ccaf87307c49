import Autograd
import CLua
import CLuaShim

/// `help(f)` (global, and `torch.help`): prints what the op table says about an op function
/// or method, as D2L's `help(torch.ones)` does in Python; for the other functions, their
/// `ModuleReference` entry (Swift functions) or their `---` doc comment (the Lua library,
/// `LuaDocComments`), and for a class of the Lua library (`nn.Linear`) its doc comment.
///
/// Ops are recognised by identity: the function is compared (raw) with the fields of the
/// `torch` module and of the tensor methods table. Only non-raising Lua calls are made from
/// Swift; the text is printed by calling the global `print` under `lua_pcall`, so a host that
/// captures `print` captures help too.
enum Help {
    /// Sets `module.help` and the global `help` (the module table is at `module`).
    static func install(_ s: LuaStack, module: Int32) {
        let module = s.absolute(module)
        s.push(function: help)
        lua_pushvalue(s.L, -1)
        s.setField(module, "help")
        lua_rawgeti(s.L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lg_insert(s.L, -2)
        s.setField(-2, "help")
        s.pop()
    }

    /// `help(value)`: prints and returns nothing.
    static let help: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard lua_checkstack(s.L, 8) != 0 else { throw LuaError("help: stack overflow") }
            try printLine(s, text(for: 1, s))
            return 0
        }
    }

    // MARK: - What to say

    private static func text(for i: Int32, _ s: LuaStack) -> String {
        if s.isNoneOrNil(i) {
            return """
                help(f) shows an op's usage and doc line: help(torch.ones), help(x.sum), help(torch.add).
                help(torch) lists the ops and the other functions; help(x) lists a tensor's methods;
                help(torch.nn.Linear), help(torch.optim.SGD) document the classes of the Lua library.
                """
        }
        if s.tensor(i) != nil { return methodList(s) }
        if isModule(i, s) { return opList() }
        let bindings = OpBindings.shared
        let moduleName = find(i, in: moduleTable, s)
        if let name = moduleName, let group = bindings.functions.first(where: { $0.name == name })?.group {
            return opText(group)
        }
        let methodName = find(i, in: methodsTable, s)
        if let name = methodName, let group = bindings.methods.first(where: { $0.name == name })?.group {
            return opText(group)
        }
        if let entry = referenceEntry(for: i, s) { return entry.helpText }
        if let name = find(i, in: generatorMethodsTable, s),
           let entry = ModuleReference.generatorMethods.first(where: { $0.path == name }) {
            return entry.helpText
        }
        if let doc = LuaDocComments.function(at: i, s) ?? LuaDocComments.class(at: i, s) { return doc.helpText }
        if let name = moduleName { return "torch.\(name) is not in the op table (see docs/lua-api.md)." }
        if let name = methodName { return "Tensor:\(name) is not in the op table (see docs/lua-api.md)." }
        if let name = find(i, in: autogradTable, s) {
            return "torch.autograd.\(name) is not in the op table (see docs/lua-api.md)."
        }
        return "help: no documentation for this \(s.typeName(i)) (help works on torch functions and tensor methods)."
    }

    /// Every overload the name reaches (`pow` has three).
    private static func opText(_ group: Int) -> String {
        OpBindings.shared.groups[group].map(OpReference.helpText).joined(separator: "\n")
    }

    /// `help(torch)`: op names by section, then the other functions.
    private static func opList() -> String {
        let bindings = OpBindings.shared
        let functions = Set(bindings.functions.map(\.name))
        var lines = ["LuaGrad ops (help(torch.NAME) or help(x.NAME) for one of them):"]
        for section in OpReference.sections {
            var seen: Set<String> = []
            let names = section.ops.flatMap(\.signature.names).filter { seen.insert($0).inserted }
            lines.append("  \(section.title): " + names.joined(separator: " "))
        }
        var seen: Set<String> = []
        let methodsOnly = bindings.methods.map(\.name).filter { !functions.contains($0) && seen.insert($0).inserted }
        lines.append("Tensor methods only (x:NAME): " + methodsOnly.joined(separator: " "))
        let others = ModuleReference.entries.flatMap { [$0.path] + $0.aliases }
        lines.append("Not ops (help(torch.NAME) for one of them): " + others.joined(separator: " "))
        lines.append("Written in Lua (help(torch.nn.Linear), help(torch.nn.functional.relu), ...): "
            + "nn nn.functional nn.init nn.parallel optim optim.lr_scheduler utils.data distributed")
        return lines.joined(separator: "\n")
    }

    /// `help(x)` for a tensor: its methods.
    private static func methodList(_ s: LuaStack) -> String {
        var seen: Set<String> = []
        let ops = OpBindings.shared.methods.map(\.name).filter { seen.insert($0).inserted }
        return """
            Tensor methods from the op table (help(x.NAME) for one of them):
              \(ops.joined(separator: " "))
            Other methods: \(TensorMethods.all.map(\.0).joined(separator: " "))
            """
    }

    // MARK: - Finding the value

    /// The `ModuleReference` entry of the function at `i`, found by identity along each
    /// entry's paths under `torch`.
    private static func referenceEntry(for i: Int32, _ s: LuaStack) -> ModuleReference.Entry? {
        let i = s.absolute(i)
        guard s.type(i) == LUA_TFUNCTION, moduleTable(s) else { return nil }
        defer { s.pop() }
        let module = s.top
        return ModuleReference.entries.first { entry in
            ([entry.path] + entry.aliases).contains { isValue(i, at: $0, under: module, s) }
        }
    }

    /// Whether `table.path` (raw lookups, `path` dotted) is the value at `i`.
    private static func isValue(_ i: Int32, at path: String, under table: Int32, _ s: LuaStack) -> Bool {
        let base = s.top
        defer { lua_settop(s.L, base) }
        lua_pushvalue(s.L, table)
        for key in path.split(separator: ".") {
            guard s.type(-1) == LUA_TTABLE else { return false }
            lua_getfield_raw(s.L, -1, String(key))
        }
        return lua_rawequal(s.L, -1, i) != 0
    }

    /// The `torch` module table, as stored by `TorchModule`.
    private static func moduleTable(_ s: LuaStack) -> Bool {
        lua_getfield_raw(s.L, lg_registryindex(), TorchModule.registryKey)
        if s.type(-1) == LUA_TTABLE { return true }
        s.pop()
        return false
    }

    /// `torch.autograd`.
    private static func autogradTable(_ s: LuaStack) -> Bool {
        guard moduleTable(s) else { return false }
        lua_getfield_raw(s.L, -1, "autograd")
        lg_remove(s.L, -2)
        if s.type(-1) == LUA_TTABLE { return true }
        s.pop()
        return false
    }

    /// The tensor methods table: upvalue 1 of the tensor metatable's `__index` (see `lg_pushindexer`).
    private static func methodsTable(_ s: LuaStack) -> Bool {
        let context = BridgeContext.get(s.L)
        lua_rawgeti(s.L, lg_registryindex(), lua_Integer(context.tensorMetatableRef))
        guard s.type(-1) == LUA_TTABLE else { s.pop(); return false }
        lua_getfield_raw(s.L, -1, "__index")
        lg_remove(s.L, -2)
        guard s.type(-1) == LUA_TFUNCTION, lua_getupvalue(s.L, -1, 1) != nil else { s.pop(); return false }
        lg_remove(s.L, -2)
        if s.type(-1) == LUA_TTABLE { return true }
        s.pop()
        return false
    }

    /// The methods of generator objects: the `__index` of their metatable (`GeneratorObject`).
    private static func generatorMethodsTable(_ s: LuaStack) -> Bool {
        lua_getfield_raw(s.L, lg_registryindex(), GeneratorObject.metatableKey)
        guard s.type(-1) == LUA_TTABLE else { s.pop(); return false }
        lua_getfield_raw(s.L, -1, "__index")
        lg_remove(s.L, -2)
        if s.type(-1) == LUA_TTABLE { return true }
        s.pop()
        return false
    }

    private static func isModule(_ i: Int32, _ s: LuaStack) -> Bool {
        guard moduleTable(s) else { return false }
        defer { s.pop() }
        return lua_rawequal(s.L, i, -1) != 0
    }

    /// The string key under which the table pushed by `push` holds the value at `i`
    /// (`push` pushes the table and returns true, or pushes nothing and returns false).
    private static func find(_ i: Int32, in push: (LuaStack) -> Bool, _ s: LuaStack) -> String? {
        let i = s.absolute(i)
        guard push(s) else { return nil }
        defer { s.pop() }
        let table = s.top
        var found: String?
        s.pushNil()
        while lua_next(s.L, table) != 0 {
            if found == nil, s.type(-2) == LUA_TSTRING, lua_rawequal(s.L, -1, i) != 0 {
                found = s.string(-2)
            }
            s.pop()
        }
        return found
    }

    // MARK: - Printing

    /// Calls the global `print` with `text`, protected; its error (if any) is re-raised as is.
    private static func printLine(_ s: LuaStack, _ text: String) throws {
        lua_rawgeti(s.L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua_getfield_raw(s.L, -1, "print")
        lg_remove(s.L, -2)
        guard s.type(-1) == LUA_TFUNCTION else {
            s.pop()
            throw LuaError("help: the global 'print' is not a function")
        }
        s.push(text)
        if lg_pcall(s.L, 1, 0, 0) != LUA_OK { throw RaisedLuaValue() }
    }
}
