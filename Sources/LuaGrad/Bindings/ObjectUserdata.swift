import CLua
import CLuaShim

/// Lua userdata that hold one retained Swift object (a generator, a graph node, a Swift
/// function's box): one slot with the object's pointer, cleared by `__gc` so that a userdata
/// seen again afterwards is inert rather than a dangling pointer. (Tensors have their own,
/// tuned copy of this in `TensorUserdata`.)
enum ObjectUserdata {
    /// Pushes a new userdata holding a retained reference to `object`; the caller sets its
    /// metatable.
    static func push(_ L: OpaquePointer, _ object: AnyObject) {
        let raw = lua_newuserdatauv(L, MemoryLayout<UnsafeMutableRawPointer?>.size, 0)!
        raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee = Unmanaged.passRetained(object).toOpaque()
    }

    /// The object held by the userdata whose memory is `raw`; nil once released. The caller
    /// has checked the userdata's metatable, so `T` is the held object's type.
    static func object<T: AnyObject>(_ raw: UnsafeMutableRawPointer, as _: T.Type) -> T? {
        guard let p = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee else { return nil }
        return Unmanaged<T>.fromOpaque(p).takeUnretainedValue()
    }

    /// The object held by the userdata at stack index 1, taken out of it (the `__gc` of such
    /// userdata): the slot is cleared and the reference it held handed over; nil when already
    /// taken.
    static func take<T: AnyObject>(_ L: OpaquePointer?, as _: T.Type) -> T? {
        guard let L, let raw = lua_touserdata(L, 1) else { return nil }
        let slot = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        guard let p = slot.pointee else { return nil }
        slot.pointee = nil
        return Unmanaged<T>.fromOpaque(p).takeRetainedValue()
    }

    /// `<name object at 0x…>`: how Python prints an object, with the Swift object's address.
    static func pythonDescription(of object: AnyObject, named name: String) -> String {
        let address = String(UInt(bitPattern: Unmanaged.passUnretained(object).toOpaque()), radix: 16)
        return "<\(name) object at 0x\(address)>"
    }
}
