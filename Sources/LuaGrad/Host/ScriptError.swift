/// An error raised by a script, or by the host while talking to Lua.
///
/// `message` reads as Lua prints it, with the position first (`path:line: message` for
/// files, `name:line: message` for strings). `location` is that position on its own, taken
/// from the innermost Lua function running when the error was raised, and `traceback` is
/// `luaL_traceback` of that stack ("stack traceback:\n\t..."); both are empty when there is
/// none (syntax errors, files that cannot be opened, host-side errors).
public struct ScriptError: Error, CustomStringConvertible {
    /// What failed.
    public enum Kind: Sendable, Equatable {
        /// The chunk does not compile.
        case syntax
        /// The script raised an error while running.
        case runtime
        /// A file could not be opened or read.
        case file
        /// Lua ran out of memory (the process, not a host limit).
        case memory
        /// The error handler itself failed.
        case errorHandler
        /// The host could not do what was asked (closed host, foreign reference, ...).
        case host
        /// The script used more memory (Lua heap plus tensors) than `Options.memoryLimit`.
        case memoryLimit
        /// The script ran more instructions than `Options.instructionLimit` in one call.
        case instructionLimit
        /// The call ran longer than `Options.timeout`.
        case timeout
        /// `ScriptCanceller.cancel()` stopped the script.
        case cancelled

        /// Whether the error is one of the limits (which `pcall` in a script cannot catch).
        public var isLimit: Bool {
            switch self {
            case .memoryLimit, .instructionLimit, .timeout, .cancelled: true
            default: false
            }
        }
    }

    public var kind: Kind
    public var message: String
    public var traceback: String
    /// `chunk:line` of the innermost Lua function running when the error was raised ("" when
    /// unknown). For `error("...")` this is the line that called `error`.
    public var location: String

    public init(kind: Kind, message: String, traceback: String = "", location: String = "") {
        self.kind = kind
        self.message = message
        self.traceback = traceback
        self.location = location
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
