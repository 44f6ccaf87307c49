// MARK: - Running test files

/// Runs busted-dialect test files (`luagrad test`), each in a fresh `ScriptHost`.
///
/// Output: one `FAIL path:line: test name: message` line per failure (further lines of a
/// long message indented), a `path: N passed, N failed` line per file, and finally the line
/// `N passed, N failed` (plus `, N skipped` when tests were pending).
public struct TestRunner {
    /// One failed test (or a file that failed to load, or a failed teardown).
    public struct Failure: Sendable, Equatable {
        /// The test file.
        public var file: String
        /// `path:line` of the failing assertion or error (the test's own line when the error
        /// carries no position).
        public var location: String
        /// The describe names and the test name, separated by spaces.
        public var name: String
        public var message: String
    }

    /// The outcome of a run.
    public struct Summary: Sendable {
        public var files: [String] = []
        public var passed = 0
        public var failed = 0
        public var skipped = 0
        public var failures: [Failure] = []

        /// `N passed, N failed` and `, N skipped` when any were.
        public var closingLine: String {
            "\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : "")
        }

        /// 1 when a test failed or no test file was found, else 0.
        public var exitStatus: Int32 { failed > 0 || files.isEmpty ? 1 : 0 }
    }

    /// Options for each file's host (issue 6: the limits given to `luagrad test` go here).
    public var hostOptions: ScriptHost.Options
    /// Receives the report text.
    public var output: (String) -> Void

    public init(
        hostOptions: ScriptHost.Options = ScriptHost.Options(),
        output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }
    ) {
        self.hostOptions = hostOptions
        self.output = output
    }

    /// Runs the test files found under `paths` (the current directory when empty).
    public func run(paths: [String]) -> Summary {
        let roots = paths.isEmpty ? ["."] : paths
        var summary = Summary()
        var files: [String] = []
        for root in roots {
            guard let found = TestDiscovery.testFiles(under: root) else {
                let failure = Failure(file: root, location: root, name: "(finding tests)", message: "no such file or directory")
                report([failure], into: &summary)
                continue
            }
            for file in found where !files.contains(file) { files.append(file) }
        }
        if files.isEmpty {
            output("no test files found (test_*.lua or *_test.lua) under \(roots.joined(separator: ", "))\n")
        }
        for file in files {
            summary.files.append(file)
            let result = runFile(file)
            report(result.failures, into: &summary)
            summary.passed += result.passed
            summary.skipped += result.skipped
            var line = "\(file): \(result.passed) passed, \(result.failures.count) failed"
            if result.skipped > 0 { line += ", \(result.skipped) skipped" }
            output(line + "\n")
        }
        output(summary.closingLine + "\n")
        return summary
    }

    private func report(_ failures: [Failure], into summary: inout Summary) {
        for failure in failures {
            summary.failed += 1
            summary.failures.append(failure)
            var lines = failure.message.split(separator: "\n", omittingEmptySubsequences: false)
            let first = lines.isEmpty ? "" : String(lines.removeFirst())
            var text = "FAIL \(failure.location): \(failure.name): \(first)\n"
            for line in lines { text += "    \(line)\n" }
            output(text)
        }
    }

    // MARK: - One file

    private struct FileResult {
        var passed = 0
        var skipped = 0
        var failures: [Failure] = []
    }

    /// Runs one file in a fresh host whose `package.path` starts with the file's directory.
    private func runFile(_ path: String) -> FileResult {
        do {
            let host = try ScriptHost(options: hostOptions)
            defer { host.close() }
            try host.run(
                string: #"local dir = ...; package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua;" .. package.path"#,
                name: "luagrad test", arguments: [.string(TestDiscovery.directory(of: path))])
            let runner = try host.loadTestFramework()
            let arguments: [LuaValue]
            do {
                arguments = [try host.load(file: path), .string(path)]
            } catch let error as ScriptError {
                arguments = [.nil, .string(path), .string(error.message)]
            }
            let report = try host.call(runner, arguments).first ?? .nil
            return fileResult(from: report, path: path)
        } catch {
            return FileResult(failures: [Failure(file: path, location: path, name: "(running the file)", message: "\(error)")])
        }
    }

    /// Reads the framework's report table.
    private func fileResult(from report: LuaValue, path: String) -> FileResult {
        var result = FileResult()
        result.passed = Int(report["passed"].integerValue ?? 0)
        result.skipped = Int(report["skipped"].integerValue ?? 0)
        for entry in report["failures"].tableValue?.array ?? [] {
            result.failures.append(
                Failure(
                    file: path,
                    location: entry["location"].stringValue ?? path,
                    name: entry["name"].stringValue ?? "?",
                    message: entry["message"].stringValue ?? "?"))
        }
        return result
    }
}
