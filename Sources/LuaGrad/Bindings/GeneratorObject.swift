import Autograd
import CLua
import CLuaShim

/// `torch.Generator()`: a random generator of its own, as PyTorch's `torch.Generator` objects.
///
/// ```lua
/// local g = torch.Generator():manual_seed(42)
/// local order = torch.randperm(10, {generator=g})   -- draws from g, not the default generator
/// print(g:initial_seed())                           --> 42
/// ```
///
/// `torch.default_generator` is the thread's default generator seen as such an object (the one
/// `torch.manual_seed` reseeds). Ops that draw random numbers take `{generator=g}`; the binding
/// makes `g` the thread's generator for the duration of the call.
enum GeneratorObject {
    /// Registry key of the metatable of generator objects.
    static let metatableKey = "luagrad.Generator"

    /// Adds `torch.Generator` and `torch.default_generator` to the module table at `module`.
    static func install(_ s: LuaStack, module: Int32) {
        let L = s.L
        let module = s.absolute(module)
        guard lua_checkstack(L, 8) != 0 else { return }
        lg_newtable(L)
        lg_newtable(L)
        for (name, function) in methods {
            s.push(function: function)
            s.setField(-2, name)
        }
        s.setField(-2, "__index")
        s.push(function: toString)
        s.setField(-2, "__tostring")
        s.push(function: release)
        s.setField(-2, "__gc")
        s.push("torch.Generator")
        s.setField(-2, "__name")
        s.push(false)
        s.setField(-2, "__metatable")
        s.push(metatableKey)
        lg_insert(L, -2)
        lua_rawset(L, lg_registryindex())

        s.push(function: new)
        s.setField(module, "Generator")
        push(s, ThreadState.current.generator)
        s.setField(module, "default_generator")
    }

    /// Pushes a userdata holding a retained reference to `generator`.
    static func push(_ s: LuaStack, _ generator: Generator) {
        ObjectUserdata.push(s.L, generator)
        lua_getfield_raw(s.L, lg_registryindex(), metatableKey)
        lua_setmetatable(s.L, -2)
    }

    /// The generator at stack slot `i`, if it holds one.
    static func generator(_ s: LuaStack, _ i: Int32) -> Generator? {
        guard s.type(i) == LUA_TUSERDATA, let raw = lua_touserdata(s.L, i), lua_getmetatable(s.L, i) != 0 else { return nil }
        lua_getfield_raw(s.L, lg_registryindex(), metatableKey)
        let ok = lua_rawequal(s.L, -1, -2) != 0
        s.pop(2)
        return ok ? ObjectUserdata.object(raw, as: Generator.self) : nil
    }

    /// The generator at slot `i`, or a Lua error naming `function`.
    static func check(_ s: LuaStack, _ i: Int32, _ function: String) throws -> Generator {
        guard let g = generator(s, i) else {
            throw LuaError.badArgument(i, function, expected: "torch.Generator", got: s.typeName(i))
        }
        return g
    }

    // MARK: - Drawing from a given generator

    /// The `generator` keyword of a call whose last argument is a keyword table, if given.
    static func keyword(_ s: LuaStack, function: String) throws -> Generator? {
        let last = s.top
        guard last >= 1, s.type(last) == LUA_TTABLE, s.tensor(last) == nil else { return nil }
        lua_getfield_raw(s.L, last, "generator")
        defer { s.pop() }
        if s.isNoneOrNil(-1) { return nil }
        guard let g = generator(s, -1) else {
            throw LuaError("\(function)(): generator must be a torch.Generator, got \(s.typeName(-1))")
        }
        return g
    }

    /// Runs `body` with `generator` (when given) as the thread's generator.
    static func drawing<R>(from generator: Generator?, _ body: () throws -> R) rethrows -> R {
        guard let generator else { return try body() }
        let state = ThreadState.current
        let saved = state.generator
        state.generator = generator
        defer { state.generator = saved }
        return try body()
    }

    // MARK: - Methods

    static let methods: [(String, lg_SwiftFunction)] = [
        ("manual_seed", { L in
            luaEntry(L) { s in
                let g = try check(s, 1, "manual_seed")
                guard let seed = s.integer(2) else {
                    throw LuaError.badArgument(2, "manual_seed", expected: "integer", got: s.typeName(2))
                }
                g.manualSeed(UInt64(bitPattern: seed))
                lua_pushvalue(s.L, 1)
                return 1
            }
        }),
        ("initial_seed", { L in
            luaEntry(L) { s in
                s.push(Int64(bitPattern: try check(s, 1, "initial_seed").initialSeed))
                return 1
            }
        }),
        ("seed", { L in
            luaEntry(L) { s in
                // A non-deterministic seed, as `Generator.seed()` takes one from the OS.
                let g = try check(s, 1, "seed")
                // PyTorch's seeds are Python ints; a Lua integer holds 63 bits without a sign.
                let seed = UInt64.random(in: 0...UInt64(Int64.max))
                g.manualSeed(seed)
                s.push(Int64(seed))
                return 1
            }
        }),
    ]

    static let new: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            push(s, Generator())
            return 1
        }
    }

    static let toString: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let g = generator(s, 1) else { s.push("<freed torch.Generator>"); return 1 }
            s.push(ObjectUserdata.pythonDescription(of: g, named: "torch._C.Generator"))
            return 1
        }
    }

    static let release: lg_SwiftFunction = { L in
        _ = ObjectUserdata.take(L, as: Generator.self)
        return 0
    }
}
