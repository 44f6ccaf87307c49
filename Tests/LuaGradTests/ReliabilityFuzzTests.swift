import Testing

@testable import LuaGrad

// Seeded fuzzing: every function of `torch`, every tensor method and metamethod, and the
// methods of the other bridged objects, called with hostile arguments under pcall
// (Tests/lua/reliability/fuzz.lua). The process must survive; errors are expected. A longer
// run outside CI: scripts/fuzz.

/// Runs `calls` fuzzed calls in batches on `host`; a batch may end in a limit error (the
/// fuzzer allocates on purpose), after which the host must carry on.
private func fuzz(
    _ host: ScriptHost, seed: Int, batches: Int, calls: Int, options: LuaValue = nil
) throws -> (calls: Int, functions: Int, methods: Int, limitStops: Int) {
    let fuzzer = try host.run(file: luaFixture("reliability/fuzz.lua"))[0]
    var total = 0, functions = 0, methods = 0, limitStops = 0
    for batch in 0..<batches {
        do {
            let stats = try host.call(fuzzer["run"], [.integer(Int64(seed * 1000 + batch)), .integer(Int64(calls)), options])
            total += Int(stats.first?["calls"].integerValue ?? 0)
            functions = Int(stats.first?["functions"].integerValue ?? 0)
            methods = Int(stats.first?["methods"].integerValue ?? 0)
        } catch let error as ScriptError where error.kind.isLimit {
            limitStops += 1
        }
    }
    // Whatever the fuzzer did, the host still works.
    #expect(try host.run(string: "return (torch.arange(4.0) * 2):sum():item()") == [.number(12)])
    return (total, functions, methods, limitStops)
}

private func fuzzOptions(sandbox: Bool = false) -> ScriptHost.Options {
    ScriptHost.Options(output: { _ in }, sandbox: sandbox, memoryLimit: 256 << 20, timeout: .seconds(20))
}

@Suite struct Fuzzing {
    @Test(arguments: 1...6)
    func hostileCallsNeverCrashTheProcess(seed: Int) throws {
        let host = try ScriptHost(options: fuzzOptions())
        let result = try fuzz(host, seed: seed, batches: 10, calls: 2000)
        // Every function and method is reachable (debug finds the methods behind __metatable).
        #expect(result.functions >= 100)
        #expect(result.methods >= 100)
        #expect(result.calls + 2000 * result.limitStops >= 10 * 2000 * 9 / 10)
        host.close()
    }

    @Test(arguments: 1...2)
    func insideCoroutines(seed: Int) throws {
        let host = try ScriptHost(options: fuzzOptions())
        _ = try fuzz(host, seed: 100 + seed, batches: 5, calls: 2000, options: ["inside_coroutine": true])
    }

    @Test(arguments: 1...2)
    func inTheSandbox(seed: Int) throws {
        let host = try ScriptHost(options: fuzzOptions(sandbox: true))
        let result = try fuzz(host, seed: 200 + seed, batches: 5, calls: 2000)
        #expect(result.functions >= 100)
    }

    @Test func underTightLimits() throws {
        // A small memory limit and instruction budget: most batches end in a stop, and the
        // host recovers every time.
        let host = try ScriptHost(options: .init(output: { _ in }, memoryLimit: 8 << 20, instructionLimit: 200_000))
        let result = try fuzz(host, seed: 300, batches: 10, calls: 3000)
        #expect(result.limitStops > 0)
    }
}
