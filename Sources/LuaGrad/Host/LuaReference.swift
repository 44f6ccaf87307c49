import CLua
import CLuaShim

/// A Lua object (function, userdata, thread or uncopyable table) held from Swift.
///
/// The object is anchored in its host's registry and stays alive until the last Swift copy
/// of this reference goes away (or the host closes, after which the reference is inert).
/// A reference can only be passed back to the host it came from.
public final class LuaReference {
    /// The Lua type name of the object: "function", "userdata", "thread" or "table".
    public let typeName: String
    /// The owning host's state; nil once that host is gone.
    weak var state: HostState?
    /// The slot in the registry (`luaL_ref`).
    let slot: Int32

    init(state: HostState, slot: Int32, typeName: String) {
        self.state = state
        self.slot = slot
        self.typeName = typeName
    }

    deinit {
        state?.releaseSlot(slot)
    }
}
