#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LuaGrad

/// Dispatches a command line and returns the exit status.
enum Program {
    static func main(_ arguments: [String]) -> Int32 {
        let invocation: Invocation
        do {
            invocation = try Invocation.parse(arguments)
        } catch {
            Terminal.error("luagrad: \(error.message)\n\(Usage.line)\n")
            return 2
        }
        switch invocation {
        case .help:
            print(Usage.help)
            return 0
        case .version:
            print(ScriptHost.banner)
            return 0
        case .test(let request):
            let runner = TestRunner(hostOptions: request.settings.hostOptions())
            return runner.run(paths: request.paths).exitStatus
        case .run(let request):
            return run(request)
        case .kernel(let request):
            return request.run()
        }
    }

    /// Runs the `-e` chunks, then the script (or the REPL, or standard input); with
    /// `--graph`, then draws the graph of the last backward pass.
    private static func run(_ request: RunRequest) -> Int32 {
        let host: ScriptHost
        do {
            host = try ScriptHost(options: request.settings.hostOptions())
        } catch {
            return report(error)
        }
        defer { host.close() }
        do {
            try host.setGlobal("arg", .table(request.argTable))
            if request.graphPath != nil {
                try host.run(string: GraphDrawing.record, name: "--graph")
            }
            for chunk in request.chunks {
                try host.run(string: chunk, name: "(command line)")
            }
            let arguments = request.scriptArguments.map { LuaValue.string($0) }
            switch request.script {
            case .file(let path):
                try host.run(file: path, arguments: arguments)
            case .standardInput:
                try host.runStandardInput(arguments: arguments)
            case nil:
                guard request.chunks.isEmpty else { break }
                if isatty(STDIN_FILENO) != 0 {
                    let status = REPL(host: host).run()
                    guard status == 0, let graphPath = request.graphPath else { return status }
                    try host.run(string: GraphDrawing.draw, name: "--graph", arguments: [.string(graphPath)])
                    return 0
                }
                try host.runStandardInput()
            }
            if let graphPath = request.graphPath {
                try host.run(string: GraphDrawing.draw, name: "--graph", arguments: [.string(graphPath)])
            }
        } catch {
            return report(error)
        }
        return 0
    }

    /// Prints a script error as the standalone `lua` does and returns status 1. In an MPI job
    /// (torch.distributed initialized) it then aborts the whole job: the other ranks may be
    /// waiting for this one in a collective, and would otherwise wait forever.
    private static func report(_ error: Error) -> Int32 {
        let text = (error as? ScriptError)?.messageWithTraceback ?? "\(error)"
        Terminal.error("luagrad: \(text)\n")
        DistributedRuntime.abortJobIfInitialized(status: 1)
        return 1
    }
}

/// The Lua side of `--graph FILE`: record the root of every backward pass, and draw the last.
enum GraphDrawing {
    /// Run before the script: `t:backward()` and `torch.autograd.backward` remember their root.
    static let record = #"require("luagrad").viz._record_backward(true)"#

    /// Run after the script with the file name as `...`.
    static let draw = #"""
        local path = ...
        local viz = require("luagrad").viz
        if viz._last_root == nil then
          error("--graph " .. path .. ": the script ran no backward pass, so there is no graph to draw", 0)
        end
        viz.svg(viz._last_root, path)
        """#
}

/// Writing to the standard streams.
enum Terminal {
    /// Writes to standard error after flushing standard output, so the two stay in order.
    static func error(_ text: String) {
        fflush(nil)
        var text = text
        text.withUTF8 { bytes in
            guard let start = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = write(STDERR_FILENO, start + offset, bytes.count - offset)
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
