import Autograd
import Foundation
import Testing

@testable import LuaGrad

// Many hosts at once, one per thread; tensors passed between them through Swift; a host
// cancelled from another thread while the others carry on; a host used from one thread after
// another keeps its own engine settings.

/// Tensors sent to one host's thread by another.
private final class Mailbox: Sendable {
    private let items = Locked<[TensorHandoff]>([])

    func send(_ handoff: TensorHandoff) { items.withLock { $0.append(handoff) } }
    func receiveAll() -> [TensorHandoff] { items.withLock { items in defer { items = [] }; return items } }
}

/// What a closed host may still be charged for: the engine keeps each thread's 64 most recent
/// wrapped numbers (0-d tensors of 8 bytes) for reuse, and those made during the host's calls
/// count against it until the cache drops them.
let wrappedNumberCache = 64 * (8 + HostLimits.storageOverhead)

/// Runs `body(i)` on `count` threads of their own and waits for all of them.
private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        Thread.detachNewThread {
            body(index)
            done.leave()
        }
    }
    done.wait()
}

/// Lets a non-Sendable value cross to another thread in a test that hands it over completely.
private final class Handover<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

@Suite struct Concurrency {
    @Test func fourHostsOnFourThreadsTenThousandCallsEach() throws {
        let threads = 4, iterations = 10_000
        let mailboxes = (0..<threads).map { _ in Mailbox() }
        let failures = Locked<[String]>([])
        let received = Locked<Int>(0)
        onThreads(threads) { index in
            do {
                let host = try ScriptHost(options: .init(memoryLimit: 64 << 20, timeout: .seconds(60)))
                try host.run(string: """
                    torch.manual_seed(\(index))
                    w = torch.zeros(4, {requires_grad = true})
                    target = torch.arange(4.0) + \(index)
                    total = 0
                    function step()
                      local loss = ((w - target) ^ 2):sum()
                      loss:backward()
                      torch.no_grad(function() w:sub_(w.grad * 0.05) end)
                      w.grad = nil
                      local t = {}
                      for k = 1, 8 do t[k] = k * 2 end
                      return loss:item()
                    end
                    function take(x) total = total + x:sum():item() return total end
                    """)
                var lastLoss = Double.infinity
                for i in 0..<iterations {
                    let loss = try host.call("step")
                    lastLoss = loss.first?.numberValue ?? .nan
                    if i % 500 == 0 {
                        // A tensor from this host's script goes to the next host's thread.
                        guard let w = try host.getGlobal("w").tensorValue else { throw MessageError(description: "no w") }
                        mailboxes[(index + 1) % threads].send(try TensorHandoff(copying: w))
                    }
                    for handoff in mailboxes[index].receiveAll() {
                        try host.call("take", [.tensor(handoff.tensor)])
                        received.withLock { $0 += 1 }
                    }
                }
                // SGD converged to this host's own target: nothing leaked between hosts.
                let expected = try Tensor((0..<4).map { Float($0 + index) })
                let converged = try host.run(string: "return w")[0].tensorValue.map { try $0.allclose(expected) }
                if lastLoss > 1e-6 || converged != true {
                    failures.withLock { $0.append("host \(index): loss \(lastLoss)") }
                }
                host.close()
                if host.memoryUsage.tensorBytes > wrappedNumberCache {
                    failures.withLock { $0.append("host \(index): \(host.memoryUsage.tensorBytes) tensor bytes left") }
                }
            } catch {
                failures.withLock { $0.append("host \(index): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        // Every host sent 20 tensors; most arrive before their receiver finishes.
        #expect(received.withLock { $0 } > 0)
    }

    @Test func cancellingOneHostLeavesTheOthersRunning() throws {
        let threads = 4
        let cancellers = Locked<[Int: ScriptCanceller]>([:])
        let outcomes = Locked<[Int: String]>([:])
        onThreads(threads + 1) { index in
            if index == threads {
                // The canceller: waits until host 2 is running, then stops it.
                while cancellers.withLock({ $0[2] }) == nil { Thread.sleep(forTimeInterval: 0.01) }
                Thread.sleep(forTimeInterval: 0.2)
                cancellers.withLock { $0[2] }?.cancel()
                return
            }
            do {
                let host = try ScriptHost()
                cancellers.withLock { $0[index] = host.canceller }
                let script =
                    index == 2
                    ? "while true do pcall(function() while true do end end) end"
                    : "local s = 0 for i = 1, 2000000 do s = s + i end return s"
                let result = try host.run(string: script)
                outcomes.withLock { $0[index] = "\(result)" }
            } catch let error as ScriptError {
                outcomes.withLock { $0[index] = "\(error.kind)" }
            } catch {
                outcomes.withLock { $0[index] = "\(error)" }
            }
        }
        let results = outcomes.withLock { $0 }
        #expect(results[2] == "cancelled")
        for index in [0, 1, 3] { #expect(results[index] == "[2000001000000]") }
    }

    @Test func aHostKeepsItsSettingsWhenItMovesThreads() throws {
        let host = Handover(try ScriptHost(options: .init(memoryLimit: 32 << 20)))
        try host.value.run(string: """
            torch.set_grad_enabled(false)
            torch.manual_seed(7)
            kept = torch.ones(1000)
            """)
        // This thread's own settings are untouched.
        #expect(ThreadState.current.gradEnabled)
        let seen = Locked<[String]>([])
        let otherThreadGradMode = Locked<Bool>(false)
        onThreads(1) { _ in
            let results = try? host.value.run(string: "return torch.is_grad_enabled(), torch.randn(1):item()")
            let texts = (results ?? []).map(\.description)
            seen.withLock { $0 = texts }
            // The other thread's settings are untouched too.
            otherThreadGradMode.withLock { $0 = ThreadState.current.gradEnabled }
        }
        #expect(otherThreadGradMode.withLock { $0 })
        let reference = try ScriptHost()
        let expected = try reference.run(string: "torch.manual_seed(7) return torch.randn(1):item()")
        #expect(seen.withLock { $0 } == ["false"] + expected.map(\.description))
        // The tensor made on the first thread is still charged to the host, from any thread.
        #expect(host.value.memoryUsage.tensorBytes >= 4000)
        try host.value.run(string: "kept = nil collectgarbage()")
        #expect(host.value.memoryUsage.tensorBytes <= wrappedNumberCache)
    }

    @Test func tensorsCrossHostsOnOneThreadWithoutCopying() throws {
        let a = try ScriptHost(), b = try ScriptHost()
        let t = try a.run(string: "x = torch.arange(3.0) return x")[0]
        try b.setGlobal("t", t)
        try b.run(string: "t:mul_(10)")
        #expect(try a.run(string: "return x:sum():item()") == [.number(30)])
    }
}

/// A value behind a pthread mutex (NSLock). The tests use it rather than `Synchronization.Mutex`,
/// whose futex-based lock lives in the uninstrumented standard library: ThreadSanitizer cannot
/// see it order accesses, and reported races inside `withLock` (scripts/sanitize).
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

