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

    private static func build(_ s: LuaStack) throws {
        let L = s.L
        guard lua_checkstack(L, 40) != 0 else { throw LuaError("stack overflow while opening torch") }
        // Lua scripts count positions from 1: engine messages follow.
        ThreadState.current.indexBase = 1
        let context = BridgeContext.install(L)
        let bindings = OpBindings.shared

        lg_newtable(L)
        let module = s.top

        // dtypes
        for dtype in DType.allCases {
            lg_newtable(L)
            s.push(dtype.shortName)
            s.setField(-2, "name")
            s.push(dtype.isFloatingPoint)
            s.setField(-2, "is_floating_point")
            lg_newtable(L)
            lg_pushswiftfunction(L, { L in
                luaEntry(L) { s in
                    guard s.type(1) == LUA_TTABLE else { throw LuaError.badArgument(1, "__tostring", expected: "torch.dtype", got: s.typeName(1)) }
                    lua_getfield_raw(s.L, 1, "name")
                    let name = s.string(-1) ?? "?"
                    s.push("torch.\(name)")
                    return 1
                }
            }, 0)
            s.setField(-2, "__tostring")
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

        // torch.Size metatable
        lg_newtable(L)
        setFunction(s, "__tostring", SizeObject.toString)
        setFunction(s, "__eq", SizeObject.equal)
        lg_newtable(L)
        setFunction(s, "numel", SizeObject.numel)
        s.setField(-2, "__index")
        s.push("torch.Size")
        s.setField(-2, "__name")
        context.sizeMetatableRef = luaL_ref(L, lg_registryindex())

        // grad_fn metatable
        lg_newtable(L)
        setFunction(s, "__index", NodeObject.index)
        setFunction(s, "__tostring", NodeObject.toString)
        setFunction(s, "__eq", NodeObject.equal)
        setFunction(s, "__gc", NodeObject.release)
        s.push("Node")
        s.setField(-2, "__name")
        s.push(false)
        s.setField(-2, "__metatable")
        context.nodeMetatable = lua_topointer(L, -1)
        context.nodeMetatableRef = luaL_ref(L, lg_registryindex())

        // grad-mode guard metatable
        lg_newtable(L)
        setFunction(s, "__close", GradModes.close)
        s.push("torch.grad_mode")
        s.setField(-2, "__name")
        context.guardMetatableRef = luaL_ref(L, lg_registryindex())

        // The tensor metatable: methods table behind a raw-lookup __index, then metamethods.
        lg_newtable(L)
        let metatable = s.top
        lg_newtable(L)
        let methods = s.top
        for (name, group) in bindings.methods {
            pushOpFunction(s, group)
            s.setField(methods, name)
        }
        for (name, function) in TensorMethods.all {
            s.push(function: function)
            s.setField(methods, name)
        }
        lua_pushvalue(L, methods)
        lg_pushindexer(L, TensorMetatable.index)
        s.setField(metatable, "__index")
        s.pop() // methods
        setFunction(s, "__newindex", TensorMetatable.newIndex)
        setFunction(s, "__tostring", TensorMetatable.toString)
        setFunction(s, "__len", TensorMetatable.length)
        setFunction(s, "__eq", TensorMetatable.equal)
        setFunction(s, "__lt", TensorMetatable.lessThan)
        setFunction(s, "__le", TensorMetatable.lessEqual)
        setFunction(s, "__concat", TensorMetatable.concat)
        setFunction(s, "__unm", OpBindings.unaryMinus)
        setFunction(s, "__gc", TensorMetatable.release)
        setFunction(s, "__close", TensorMetatable.release)
        for (plan, (name, _)) in bindings.metamethods.enumerated() where name != "__unm" {
            s.push(Int64(plan))
            s.push(function: OpBindings.binaryMetamethod, upvalues: 1)
            s.setField(metatable, name)
        }
        s.push("Tensor")
        s.setField(metatable, "__name")
        s.push("Tensor")
        s.setField(metatable, "__metatable")
        context.tensorMetatable = lua_topointer(L, metatable)
        lua_pushvalue(L, metatable)
        context.tensorMetatableRef = luaL_ref(L, lg_registryindex())
        s.pop() // metatable

        // The userdata of `.grad` tensors, by tensor, held weakly (see `TensorUserdata.pushReused`).
        lg_newtable(L)
        lg_newtable(L)
        s.push("v")
        s.setField(-2, "__mode")
        lua_setmetatable(L, -2)
        context.gradObjectsRef = luaL_ref(L, lg_registryindex())

        // torch.* functions
        for (name, group) in bindings.functions {
            pushOpFunction(s, group)
            s.setField(module, name)
        }
        for (name, function) in GradModes.functions + ModuleFunctions.all {
            s.push(function: function)
            s.setField(module, name)
        }
        Help.install(s, module: module)
        TerminalQuery.install(s, module: module)

        // torch._C._nn: ops PyTorch keeps out of `torch` (losses, one_hot, gelu), as in PyTorch;
        // torch.nn.functional (nn_functional.lua) wraps them with PyTorch's arguments.
        lg_newtable(L)
        lg_newtable(L)
        for (name, group) in bindings.nnFunctions {
            pushOpFunction(s, group)
            s.setField(-2, name)
        }
        s.setField(-2, "_nn")
        s.setField(module, "_C")

        // torch.autograd
        lg_newtable(L)
        for (name, function) in ModuleFunctions.autograd {
            s.push(function: function)
            s.setField(-2, name)
        }
        lg_newtable(L)
        for (name, function) in ModuleFunctions.forwardAD {
            s.push(function: function)
            s.setField(-2, name)
        }
        s.setField(-2, "forward_ad")
        s.setField(module, "autograd")
        Distributions.install(s, module: module)
        CSVReader.install(s, module: module)
        Viz.install(s, module: module)

        s.push("LuaGrad 0.1")
        s.setField(module, "__version__")

        try LuaLibrary.runExtensions(s, module: module)
        try LuaLibrary.installPreloads(s)

        lua_pushvalue(L, module)
        s.push(registryKey)
        lg_insert(L, -2)
        lua_rawset(L, lg_registryindex())
    }

    private static func pushOpFunction(_ s: LuaStack, _ group: Int) {
        s.push(Int64(group))
        s.push(function: OpBindings.call, upvalues: 1)
    }

    private static func setFunction(_ s: LuaStack, _ name: String, _ f: lg_SwiftFunction) {
        s.push(function: f)
        s.setField(-2, name)
    }
}
