#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLua
import CLuaShim

/// `torch.utils._isatty(fd)`: whether a file descriptor (0 stdin, 1 stdout, 2 stderr) is a
/// terminal. `luagrad.progress` draws its bars only when stderr is one, so that logs and pipes
/// get no control characters. Lua's standard library cannot tell.
enum TerminalQuery {
    /// Adds `_isatty` to `torch.utils` (created here when absent) of the module at `module`.
    static func install(_ s: LuaStack, module: Int32) {
        s.setFunctions(["_isatty": isTerminal], in: "utils", of: module)
    }

    static let isTerminal: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let fd = s.integer(1), fd >= 0, fd <= Int64(Int32.max) else {
                throw LuaError.badArgument(1, "_isatty", expected: "file descriptor (integer)", got: s.typeName(1))
            }
            s.push(isatty(Int32(fd)) != 0)
            return 1
        }
    }
}
