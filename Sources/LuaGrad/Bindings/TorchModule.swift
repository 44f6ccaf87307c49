import CLua
import CLuaShim
/// Builds the `torch` module.
enum TorchModule {
    /// A `lg_SwiftFunction`: pushes the module table and returns 1 (or an LG_ERROR status).
    static let open: lg_SwiftFunction = { L in lg_newtable(L); return 1 }
}
