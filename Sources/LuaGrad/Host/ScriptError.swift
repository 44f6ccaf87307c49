/// An error raised by a script, or by the host while talking to Lua.
///
/// `message` reads as Lua prints it, with the position first (`path:line: message` for
/// files, `name:line: message` for strings). `traceback` is `luaL_traceback` of the stack
/// where a runtime error was raised ("stack traceback:\n\t..."), or empty when there is
/// none (syntax errors, files that cannot be opened, host-side errors).
public struct ScriptError: Error, CustomStringConvertible {
    /// What failed. Issue 6 adds the limit kinds (memory limit, instruction budget,
    /// deadline, cancellation) here.
    public enum Kind: Sendable, Equatable {
        /// The chunk does not compile.
        case syntax
        /// The script raised an error while running.
        case runtime
        /// A file could not be opened or read.
        case file
        /// Lua ran out of memory.
        case memory
        /// The error handler itself failed.
        case errorHandler
        /// The host could not do what was asked (closed host, foreign reference, ...).
        case host
    }

    public var kind: Kind
    public var message: String
    public var traceback: String

    public init(kind: Kind, message: String, traceback: String = "") {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    /// The message alone, as `error` would show it.
    public var description: String { message }

    /// The message followed by the traceback, as the standalone `lua` reports errors.
    public var messageWithTraceback: String {
        traceback.isEmpty ? message : message + "\n" + traceback
    }

    /// Whether the error came from Lua itself (so its message already carries a position).
    var isFromLua: Bool { kind != .host }

    static func host(_ message: String) -> ScriptError { ScriptError(kind: .host, message: message) }
}
