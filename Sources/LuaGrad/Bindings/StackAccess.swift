import Autograd
import CLua
import CLuaShim

/// A Lua state seen from Swift through the calls that never raise (DESIGN.md §3).
///
/// Bridge functions receive one of these, read their arguments, push results and return a
/// count, or throw: `luaEntry` turns a thrown error into a message for the trampoline to raise
/// after Swift has returned.
struct LuaStack {
    let L: OpaquePointer

    // MARK: - Reading

    var top: Int32 { lua_gettop(L) }

    func type(_ i: Int32) -> Int32 { lua_type(L, i) }

    func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }

    /// The Lua type name of the value at `i`, or "Tensor"/"dtype" for bridged values.
    func typeName(_ i: Int32) -> String {
        if tensor(i) != nil { return "Tensor" }
        if BridgeContext.get(L).dtype(L, i) != nil { return "dtype" }
        return String(cString: lua_typename(L, lua_type(L, i)))
    }

    /// The integer at `i` (a float with an integral value counts), or nil.
    func integer(_ i: Int32) -> Int64? {
        guard lua_type(L, i) == LUA_TNUMBER else { return nil }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        return ok != 0 ? v : nil
    }

    /// The number at `i` (only actual numbers; strings are not converted), or nil.
    func number(_ i: Int32) -> Double? {
        guard lua_type(L, i) == LUA_TNUMBER else { return nil }
        return lua_tonumberx(L, i, nil)
    }

    /// The number at `i` keeping Lua's integer/float distinction, or a boolean, or nil.
    func scalar(_ i: Int32) -> Scalar? {
        switch lua_type(L, i) {
        case LUA_TNUMBER:
            return lg_isinteger(L, i) != 0 ? .int(lua_tointegerx(L, i, nil)) : .double(lua_tonumberx(L, i, nil))
        case LUA_TBOOLEAN:
            return .bool(lua_toboolean(L, i) != 0)
        default:
            return nil
        }
    }

    func string(_ i: Int32) -> String? {
        guard lua_type(L, i) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lg_tostring(L, i, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    func boolean(_ i: Int32) -> Bool { lua_toboolean(L, i) != 0 }

    /// The live tensor at `i`, or nil when the value is not a tensor.
    func tensor(_ i: Int32) -> Tensor? {
        guard let slot = TensorUserdata.slot(L, i) else { return nil }
        return slot.pointee.map { Unmanaged<Tensor>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The tensor at `i`, or a clear error naming the argument and the function.
    func checkTensor(_ i: Int32, _ function: String) throws -> Tensor {
        if let slot = TensorUserdata.slot(L, i) {
            guard let p = slot.pointee else {
                throw LuaError("bad argument #\(i) to '\(function)' (the tensor was freed)")
            }
            return Unmanaged<Tensor>.fromOpaque(p).takeUnretainedValue()
        }
        throw LuaError.badArgument(i, function, expected: "Tensor", got: typeName(i))
    }

    /// The length of the array part of the table at `i` (no metamethods).
    func rawLength(_ i: Int32) -> Int { Int(lua_rawlen(L, i)) }

    /// Pushes `t[n]` of the table at `i` without metamethods.
    func rawGet(_ i: Int32, _ n: Int) { lua_rawgeti(L, i, lua_Integer(n)) }

    func absolute(_ i: Int32) -> Int32 { lua_absindex(L, i) }

    // MARK: - Writing

    func pop(_ n: Int32 = 1) { lg_pop(L, n) }
    func pushNil() { lua_pushnil(L) }
    func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    func push(_ i: Int) { lua_pushinteger(L, lua_Integer(i)) }
    func push(_ i: Int64) { lua_pushinteger(L, i) }
    func push(_ d: Double) { lua_pushnumber(L, d) }
    func push(_ s: String) {
        var s = s
        s.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }
    func push(_ scalar: Scalar) {
        switch scalar {
        case .bool(let b): push(b)
        case .int(let i): push(i)
        case .double(let d): push(d)
        }
    }

    /// Pushes a new tensor userdata (with the tensor metatable) holding `tensor`.
    func push(_ tensor: consuming Tensor) { TensorUserdata.push(L, tensor) }

    /// Pushes a Swift function as a Lua closure over the `upvalues` values on top of the stack.
    func push(function: lg_SwiftFunction, upvalues: Int32 = 0) {
        lg_pushswiftfunction(L, function, upvalues)
    }

    /// Pushes `t[name]` of the table at `table`, first creating it as an empty table when
    /// absent (how a family of functions finds or makes its namespace: `torch.io`).
    func pushSubtable(_ table: Int32, _ name: String) {
        let t = absolute(table)
        lua_getfield_raw(L, t, name)
        guard type(-1) != LUA_TTABLE else { return }
        pop()
        lg_newtable(L)
        lua_pushvalue(L, -1)
        setField(t, name)
    }

    /// `t[name] = value-on-top` for the table at `table`, raw (pops the value).
    func setField(_ table: Int32, _ name: String) {
        let t = absolute(table)
        push(name)
        lg_insert(L, -2)
        lua_rawset(L, t)
    }

    /// Sets each of `functions` by its name in `t[subtable]` of the table at `table`, made
    /// when absent (`torch.io.read_csv`); the stack is left as it was.
    func setFunctions(_ functions: KeyValuePairs<String, lg_SwiftFunction>, in subtable: String, of table: Int32) {
        let t = absolute(table)
        guard lua_checkstack(L, 4) != 0 else { return }
        pushSubtable(t, subtable)
        for (name, function) in functions {
            push(function: function)
            setField(-2, name)
        }
        pop()
    }

    /// `options[name]` read by `read` (given the field's stack index) from the table of options
    /// that `function` takes at argument `index`; nil when the table or the field is absent or
    /// nil. Anything but a table there is a bad argument. The stack is left as it was.
    func option<T>(_ name: String, at index: Int32, of function: String, _ read: (Int32) throws -> T) throws -> T? {
        if isNoneOrNil(index) { return nil }
        guard type(index) == LUA_TTABLE else {
            throw LuaError.badArgument(index, function, expected: "table of options", got: typeName(index))
        }
        lua_getfield_raw(L, absolute(index), name)
        defer { pop() }
        return isNoneOrNil(-1) ? nil : try read(-1)
    }
}

/// A message for a Lua error raised by the bridge.
struct LuaError: Error {
    let message: String
    init(_ message: String) { self.message = message }

    static func badArgument(_ i: Int32, _ function: String, expected: String, got: String) -> LuaError {
        LuaError("bad argument #\(i) to '\(function)' (\(expected) expected, got \(got))")
    }
}

/// Runs a bridge function body, turning any thrown error into a raised Lua error.
///
/// The message is pushed here and raised by the C trampoline once this Swift frame is gone,
/// so a Lua error never unwinds Swift code.
@inline(__always)
func luaEntry(_ L: OpaquePointer?, _ body: (LuaStack) throws -> Int32) -> Int32 {
    guard let L else { return 0 }
    let stack = LuaStack(L: L)
    do {
        return try body(stack)
    } catch let error as TorchError {
        stack.push(error.message)
    } catch let error as LuaError {
        stack.push(error.message)
    } catch let error as RaisedLuaValue {
        _ = error
        return LG_ERROR_RAW
    } catch {
        stack.push("\(error)")
    }
    return LG_ERROR
}

/// Thrown when a Lua error object is already on top of the stack and must be re-raised as is
/// (for example an error from a script callback run under `pcall`).
struct RaisedLuaValue: Error {}
