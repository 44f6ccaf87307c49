import Foundation
import Testing

@testable import LuaGrad

// Limits: memory (Lua heap and tensors), instructions, wall-clock time and cancellation.
// Each must stop the script even when it wraps everything in pcall, leave no stop behind, and
// leave the host usable.

/// Runs `source` and returns the limit error it must end with.
private func limitError(_ host: ScriptHost, _ source: String, name: String = "bomb") throws -> ScriptError {
    try #require(throws: ScriptError.self) { try host.run(string: source, name: name) }
}

/// The host still works after a stop: a fresh call runs, and tensors still work.
private func expectUsable(_ host: ScriptHost) throws {
    let results = try host.run(string: "local x = torch.arange(4.0) return (x * 2):sum():item(), 1 + 1")
    #expect(results == [.number(12), .integer(2)])
}

// Scripts that try to get around a stop. `BODY` is replaced by the looping or allocating code.
private let evasions = [
    "BODY",
    "while true do pcall(function() BODY end) end",
    "for i = 1, 1e9 do local ok, e = pcall(function() BODY end) end",
    "while true do xpcall(function() BODY end, function(m) return m end) end",
    "while true do xpcall(function() BODY end, function(m) while true do end end) end",
    "local co = coroutine.wrap(function() while true do pcall(function() BODY end) end end) while true do pcall(co) end",
    "while true do local ok = pcall(function() local c <close> = setmetatable({}, {__close = function() while true do end end}) BODY end) end",
    "while true do pcall(torch.no_grad, function() BODY end) end",
    "while true do pcall(string.gsub, 'abc', '%w', function() BODY end) end",
    "while true do pcall(table.sort, {3, 2, 1}, function() BODY return false end) end",
    "while true do pcall(load([[BODY]])) end",
]

@Suite struct MemoryLimit {
    @Test(arguments: [
        "local s = string.rep('x', 1e9)",
        "local s = 'x' while true do s = s .. s end",
        "local t = {} for i = 1, 1e9 do t[i] = i end",
        "local t = {} while true do t[#t + 1] = {} end",
        "local t = {} for i = 1, 1e9 do t[i] = tostring(i) .. 'abcdefgh' end",
        "local x = torch.zeros(1e8)",
        "local l = {} while true do l[#l + 1] = torch.ones(1000) end",
        "local x = torch.ones(2000, 2000):mm(torch.ones(2000, 2000))",
        "local l = {} for i = 1, 1e9 do l[i] = torch.randn(10):sum() end",
        "local x = torch.zeros(1e12)",
        "local x = torch.arange(0, 1, 1e-9)",
    ])
    func bombsStopOrFailWithoutCrashing(bomb: String) throws {
        let host = try ScriptHost(options: .init(memoryLimit: 16 << 20, timeout: .seconds(20)))
        let error = try limitError(host, bomb)
        // torch.zeros(1e12) is refused for its size before any limit is consulted.
        if !bomb.contains("1e12") {
            #expect(error.kind == .memoryLimit, "\(bomb): \(error)")
        }
        try expectUsable(host)
        #expect(host.memoryUsage.totalBytes < 16 << 20)
    }

    @Test(arguments: evasions)
    func pcallCannotSwallowIt(evasion: String) throws {
        let host = try ScriptHost(options: .init(memoryLimit: 8 << 20, timeout: .seconds(20)))
        for body in ["local s = string.rep('x', 1e8)", "local t = torch.zeros(1e8)"] {
            let script = evasion.replacingOccurrences(of: "BODY", with: body)
            let error = try limitError(host, script)
            #expect(error.kind == .memoryLimit, "\(script): \(error)")
            try expectUsable(host)
        }
    }

    @Test func garbageDoesNotCountAgainstTheLimit() throws {
        let host = try ScriptHost(options: .init(memoryLimit: 4 << 20))
        // 40 MB of tensors and 40 MB of strings go through a 4 MB host, none of them kept.
        try host.run(string: """
            for i = 1, 1000 do local x = torch.ones(10000) * 2 end
            for i = 1, 1000 do local s = string.rep('y', 40000) end
            """)
        #expect(host.memoryUsage.totalBytes < 4 << 20)
    }

    @Test func errorsSayWhatAndWhere() throws {
        let host = try ScriptHost(options: .init(memoryLimit: 4 << 20))
        let error = try limitError(host, "local a = 1\nlocal x = torch.zeros(1e7)", name: "alloc")
        #expect(error.kind == .memoryLimit)
        #expect(error.kind.isLimit)
        #expect(error.location == "alloc:2")
        #expect(error.message == "alloc:2: not enough memory: the script exceeded its memory limit of 4 MB")
        #expect(error.traceback.contains("alloc:2: in main chunk"))
    }

    @Test func tooSmallALimitIsRefusedUpFront() throws {
        let error = try #require(throws: ScriptError.self) { try ScriptHost(options: .init(memoryLimit: 1000)) }
        #expect(error.kind == .memoryLimit)
        #expect(error.message.hasPrefix("the memory limit of 1000 bytes is too small"))
    }

    @Test func swiftNeverUnwindsAndOvershootIsReportedAfterItReturns() throws {
        let host = try ScriptHost(options: .init(memoryLimit: 4 << 20))
        try host.register(name: "big") { _ in [.string(String(repeating: "z", count: 8 << 20))] }
        let error = try limitError(host, "local ok, s = pcall(big) return #s")
        #expect(error.kind == .memoryLimit)
        try expectUsable(host)
        // Swift pushing past the limit from outside any script is reported too.
        let pushed = try #require(throws: ScriptError.self) {
            try host.setGlobal("huge", .string(String(repeating: "w", count: 8 << 20)))
        }
        #expect(pushed.kind == .memoryLimit)
        try host.setGlobal("huge", nil)
        try host.collectGarbage()
        try expectUsable(host)
    }

    @Test func tensorsStayChargedToTheirHostWhileSwiftHoldsThem() throws {
        let host = try ScriptHost(options: .init(memoryLimit: 64 << 20))
        try host.collectGarbage()
        let before = host.memoryUsage.tensorBytes
        var kept = try host.run(string: "return torch.zeros(1000, 1000)")[0].tensorValue
        try host.collectGarbage()
        #expect(host.memoryUsage.tensorBytes >= before + 4_000_000)
        #expect(kept?.numel == 1_000_000)
        kept = nil
        #expect(host.memoryUsage.tensorBytes < before + 1_000_000)
    }
}

@Suite struct InstructionLimit {
    @Test(arguments: evasions)
    func loopsStopWhateverTheyCatch(evasion: String) throws {
        let host = try ScriptHost(options: .init(instructionLimit: 200_000, timeout: .seconds(20)))
        let script = evasion.replacingOccurrences(of: "BODY", with: "while true do end")
        let error = try limitError(host, script)
        #expect(error.kind == .instructionLimit, "\(script): \(error)")
        #expect(error.message.contains("the script exceeded its instruction limit of 200000 instructions"))
        try expectUsable(host)
    }

    @Test func theBudgetIsPerCallAndPrecise() throws {
        let host = try ScriptHost(options: .init(instructionLimit: 100_000))
        try host.run(string: "function spin(n) local x = 0 for i = 1, n do x = x + i end return x end")
        // A loop body of a few instructions: 20 000 iterations fit, 50 000 do not; every call
        // starts afresh.
        for _ in 0..<5 { try host.call("spin", [20_000]) }
        let error = try #require(throws: ScriptError.self) { try host.call("spin", [50_000]) }
        #expect(error.kind == .instructionLimit)
        try host.call("spin", [20_000])
    }

    @Test func coroutinesAreCounted() throws {
        let host = try ScriptHost(options: .init(instructionLimit: 100_000))
        for script in [
            "local co = coroutine.create(function() while true do end end) coroutine.resume(co)",
            "local f = coroutine.wrap(function() while true do coroutine.yield() end end) while true do f() end",
        ] {
            let error = try limitError(host, script)
            #expect(error.kind == .instructionLimit, "\(script)")
            try expectUsable(host)
        }
    }

    /// Finalizers run with hooks off (nothing could stop one), and `debug.sethook` would remove
    /// the hook: under an instruction or time limit neither is allowed.
    @Test func theHookCannotBeSidestepped() throws {
        for options in [ScriptHost.Options(instructionLimit: 100_000), .init(timeout: .seconds(5))] {
            let host = try ScriptHost(options: options)
            let finalizer = try limitError(host, "setmetatable({}, {__gc = function() while true do end end})")
            #expect(finalizer.kind == .runtime)
            #expect(finalizer.message.contains("__gc metamethods are not allowed"))
            let sethook = try limitError(host, "debug.sethook() while true do end")
            #expect(sethook.kind == .runtime)
            #expect(sethook.message.contains("debug.sethook is not available"))
            // Ordinary metatables are fine.
            #expect(try host.run(string: "return getmetatable(setmetatable({}, {__index = {a = 1}})).__index.a") == [1])
        }
    }
}

@Suite struct Timeout {
    @Test(arguments: evasions)
    func loopsStopAtTheDeadline(evasion: String) throws {
        let host = try ScriptHost(options: .init(timeout: .milliseconds(200)))
        let script = evasion.replacingOccurrences(of: "BODY", with: "while true do end")
        let start = ContinuousClock.now
        let error = try limitError(host, script)
        #expect(error.kind == .timeout, "\(script): \(error)")
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(error.message.contains("the script exceeded its time limit of 0.2 s"))
        try expectUsable(host)
    }

    @Test func tensorWorkInALoopStopsToo() throws {
        let host = try ScriptHost(options: .init(timeout: .milliseconds(200)))
        let error = try limitError(host, "local x = torch.ones(100) while true do x = (x * 1.0001):detach() end")
        #expect(error.kind == .timeout)
        try expectUsable(host)
    }

    /// Three calls of 0.6 s under a 1 s limit: together they run past it, so the deadline must
    /// start again with each call. The wall clock, not CPU time, measures the calls, and each
    /// keeps 0.4 s to spare, so a loaded machine (2 cores, several test processes) cannot make
    /// one call overrun.
    @Test func eachCallGetsTheFullTime() throws {
        let host = try ScriptHost(options: .init(timeout: .seconds(1)))
        try host.run(string: """
            function busy(seconds) local t = torch.wallclock() while torch.wallclock() - t < seconds do end end
            """)
        for _ in 0..<3 { try host.call("busy", [0.6]) }
    }
}

@Suite struct CancellationFromAnotherThread {
    @Test(arguments: evasions)
    func anotherThreadStopsTheScript(evasion: String) throws {
        let host = try ScriptHost(options: .init(timeout: .seconds(30)))
        let canceller = host.canceller
        // A thread of its own: pool threads may all be busy running scripts like this one.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.1)
            canceller.cancel()
        }
        let script = evasion.replacingOccurrences(of: "BODY", with: "while true do end")
        let error = try limitError(host, script)
        #expect(error.kind == .cancelled, "\(script): \(error)")
        #expect(error.message.hasSuffix("the script was cancelled"))
        #expect(!canceller.isCancelled)
        try expectUsable(host)
    }

    @Test func aCancelWhileIdleStopsTheNextCallOnly() throws {
        let host = try ScriptHost()
        host.canceller.cancel()
        #expect(host.canceller.isCancelled)
        let error = try #require(throws: ScriptError.self) { try host.run(string: "return 1") }
        #expect(error.kind == .cancelled)
        #expect(try host.run(string: "return 1") == [.integer(1)])
    }

    @Test func aSwiftFunctionCannotShieldTheScript() throws {
        let host = try ScriptHost(options: .init(instructionLimit: 100_000))
        // The callback swallows every error of the nested call; the stop goes on anyway.
        try host.register(name: "shield") { [unowned host] _ in
            _ = try? host.run(string: "while true do end")
            return [.boolean(true)]
        }
        let error = try limitError(host, "while true do pcall(shield) end")
        #expect(error.kind == .instructionLimit)
        try expectUsable(host)
    }

    @Test func closingFromASwiftFunctionWaitsForTheCallToReturn() throws {
        let host = try ScriptHost()
        try host.register(name: "closeHost") { [unowned host] _ in
            host.close()
            return []
        }
        let results = try host.run(string: "closeHost() local x = torch.ones(2) return (x + 1):sum():item()")
        #expect(results == [.number(4)])
        #expect(host.isClosed)
        #expect(throws: ScriptError.self) { try host.run(string: "return 1") }
    }
}
