import LuaGrad

// MARK: - What the command line asks for

/// Host settings shared by `run`, `test` and `-e`.
///
/// Issue 6 adds the limit flags here (`--sandbox`, `--max-memory SIZE`, `--max-instructions N`,
/// `--timeout SECONDS`): `parse` recognises them and `hostOptions` turns them into
/// `ScriptHost.Options`. Every command's option loop already asks `parse` first.
struct HostSettings {
    /// Consumes the host option at `arguments[index]`, advancing `index` past it and its
    /// value; returns false when the argument is not a host option.
    mutating func parse(_ arguments: [String], at index: inout Int) throws(UsageError) -> Bool {
        false
    }

    /// The options of a host made with these settings.
    func hostOptions() -> ScriptHost.Options {
        ScriptHost.Options()
    }
}

/// A command line that cannot be understood: exit status 2 with a usage line.
struct UsageError: Error {
    var message: String
}

/// Where the script comes from.
enum ScriptSource: Equatable {
    case file(String)
    case standardInput
}

/// `luagrad [run] [-e CODE]... [FILE [ARGS...]]`.
struct RunRequest {
    var settings = HostSettings()
    /// `-e` chunks, run in order before the script.
    var chunks: [String] = []
    var script: ScriptSource?
    /// The script's arguments (its `...` and `arg[1...]`).
    var scriptArguments: [String] = []
    /// `--graph FILE`: where to draw the graph of the script's last backward pass.
    var graphPath: String?
    /// The global `arg`, as the standalone `lua` builds it: `arg[0]` is the script,
    /// `arg[1...]` its arguments, negative indices the interpreter and the options.
    var argTable = LuaTable()
}

/// `luagrad test [PATH...]`.
struct TestRequest {
    var settings = HostSettings()
    var paths: [String] = []
}

enum Invocation {
    case run(RunRequest)
    case test(TestRequest)
    case help
    case version

    /// Parses the program's arguments (`arguments[0]` is the program).
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        guard arguments.count > 1 else { return .run(RunRequest(argTable: argTable(arguments, scriptIndex: 0))) }
        switch arguments[1] {
        case "test": return try parseTest(arguments)
        case "run": return try parseRun(arguments, from: 2, needsScript: true)
        default: return try parseRun(arguments, from: 1, needsScript: false)
        }
    }

    private static func parseRun(_ arguments: [String], from start: Int, needsScript: Bool) throws(UsageError)
        -> Invocation
    {
        var request = RunRequest()
        var index = start
        var scriptIndex: Int?
        options: while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--":
                index += 1
                break options
            case "-":
                request.script = .standardInput
                scriptIndex = index
                break options
            case "-h", "--help":
                return .help
            case "-v", "--version":
                return .version
            case "-e":
                guard index + 1 < arguments.count else { throw UsageError(message: "'-e' needs an argument") }
                request.chunks.append(arguments[index + 1])
                index += 2
            case "--graph":
                guard index + 1 < arguments.count, !arguments[index + 1].isEmpty else {
                    throw UsageError(message: "'--graph' needs a file name (e.g. --graph graph.svg)")
                }
                request.graphPath = arguments[index + 1]
                index += 2
            case _ where argument.hasPrefix("--graph="):
                let path = String(argument.dropFirst("--graph=".count))
                guard !path.isEmpty else { throw UsageError(message: "'--graph' needs a file name (e.g. --graph graph.svg)") }
                request.graphPath = path
                index += 1
            case _ where argument.hasPrefix("-e") && !argument.hasPrefix("--"):
                request.chunks.append(String(argument.dropFirst(2)))
                index += 1
            case _ where argument.hasPrefix("-"):
                if try request.settings.parse(arguments, at: &index) { continue }
                throw UsageError(message: "unknown option '\(argument)'")
            default:
                break options
            }
        }
        if request.script == nil && index < arguments.count {
            request.script = arguments[index] == "-" ? .standardInput : .file(arguments[index])
            scriptIndex = index
        }
        if needsScript && request.script == nil {
            throw UsageError(message: "'run' needs a file name")
        }
        if let scriptIndex {
            request.scriptArguments = Array(arguments[(scriptIndex + 1)...])
        }
        request.argTable = argTable(arguments, scriptIndex: scriptIndex ?? 0)
        return .run(request)
    }

    private static func parseTest(_ arguments: [String]) throws(UsageError) -> Invocation {
        var request = TestRequest()
        var index = 2
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                request.paths.append(argument)
                index += 1
            } else if argument == "--" {
                optionsEnded = true
                index += 1
            } else if argument == "-h" || argument == "--help" {
                return .help
            } else if try request.settings.parse(arguments, at: &index) {
                continue
            } else {
                throw UsageError(message: "unknown option '\(argument)'")
            }
        }
        return .test(request)
    }

    /// `arg[i - scriptIndex] = arguments[i]` for every argument, as lua.c's `createargtable`.
    private static func argTable(_ arguments: [String], scriptIndex: Int) -> LuaTable {
        var table = LuaTable()
        for (index, argument) in arguments.enumerated() {
            let key = Int64(index - scriptIndex)
            if key >= 1 {
                table.array.append(.string(argument))
            } else {
                table.fields[.integer(key)] = .string(argument)
            }
        }
        return table
    }
}
