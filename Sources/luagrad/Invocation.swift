#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LuaGrad

// MARK: - What the command line asks for

/// Host settings shared by `run`, `test` and `-e`: the sandbox and the limits.
struct HostSettings: Equatable {
    var sandbox = false
    /// `--max-memory`, in bytes.
    var memoryLimit: Int?
    /// `--max-instructions`.
    var instructionLimit: Int?
    /// `--timeout`, in seconds.
    var timeout: Double?

    /// Consumes the host option at `arguments[index]` (`--name VALUE` or `--name=VALUE`),
    /// advancing `index` past it and its value; returns false when the argument is not a host
    /// option.
    mutating func parse(_ arguments: [String], at index: inout Int) throws(UsageError) -> Bool {
        let argument = arguments[index]
        var name = argument
        var inlineValue: String?
        if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
            name = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        }
        func value() throws(UsageError) -> String {
            if let inlineValue { return inlineValue }
            guard index + 1 < arguments.count else { throw UsageError(message: "'\(name)' needs a value") }
            index += 1
            return arguments[index]
        }
        switch name {
        case "--sandbox":
            guard inlineValue == nil else { throw UsageError(message: "'--sandbox' takes no value") }
            sandbox = true
        case "--max-memory":
            let text = try value()
            guard let bytes = Self.byteCount(text) else {
                throw UsageError(message: "bad size '\(text)' for --max-memory (examples: 512MB, 1GB, 100KB)")
            }
            memoryLimit = bytes
        case "--max-instructions":
            let text = try value()
            guard let count = Self.count(text) else {
                throw UsageError(message: "bad count '\(text)' for --max-instructions (a positive integer)")
            }
            instructionLimit = count
        case "--timeout":
            let text = try value()
            guard let seconds = Double(text), seconds.isFinite, seconds > 0 else {
                throw UsageError(message: "bad time '\(text)' for --timeout (seconds, e.g. 2 or 0.5)")
            }
            timeout = seconds
        default:
            return false
        }
        index += 1
        return true
    }

    /// The options of a host made with these settings. Without `--max-memory` the cap is
    /// `defaultMemoryLimit`, so that no script can drive the machine out of memory.
    func hostOptions() -> ScriptHost.Options {
        ScriptHost.Options(
            sandbox: sandbox,
            memoryLimit: memoryLimit ?? Self.defaultMemoryLimit,
            instructionLimit: instructionLimit,
            timeout: timeout.map { .nanoseconds(Int64(min($0, 1e9) * 1e9)) })
    }

    /// Three quarters of the physical memory (nil when unknown).
    static var defaultMemoryLimit: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? nil : bytes / 4 * 3
    }

    /// "512MB", "1GB", "100KB", "1.5G", "4096" (bytes); units are powers of 1024, case and a
    /// trailing "B" or "iB" optional.
    static func byteCount(_ text: String) -> Int? {
        var digits = text.trimmingSpaces.uppercased()
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits.removeLast(suffix.count)
            break
        }
        var multiplier = 1.0
        if let unit = digits.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(unit)] {
            multiplier = pow(1024.0, Double(power))
            digits.removeLast()
        }
        guard let number = Double(digits.trimmingSpaces), number.isFinite, number > 0 else { return nil }
        let bytes = (number * multiplier).rounded()
        guard bytes >= 1, bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }

    /// A positive integer, also written as "1e6".
    static func count(_ text: String) -> Int? {
        if let value = Int(text), value > 0 { return value }
        guard let value = Double(text), value.isFinite, value >= 1, value < 9.0e18,
            value == value.rounded()
        else { return nil }
        return Int(value)
    }
}

extension String {
    /// Without leading and trailing spaces.
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
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
    case kernel(KernelRequest)
    case help
    case version

    /// Parses the program's arguments (`arguments[0]` is the program).
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        guard arguments.count > 1 else { return .run(RunRequest(argTable: argTable(arguments, scriptIndex: 0))) }
        switch arguments[1] {
        case "test": return try parseTest(arguments)
        case "kernel": return try .kernel(KernelRequest.parse(arguments))
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
