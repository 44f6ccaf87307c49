#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine
import LuaGrad

/// libedit's readline interface, set up for the REPL: history, Tab completion from the host's
/// live state (`ScriptHost.completions`), and Ctrl-C, which ends the line being edited.
///
/// libedit calls back through C function pointers without a context argument, so the host
/// the completions come from is kept in `LineEditor.completionHost`; there is one line editor
/// per process.
enum LineEditor {
    /// What `read` got.
    enum Input {
        case line(String)
        /// Ctrl-C: the line typed so far is dropped.
        case interrupted
        /// Ctrl-D on an empty line, or the end of input.
        case end
    }

    /// The host Tab completes from (set by `start`; read on the REPL's thread only).
    nonisolated(unsafe) private static var completionHost: ScriptHost?

    /// Characters that end a name: everything but letters, digits, `_`, `.` and `:`, so
    /// libedit hands the completer a whole dotted name (`torch.nn.functional.re`).
    private static let wordBreaks: StaticString = " \t\n\"\\'`@$><=;|&{}()[],+-*/%^~#!?"

    /// Sets libedit up: our SIGINT handling instead of libedit's, the reading function that
    /// notices Ctrl-C, and the completer.
    static func start(completingFrom host: ScriptHost) {
        completionHost = host
        InterruptSignal.install()
        // A static string: its NUL-terminated bytes live as long as the program, as libedit needs.
        let breaks = UnsafeRawPointer(wordBreaks.utf8Start).assumingMemoryBound(to: CChar.self)
        lg_edit_configure(readCharacter, complete, { _, _ in nil }, breaks)
        using_history()
        stifle_history(1000)
    }

    /// Reads one line with `prompt`.
    static func read(prompt: String) -> Input {
        _ = InterruptSignal.takePending()
        let raw = readline(prompt)
        if InterruptSignal.takePending() {
            free(raw)
            return .interrupted
        }
        guard let raw else { return .end }
        defer { free(raw) }
        return .line(String(cString: raw))
    }

    // MARK: - Callbacks

    /// libedit's `rl_getc_function`: one byte of input. A read that Ctrl-C interrupts (the
    /// handler is installed without `SA_RESTART`) returns a newline, so libedit ends the line
    /// at once and `read` reports `.interrupted`.
    private static let readCharacter: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { file in
        let descriptor = file.map { fileno($0) } ?? STDIN_FILENO
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(descriptor, &byte, 1)
            if count == 1 { return Int32(byte) }
            if count == 0 { return EOF }
            guard errno == EINTR else { return EOF }
            if InterruptSignal.peekPending() { return Int32(UInt8(ascii: "\n")) }
        }
    }

    /// libedit's `rl_attempted_completion_function`: the matches for the word from `start` to
    /// `end`, as a malloc'd, NULL-terminated array whose first entry is what replaces the word
    /// (the matches' common prefix), or NULL when there are none.
    private static let complete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { _, start, end in
        lg_edit_completion_done()
        guard let host = completionHost, let buffer = lg_edit_line_buffer() else { return nil }
        let line = String(cString: buffer)
        let found = host.completions(for: line, cursor: Int(end))
        guard !found.matches.isEmpty else { return nil }
        // libedit replaces the text from its own word start; ours starts at `found.start`.
        let bytes = Array(line.utf8)
        let lead = Int(start) < found.start && found.start <= bytes.count
            ? String(decoding: bytes[Int(start)..<found.start], as: UTF8.self) : ""
        let matches = found.matches.map { lead + $0 }
        let entries = (matches.count == 1 ? [] : [commonPrefix(matches)]) + matches
        // libedit frees the array and its strings with free(): allocate them with malloc.
        guard let storage = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (entries.count + 1)) else {
            return nil
        }
        let result = storage.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1)
        for (i, entry) in entries.enumerated() { result[i] = strdup(entry) }
        result[entries.count] = nil
        return result
    }

    private static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first.map(Array.init) else { return "" }
        for word in words.dropFirst() {
            let characters = Array(word)
            var length = 0
            while length < min(prefix.count, characters.count), prefix[length] == characters[length] { length += 1 }
            prefix = Array(prefix[..<length])
        }
        return String(prefix)
    }
}
