import CLua
import CLuaShim

// MARK: - The REPL's evaluation step

extension ScriptHost {
    /// What became of one entry typed at the REPL.
    public enum InteractiveOutcome {
        /// The entry ran; its values, if any, were printed with the global `print`.
        case completed
        /// The entry is an unfinished statement: read another line and try again with both.
        case incomplete
        /// The entry failed to compile or raised an error.
        case failed(ScriptError)
    }

    /// Evaluates a REPL entry the way `lua5.4` does: first as `return <entry>` (so a bare
    /// expression echoes its values), else as a statement; a statement that only lacks its end
    /// (the error ends in `<eof>`) is `.incomplete`. Values are printed with the global
    /// `print`, so captured output and `__tostring` (tensors) apply.
    ///
    /// Ctrl-C: once `InterruptSignal.install()` has run, SIGINT during the evaluation stops it
    /// (`.failed` with a `.cancelled` error, whose traceback shows where the script was) and
    /// the host keeps every global; a SIGINT that comes after the entry finished is dropped.
    /// - Parameter chunkName: the name in messages (`stdin:1: ...`).
    public func evaluateInteractive(_ entry: String, chunkName: String = "stdin") -> InteractiveOutcome {
        _ = lg_interrupt_take()
        lg_interrupt_set_target(state.limits.block)
        defer {
            lg_interrupt_set_target(nil)
            // Ctrl-C pressed just as the entry finished must not stop the next one.
            if lg_interrupt_take() > 0, state.limits.stopReason == .cancelled { state.limits.clearStop() }
        }
        do {
            return try withStack { L in
                // Lua 5.2's "=expr" shorthand, still accepted by lua5.4.
                let expression = entry.hasPrefix("=") ? String(entry.dropFirst()) : entry
                do {
                    try loadString("return " + expression, chunkName: "=" + chunkName, on: L)
                } catch {
                    lg_pop(L, 1)  // the message of the failed "return" attempt
                    do {
                        try loadString(entry, chunkName: "=" + chunkName, on: L)
                    } catch let error as ScriptError {
                        if error.kind == .syntax && error.message.hasSuffix("<eof>") { return .incomplete }
                        return .failed(error)
                    }
                }
                let count = try state.protectedCall(L, arguments: 0)
                if count > 0 { try printValues(count, on: L) }
                return .completed
            }
        } catch let error as ScriptError {
            return .failed(error)
        } catch {
            return .failed(.host(String(describing: error)))
        }
    }

    /// Calls the global `print` with the `count` values on top of the stack.
    private func printValues(_ count: Int32, on L: OpaquePointer) throws {
        lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        state.pushString("print", on: L)
        try getTable(on: L)
        lg_insert(L, -(count + 1))
        do {
            _ = try state.protectedCall(L, arguments: count, results: 0)
        } catch let error as ScriptError {
            throw ScriptError(
                kind: error.kind, message: "error calling 'print' (\(error.message))", traceback: error.traceback)
        }
    }
}

// MARK: - Ctrl-C

/// SIGINT (Ctrl-C) for interactive programs: it stops the script `evaluateInteractive` is
/// running, and otherwise is only counted, for the line editor to see (`takePending`).
///
/// The handler does nothing but set atomic flags (Sources/CLuaShim/interrupt.c); the stop is
/// the one `ScriptCanceller` requests, seen by the count hook and by long kernels.
public enum InterruptSignal {
    /// Installs the handler for the whole process (without `SA_RESTART`: a blocking read
    /// returns `EINTR`, so a line editor can react). Returns false if `sigaction` failed.
    @discardableResult
    public static func install() -> Bool {
        lg_interrupt_install() == 0
    }

    /// Whether SIGINT arrived since the last call (and forgets it).
    public static func takePending() -> Bool {
        lg_interrupt_take() > 0
    }

    /// Whether SIGINT arrived since the last `takePending` (remembering it). Safe to call from
    /// a line editor's reading function.
    public static func peekPending() -> Bool {
        lg_interrupt_pending() > 0
    }
}
