import LuaGrad

/// The kernel's script host and the functions of its Lua side (Lua/kernel.lua).
///
/// Used only on the thread that made it (the shell thread), as `ScriptHost` requires.
final class LuaSide {
    let host: ScriptHost
    private let runFunction: LuaValue
    private let inspectFunction: LuaValue

    /// What a cell produced.
    struct Outcome {
        /// The echo of the cell's values (nil when it gave none).
        var text: String?
        var svg: String?
    }

    /// - Parameter display: publishes a `display(value)` call (its text and SVG).
    init(options: ScriptHost.Options, display: @escaping (String, String?) -> Void) throws {
        host = try ScriptHost(options: options)
        let publish = try host.makeFunction { arguments in
            display(arguments.first?.stringValue ?? "", arguments.count > 1 ? arguments[1].stringValue : nil)
            return []
        }
        let source = String(decoding: PackageResources.kernel_lua, as: UTF8.self)
        let table = try host.run(string: source, name: "luagrad/kernel.lua", arguments: [publish]).first?.tableValue
        guard let table else { throw KernelError("kernel.lua did not return its table") }
        runFunction = table["run"]
        inspectFunction = table["inspect"]
    }

    /// Stops the running cell from another thread.
    var canceller: ScriptCanceller { host.canceller }

    // MARK: - Cells

    /// Compiles `code` as the REPL does: as `return <code>` when that compiles (so a bare
    /// expression gives its values), else as statements.
    func compile(_ code: String, name: String) throws -> LuaValue {
        if let expression = try? host.load(string: "return " + code, name: name) { return expression }
        return try host.load(string: code, name: name)
    }

    /// Runs a cell compiled by `compile`.
    func run(_ cell: LuaValue) throws -> Outcome {
        clearStaleInterrupt()
        let results = try host.call(runFunction, [cell])
        return Outcome(text: results.first?.stringValue, svg: results.count > 1 ? results[1].stringValue : nil)
    }

    /// Whether `code` is a whole cell: "complete", "incomplete" (its error ends at `<eof>`,
    /// as the REPL decides that a line continues) or "invalid".
    func completeness(_ code: String) -> String {
        do {
            _ = try compile(code, name: "cell")
            return "complete"
        } catch let error as ScriptError where error.kind == .syntax && error.message.hasSuffix("<eof>") {
            return "incomplete"
        } catch {
            return "invalid"
        }
    }

    /// Consumes an interrupt that arrived as the last cell ended, so it cannot stop the next
    /// one (a pending cancellation stops the host's next call, which is this empty chunk).
    private func clearStaleInterrupt() {
        if canceller.isCancelled { _ = try? host.run(string: "", name: "interrupt") }
    }

    // MARK: - Completion and inspection

    /// The completions of the dotted name ending at byte `cursor`: whole replacements of the
    /// text from `start` (the REPL's engine, `ScriptHost.completions`).
    func complete(_ code: String, cursor: Int) -> Completions {
        clearStaleInterrupt()
        return host.completions(for: code, cursor: cursor)
    }

    /// The `help` text of the name around byte `cursor`, or nil.
    func inspect(_ code: String, cursor: Int) throws -> String? {
        clearStaleInterrupt()
        return try host.call(inspectFunction, [.string(code), .integer(Int64(cursor))]).first?.stringValue
    }
}
