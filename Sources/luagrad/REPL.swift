#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine
import LuaGrad

/// The interactive loop: libedit line editing, history and Tab completion, lua5.4's echo and
/// continuation, and Ctrl-C that never ends the session.
///
/// Ctrl-C while an entry runs stops it (`interrupted!` and where it was), keeping every global;
/// Ctrl-C while typing drops the line (and an unfinished multi-line entry) for a fresh prompt,
/// as python3 does. Ctrl-D on an empty line ends the session.
struct REPL {
    let host: ScriptHost

    /// Where history is kept between sessions.
    private var historyPath: String? {
        guard let home = getenv("HOME") else { return nil }
        return String(cString: home) + "/.luagrad_history"
    }

    /// Runs until end of input (Ctrl-D); returns the exit status.
    func run() -> Int32 {
        print(ScriptHost.banner)
        LineEditor.start(completingFrom: host)
        if let historyPath { _ = read_history(historyPath) }

        var pending: String?
        while true {
            fflush(nil)
            let line: String
            switch LineEditor.read(prompt: pending == nil ? "> " : ">> ") {
            case .end:
                print()
                return 0
            case .interrupted:
                pending = nil
                continue
            case .line(let text):
                line = text
            }
            let entry = pending.map { $0 + "\n" + line } ?? line
            switch host.evaluateInteractive(entry) {
            case .incomplete:
                pending = entry
                continue
            case .completed:
                break
            case .failed(let error) where error.kind == .cancelled:
                // lua5.4's wording; the traceback shows where the entry was stopped.
                let location = error.location.isEmpty ? "" : error.location + ": "
                Terminal.error(location + "interrupted!" + (error.traceback.isEmpty ? "" : "\n" + error.traceback) + "\n")
            case .failed(let error):
                Terminal.error(error.messageWithTraceback + "\n")
            }
            pending = nil
            remember(entry)
        }
    }

    private func remember(_ entry: String) {
        guard entry.contains(where: { !$0.isWhitespace }) else { return }
        add_history(entry)
        if let historyPath { _ = write_history(historyPath) }
    }
}
