import CLua
import CLuaShim

// Swift closures callable from Lua.
//
// A closure is boxed, the box is retained by a small userdata (released by its `__gc`), and
// that userdata is upvalue 2 of a trampoline closure. Lua errors are never raised from Swift:
// a thrown Swift error becomes a pushed message and an `LG_ERROR` status, which the C
// trampoline raises after the Swift frame has returned.

/// The signature of Swift functions registered with a `ScriptHost`.
public typealias LuaFunctionBody = ([LuaValue]) throws -> [LuaValue]

/// A registered closure and the state it converts values for.
final class SwiftFunctionBox {
    let body: LuaFunctionBody
    /// Weak: the box lives in a userdata inside the state and may be finalized while the
    /// state is being torn down.
    weak var state: HostState?

    init(body: @escaping LuaFunctionBody, state: HostState) {
        self.body = body
        self.state = state
    }

    /// Runs the closure with the arguments on `L`'s stack; returns a trampoline status.
    func invoke(on L: OpaquePointer) -> Int32 {
        guard let state, state.isOpen else {
            return fail("the ScriptHost is closed", on: L)
        }
        // Nested host calls made by the closure must work on the thread that called it.
        let previous = state.current
        state.current = L
        defer { state.current = previous }

        let count = lua_gettop(L)
        var arguments: [LuaValue] = []
        arguments.reserveCapacity(Int(count))
        for index in stride(from: 1, through: count, by: 1) {
            arguments.append(state.read(index, on: L))
        }
        do {
            let results = try body(arguments)
            guard results.count < Int(Int32.max) - 16, lua_checkstack(L, Int32(results.count) + 8) != 0 else {
                return fail("too many results (\(results.count))", on: L)
            }
            for result in results { try state.push(result, on: L) }
            return Int32(results.count)
        } catch let error as ScriptError where error.isFromLua {
            // A Lua error that travelled through Swift already carries its position.
            state.pushString(error.message, on: L)
            return LG_ERROR_RAW
        } catch {
            state.pushString(String(describing: error), on: L)
            return LG_ERROR
        }
    }

    private func fail(_ message: String, on L: OpaquePointer) -> Int32 {
        guard lua_checkstack(L, 1) != 0 else { return LG_ERROR_RAW }
        var message = message
        message.withUTF8 { buffer in
            let start = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            _ = lua_pushlstring(L, start, buffer.count)
        }
        return LG_ERROR
    }
}

/// The registry name of the metatable of box-holding userdata.
private let boxMetatableName = "luagrad.SwiftFunction"

/// Trampoline target of every registered function: finds the box in upvalue 2 and runs it.
private let callSwiftFunction: lg_SwiftFunction = { L in
    guard let L else { return LG_ERROR_RAW }
    guard let slot = lua_touserdata(L, lg_upvalueindex(2)),
        let box = slot.load(as: UnsafeMutableRawPointer?.self)
    else {
        lua_pushstring(L, "this Swift function has been finalized")
        return LG_ERROR
    }
    return Unmanaged<SwiftFunctionBox>.fromOpaque(box).takeUnretainedValue().invoke(on: L)
}

/// `__gc` of box-holding userdata: releases the box once and leaves the userdata inert.
private let releaseSwiftFunction: lg_SwiftFunction = { L in
    _ = ObjectUserdata.take(L, as: SwiftFunctionBox.self)
    return 0
}

extension HostState {
    /// Creates the metatable of box-holding userdata (once, at start-up).
    func installFunctionMetatable(on L: OpaquePointer) throws {
        guard lua_checkstack(L, 4) != 0 else { throw ScriptError.host("Lua stack overflow") }
        guard luaL_newmetatable(L, boxMetatableName) != 0 else {
            throw ScriptError.host("\(boxMetatableName) is already defined")
        }
        lg_pushswiftfunction(L, releaseSwiftFunction, 0)
        lua_setfield(L, -2, "__gc")
        lua_pushboolean(L, 0)
        lua_setfield(L, -2, "__metatable")
        lg_pop(L, 1)
    }

    /// Pushes a Lua function that calls `body`.
    func pushFunction(_ body: @escaping LuaFunctionBody, on L: OpaquePointer) throws {
        guard lua_checkstack(L, 3) != 0 else { throw ScriptError.host("Lua stack overflow") }
        let box = SwiftFunctionBox(body: body, state: self)
        guard let slot = lua_newuserdatauv(L, MemoryLayout<UnsafeMutableRawPointer?>.size, 0) else {
            throw ScriptError(kind: .memory, message: "not enough memory")
        }
        // Retain first and attach `__gc` at once, so the box is released even if the
        // closure below is never created.
        slot.storeBytes(of: Unmanaged.passRetained(box).toOpaque(), as: UnsafeMutableRawPointer?.self)
        lua_getfield(L, lg_registryindex(), boxMetatableName)
        lua_setmetatable(L, -2)
        lg_pushswiftfunction(L, callSwiftFunction, 1)
    }
}
