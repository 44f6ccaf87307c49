import Autograd
import CLua
import CLuaShim

/// Builds the `torch` module (`require "luagrad"`): op functions and methods from the op
/// table, the tensor metatable, dtypes, grad modes and `torch.autograd`.
enum TorchModule {
    /// A `lg_SwiftFunction`: pushes the module table (built once per state) and returns 1.
    static let open: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            if BridgeContext.exists(s.L) {
                lua_getfield_raw(s.L, lg_registryindex(), registryKey)
                if s.type(-1) == LUA_TTABLE { return 1 }
                s.pop()
            }
            try build(s)
            return 1
        }
    }

    /// Where the built module is kept in the registry.
    static let registryKey = "luagrad.module"

    /// Builds the module, leaves it on the stack and keeps it in the registry. Each part is
    /// one function below, in this order; the metatables go to the registry (`BridgeContext`).
    private static func build(_ s: LuaStack) throws {
        guard lua_checkstack(s.L, 40) != 0 else { throw LuaError("stack overflow while opening torch") }
        // Lua scripts count positions from 1: engine messages follow.
        ThreadState.current.indexBase = 1
        let context = BridgeContext.install(s.L)
        lg_newtable(s.L)
        let module = s.top

        addDTypes(s, module: module, context: context)
        makeSizeMetatable(s, context)
        makeNodeMetatable(s, context)
        makeGradModeGuardMetatable(s, context)
        makeGradObjectsTable(s, context)
        makeTensorMetatable(s, context)
        addFunctions(s, module: module)
        Help.install(s, module: module)
        TerminalQuery.install(s, module: module)
        addNNFunctions(s, module: module)
        addAutograd(s, module: module)
        Distributions.install(s, module: module)
        GeneratorObject.install(s, module: module)
        CSVReader.install(s, module: module)
        Viz.install(s, module: module)
        FileFunctions.install(s, module: module)
        DistributedFunctions.install(s, module: module)
        DatasetFunctions.install(s, module: module)
        // `clone`'s memory formats: the strings its `memory_format` keyword takes.
        for format in ["contiguous_format", "preserve_format"] {
            s.push(format)
            s.setField(module, format)
        }
        s.push("LuaGrad 0.1")
        s.setField(module, "__version__")

        try LuaLibrary.runExtensions(s, module: module)
        try LuaLibrary.installPreloads(s)

        lua_pushvalue(s.L, module)
        s.push(registryKey)
        lg_insert(s.L, -2)
        lua_rawset(s.L, lg_registryindex())
    }

    // MARK: - Dtypes

    /// `torch.float32`, ... (one table each, with its own metatable) and the aliases
    /// `float`, `double`, `long`.
    private static func addDTypes(_ s: LuaStack, module: Int32, context: BridgeContext) {
        let L = s.L
        for dtype in DType.allCases {
            lg_newtable(L)
            s.push(dtype.shortName)
            s.setField(-2, "name")
            s.push(dtype.isFloatingPoint)
            s.setField(-2, "is_floating_point")
            lg_newtable(L)
            setFunction(s, "__tostring", dtypeToString)
            s.push("torch.dtype")
            s.setField(-2, "__name")
            lua_setmetatable(L, -2)
            context.dtypePointers.append(lua_topointer(L, -1))
            lua_pushvalue(L, -1)
            context.dtypeRefs.append(luaL_ref(L, lg_registryindex()))
            s.setField(module, dtype.shortName)
        }
        for (alias, dtype) in [("float", DType.float32), ("double", .float64), ("long", .int64)] {
            context.push(L, dtype)
            s.setField(module, alias)
        }
    }

    /// A dtype's `__tostring`: `torch.float32`.
    private static let dtypeToString: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard s.type(1) == LUA_TTABLE else { throw LuaError.badArgument(1, "__tostring", expected: "torch.dtype", got: s.typeName(1)) }
            lua_getfield_raw(s.L, 1, "name")
            let name = s.string(-1) ?? "?"
            s.push("torch.\(name)")
            return 1
        }
    }

    // MARK: - Metatables of the small objects

    /// `torch.Size`: printing, equality and `numel`.
    private static func makeSizeMetatable(_ s: LuaStack, _ context: BridgeContext) {
        lg_newtable(s.L)
        setFunction(s, "__tostring", SizeObject.toString)
        setFunction(s, "__eq", SizeObject.equal)
        lg_newtable(s.L)
        setFunction(s, "numel", SizeObject.numel)
        s.setField(-2, "__index")
        s.push("torch.Size")
        s.setField(-2, "__name")
        context.sizeMetatableRef = luaL_ref(s.L, lg_registryindex())
    }

    /// `grad_fn` nodes: fields, printing, identity and release; the metatable is hidden.
    private static func makeNodeMetatable(_ s: LuaStack, _ context: BridgeContext) {
        lg_newtable(s.L)
        setFunction(s, "__index", NodeObject.index)
        setFunction(s, "__tostring", NodeObject.toString)
        setFunction(s, "__eq", NodeObject.equal)
        setFunction(s, "__gc", NodeObject.release)
        s.push("Node")
        s.setField(-2, "__name")
        s.push(false)
        s.setField(-2, "__metatable")
        context.nodeMetatable = lua_topointer(s.L, -1)
        context.nodeMetatableRef = luaL_ref(s.L, lg_registryindex())
    }

    /// The guards `torch.no_grad()` and its kin return: `__close` restores the mode.
    private static func makeGradModeGuardMetatable(_ s: LuaStack, _ context: BridgeContext) {
        lg_newtable(s.L)
        setFunction(s, "__close", GradModes.close)
        s.push("torch.grad_mode")
        s.setField(-2, "__name")
        context.guardMetatableRef = luaL_ref(s.L, lg_registryindex())
    }

    // MARK: - Tensors

    /// The tensor metatable: the methods table and `.grad` behind a C `__index`
    /// (`lg_pushindexer`), then the metamethods (operators from the op table).
    private static func makeTensorMetatable(_ s: LuaStack, _ context: BridgeContext) {
        let L = s.L
        lg_newtable(L)
        let metatable = s.top
        pushMethodsTable(s)
        lua_rawgeti(L, lg_registryindex(), lua_Integer(context.gradObjectsRef))
        lg_pushindexer(L, TensorMetatable.index, TensorUserdata.gradOf)
        s.setField(metatable, "__index")
        setFunction(s, "__newindex", TensorMetatable.newIndex)
        setFunction(s, "__tostring", TensorMetatable.toString)
        setFunction(s, "__len", TensorMetatable.length)
        setFunction(s, "__eq", TensorMetatable.equal)
        setFunction(s, "__lt", TensorMetatable.lessThan)
        setFunction(s, "__le", TensorMetatable.lessEqual)
        setFunction(s, "__concat", TensorMetatable.concat)
        setFunction(s, "__unm", OpBindings.unaryMinus)
        // A host's allocator releases tensors as Lua frees their userdata: no `__gc`, whose
        // protocol cost more than a small op (tensor_release.c). Elsewhere (the Lua module in
        // a foreign interpreter) `__gc` does it.
        if !TensorUserdata.adoptRelease(L) {
            TensorUserdata.pushFinalizer(L)
            s.setField(metatable, "__gc")
        }
        TensorUserdata.pushFinalizer(L)
        s.setField(metatable, "__close")
        for (plan, (name, _)) in OpBindings.shared.metamethods.enumerated() where name != "__unm" {
            lg_pushswiftmethod(L, OpBindings.binaryMetamethod, UnsafeMutableRawPointer(bitPattern: plan))
            s.setField(metatable, name)
        }
        s.push("Tensor")
        s.setField(metatable, "__name")
        s.push("Tensor")
        s.setField(metatable, "__metatable")
        context.tensorMetatableRef = luaL_ref(L, lg_registryindex())
    }

    /// Pushes the tensor methods: the op table's, then the others (`TensorMethods`).
    private static func pushMethodsTable(_ s: LuaStack) {
        lg_newtable(s.L)
        let methods = s.top
        for (name, group) in OpBindings.shared.methods {
            pushOpFunction(s, group)
            s.setField(methods, name)
        }
        for (name, function) in TensorMethods.all {
            s.push(function: function)
            s.setField(methods, name)
        }
    }

    /// The userdata of `.grad` tensors, by tensor, held weakly (see `TensorUserdata.pushReused`;
    /// the tensor metatable's `__index` reads it too).
    private static func makeGradObjectsTable(_ s: LuaStack, _ context: BridgeContext) {
        lg_newtable(s.L)
        lg_newtable(s.L)
        s.push("v")
        s.setField(-2, "__mode")
        lua_setmetatable(s.L, -2)
        context.gradObjectsRef = luaL_ref(s.L, lg_registryindex())
        s.push("grad")
        context.gradKey = lua_topointer(s.L, -1)
        _ = luaL_ref(s.L, lg_registryindex())
    }

    // MARK: - Functions

    /// `torch.*` functions: the op table's, then grad modes and the other module functions.
    private static func addFunctions(_ s: LuaStack, module: Int32) {
        for (name, group) in OpBindings.shared.functions {
            pushOpFunction(s, group)
            s.setField(module, name)
        }
        for (name, function) in GradModes.functions + ModuleFunctions.all {
            s.push(function: function)
            s.setField(module, name)
        }
    }

    /// `torch._C._nn`: ops PyTorch keeps out of `torch` (losses, one_hot, gelu), as PyTorch
    /// does; `torch.nn.functional` (nn_functional.lua) wraps them with PyTorch's arguments.
    private static func addNNFunctions(_ s: LuaStack, module: Int32) {
        lg_newtable(s.L)
        lg_newtable(s.L)
        for (name, group) in OpBindings.shared.nnFunctions {
            pushOpFunction(s, group)
            s.setField(-2, name)
        }
        s.setField(-2, "_nn")
        s.setField(module, "_C")
    }

    /// `torch.autograd` and `torch.autograd.forward_ad` (their Swift halves; autograd.lua adds
    /// the rest).
    private static func addAutograd(_ s: LuaStack, module: Int32) {
        lg_newtable(s.L)
        setFunctions(s, ModuleFunctions.autograd)
        lg_newtable(s.L)
        setFunctions(s, ModuleFunctions.forwardAD)
        s.setField(-2, "forward_ad")
        s.setField(module, "autograd")
    }

    // MARK: - Helpers

    /// Pushes the function of an overload group: it carries the group's only op (the
    /// `BoundOp`, which `OpBindings.shared` keeps for the whole process), or the group's index
    /// when overloads must be resolved per call.
    private static func pushOpFunction(_ s: LuaStack, _ group: Int) {
        let overloads = OpBindings.shared.bound[group]
        if overloads.count == 1 {
            lg_pushswiftmethod(s.L, OpBindings.callOp, Unmanaged.passUnretained(overloads[0]).toOpaque())
        } else {
            lg_pushswiftmethod(s.L, OpBindings.callGroup, UnsafeMutableRawPointer(bitPattern: group))
        }
    }

    /// Sets `name` of the table on top to `f`.
    private static func setFunction(_ s: LuaStack, _ name: String, _ f: lg_SwiftFunction) {
        s.push(function: f)
        s.setField(-2, name)
    }

    /// Sets every function of `functions` in the table on top.
    private static func setFunctions(_ s: LuaStack, _ functions: [(String, lg_SwiftFunction)]) {
        for (name, function) in functions { setFunction(s, name, function) }
    }
}
