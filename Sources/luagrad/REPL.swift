#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine
import LuaGrad

/// The interactive loop: libedit line editing and history, lua5.4's echo and continuation.
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
        using_history()
        stifle_history(1000)
        if let historyPath { _ = read_history(historyPath) }

        var pending: String?
        while true {
            guard let raw = readline(pending == nil ? "> " : ">> ") else {
                print()
                return 0
            }
            let line = String(cString: raw)
            free(raw)
            let entry = pending.map { $0 + "\n" + line } ?? line
            switch host.evaluateInteractive(entry) {
            case .incomplete:
                pending = entry
                continue
            case .completed:
                break
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
