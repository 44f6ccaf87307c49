import CLua
import CLuaShim

/// The parts of LuaGrad written in Lua: `.lua` files under `Sources/LuaGrad/Lua/`, compiled
/// into the binary by SwiftPM (`embedInCode`), so they need no files at run time and give
/// tracebacks with their own names and line numbers (`luagrad/autograd.lua:12:`).
///
/// Two kinds of chunk:
/// - **extensions** receive the torch module (`local torch = ...`) and fill in its tables
///   (`torch.autograd.Function`, `torch.nn`, ...). They wait in `deferredGroups`: a group is
///   compiled and run, in order, the first time a script reads one of its fields of torch
///   (`deferred.lua`), since compiling them all was most of an empty script's start-up;
/// - **modules** are found by `require` through `package.preload` (`require "luagrad.plot"`)
///   and compiled the first time they are required.
///
/// The host's own chunks (the sandbox, the hook guards, the test framework of `luagrad test`)
/// are `Chunk`s declared where they run (`ScriptHost+Sandbox.swift`, `TestFramework.swift`),
/// loaded with `load`.
///
/// Adding a file: put `NAME.lua` in `Sources/LuaGrad/Lua/` (file names must be unique: SwiftPM
/// flattens folders into `PackageResources.NAME_lua`) and list it below.
enum LuaLibrary {
    /// One embedded chunk: the file name tracebacks show and its source.
    struct Chunk {
        /// `luagrad/autograd.lua`, as messages show it.
        let file: String
        let source: [UInt8]
    }

    /// Extensions that run together, in order, the first time a script reads one of `fields`.
    struct DeferredGroup {
        /// The fields of torch the group's chunks make or fill in. A chunk that touches another
        /// field of torch must add it here; one that reads another group's field at its top
        /// level runs that group first (through the same `__index`).
        let fields: [String]
        let chunks: [Chunk]
    }

    /// The extensions, by group. A script that never reads `torch.autograd` (its Swift half
    /// waits aside meanwhile) or `torch.func` compiles no `autograd.lua` (3.0 M instructions);
    /// one that never reads `torch.nn` and the rest compiles none of the other thirteen.
    static let deferredGroups: [DeferredGroup] = [
        DeferredGroup(fields: ["autograd", "func"], chunks: [
            Chunk(file: "luagrad/autograd.lua", source: PackageResources.autograd_lua),
        ]),
        DeferredGroup(fields: ["nn", "optim", "utils", "distributed", "datasets"], chunks: nnChunks),
    ]

    /// The extensions, across the groups, in order (how `deferred.lua`'s `compile(i)` counts).
    static let deferredExtensions: [Chunk] = deferredGroups.flatMap(\.chunks)

    /// The second group's chunks, in the order they ran when the module opened them all.
    private static let nnChunks: [Chunk] = [
        Chunk(file: "luagrad/nn_functional.lua", source: PackageResources.nn_functional_lua),
        Chunk(file: "luagrad/nn_init.lua", source: PackageResources.nn_init_lua),
        Chunk(file: "luagrad/nn_module.lua", source: PackageResources.nn_module_lua),
        Chunk(file: "luagrad/nn_state.lua", source: PackageResources.nn_state_lua),
        Chunk(file: "luagrad/nn_containers.lua", source: PackageResources.nn_containers_lua),
        Chunk(file: "luagrad/nn_layers.lua", source: PackageResources.nn_layers_lua),
        Chunk(file: "luagrad/nn_losses.lua", source: PackageResources.nn_losses_lua),
        Chunk(file: "luagrad/optim.lua", source: PackageResources.optim_lua),
        Chunk(file: "luagrad/lr_scheduler.lua", source: PackageResources.lr_scheduler_lua),
        Chunk(file: "luagrad/data.lua", source: PackageResources.data_lua),
        Chunk(file: "luagrad/distributed.lua", source: PackageResources.distributed_lua),
        Chunk(file: "luagrad/nn_parallel.lua", source: PackageResources.nn_parallel_lua),
        Chunk(file: "luagrad/datasets.lua", source: PackageResources.datasets_lua),
    ]

    /// Found by `require NAME` through `package.preload`.
    static let modules: [(name: String, chunk: Chunk)] = [
        ("luagrad.plot", Chunk(file: "luagrad/plot.lua", source: PackageResources.plot_lua)),
        ("luagrad.plot_ticks", Chunk(file: "luagrad/plot_ticks.lua", source: PackageResources.plot_ticks_lua)),
        ("luagrad.plot_svg", Chunk(file: "luagrad/plot_svg.lua", source: PackageResources.plot_svg_lua)),
        ("luagrad.progress", Chunk(file: "luagrad/progress.lua", source: PackageResources.progress_lua)),
        ("d2l", Chunk(file: "luagrad/d2l.lua", source: PackageResources.d2l_lua)),
    ]

    /// Every chunk above (extensions, modules), in this order: the files
    /// whose doc comments `help` reads.
    static var embedded: [Chunk] { deferredExtensions + modules.map(\.chunk) }

    // MARK: - Loading

    /// Compiles `chunk` (text only) and pushes it as a function, or throws the load error.
    static func load(_ chunk: Chunk, on L: OpaquePointer) throws {
        let status = chunk.source.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                luaL_loadbufferx(L, $0.baseAddress, $0.count, "@" + chunk.file, "t")
            }
        }
        guard status == LUA_OK else {
            defer { lg_pop(L, 1) }
            throw LuaError(LuaStack(L: L).string(-1) ?? "\(chunk.file): load error")
        }
    }

    /// Sets up the extensions of the module at `module` to run on first use (`deferred.lua`,
    /// protected), keeping its `load(field)` in the registry.
    static func runExtensions(_ s: LuaStack, module: Int32) throws {
        let L = s.L
        let bootstrap = Chunk(file: "luagrad/deferred.lua", source: PackageResources.deferred_lua)
        try load(bootstrap, on: L)
        lua_pushvalue(L, module)
        // groups = { { fields = { "autograd", "func" }, count = 1 }, ... }
        lua_createtable(L, Int32(deferredGroups.count), 0)
        for (g, group) in deferredGroups.enumerated() {
            lua_createtable(L, 0, 2)
            lua_createtable(L, Int32(group.fields.count), 0)
            for (index, name) in group.fields.enumerated() {
                s.push(name)
                lua_rawseti(L, -2, lua_Integer(index + 1))
            }
            s.setField(-2, "fields")
            lua_pushinteger(L, lua_Integer(group.chunks.count))
            s.setField(-2, "count")
            lua_rawseti(L, -2, lua_Integer(g + 1))
        }
        s.push(function: compileDeferred)
        try call(s, arguments: 3, results: 1, chunk: bootstrap)
        s.push(deferredLoaderKey)
        lg_insert(L, -2)
        lua_rawset(L, lg_registryindex())
    }

    /// Where `deferred.lua`'s `load()` is kept in the registry.
    private static let deferredLoaderKey = "luagrad.deferred"

    /// Pushes `deferred.lua`'s `load(field)`, which runs the extensions of `field`'s group (all
    /// of them when `field` is nil) if no script has yet (once per state), and returns true;
    /// pushes nothing and returns false in a state without a torch module. The host calls it
    /// (protected) where a raw look at torch must see every field (`lua_next`: the REPL's
    /// completion), before the sandbox trims torch, and before `torch.viz` swaps
    /// `torch.autograd.backward`.
    static func pushDeferredLoader(on L: OpaquePointer) -> Bool {
        guard lua_checkstack(L, 1) != 0 else { return false }
        lua_getfield_raw(L, lg_registryindex(), deferredLoaderKey)
        if lua_type(L, -1) == LUA_TFUNCTION { return true }
        lg_pop(L, 1)
        return false
    }

    /// `compile(i)` for `deferred.lua`: pushes the `i`-th deferred extension's compiled chunk.
    private static let compileDeferred: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let i = s.integer(1), i >= 1, i <= deferredExtensions.count else {
                throw LuaError("luagrad: no deferred extension #\(s.integer(1) ?? 0)")
            }
            try load(deferredExtensions[Int(i) - 1], on: s.L)
            return 1
        }
    }

    /// Makes every module `require`-able (`preload.lua` sets `package.preload[name]`).
    /// Does nothing in a state without the `package` library.
    static func installPreloads(_ s: LuaStack) throws {
        let L = s.L
        guard !modules.isEmpty else { return }
        lua_getfield_raw(L, lg_registryindex(), LUA_LOADED_TABLE)
        lua_getfield_raw(L, -1, "package")
        let hasPackage = s.type(-1) == LUA_TTABLE
        if hasPackage { lua_getfield_raw(L, -1, "preload") }
        guard hasPackage, s.type(-1) == LUA_TTABLE else { return s.pop(hasPackage ? 3 : 2) }
        let preload = s.top
        let bootstrap = Chunk(file: "luagrad/preload.lua", source: PackageResources.preload_lua)
        try load(bootstrap, on: L)
        lua_pushvalue(L, preload)
        lua_createtable(L, Int32(modules.count), 0)
        for (index, entry) in modules.enumerated() {
            s.push(entry.name)
            lua_rawseti(L, -2, lua_Integer(index + 1))
        }
        s.push(function: compileModule)
        try call(s, arguments: 3, chunk: bootstrap)
        s.pop(3)
    }

    /// `compile(i)` for `preload.lua`: pushes the `i`-th module's compiled chunk.
    private static let compileModule: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let i = s.integer(1), i >= 1, i <= modules.count else {
                throw LuaError("luagrad: no embedded module #\(s.integer(1) ?? 0)")
            }
            try load(modules[Int(i) - 1].chunk, on: s.L)
            return 1
        }
    }

    private static func call(_ s: LuaStack, arguments: Int32, results: Int32 = 0, chunk: Chunk) throws {
        guard lg_pcall(s.L, arguments, results, 0) == LUA_OK else {
            defer { s.pop() }
            throw LuaError(s.string(-1) ?? "\(chunk.file): error while opening torch")
        }
    }
}
