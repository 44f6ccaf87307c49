import Autograd
import Foundation
import Testing

@testable import LuaGrad

// Resources: nothing leaks once hosts close (live-object counters, and each host's own tensor
// account, which other tests cannot disturb), and a million-op-deep graph is built, run
// backward and freed without recursion. Serialized: the counters are process-wide.

/// Live engine objects in the process.
private struct LiveCounts: CustomStringConvertible {
    var tensors = Tensor.live.load()
    var nodes = Node.live.load()
    var storages = Storage.live.load()

    var description: String { "\(tensors) tensors, \(nodes) nodes, \(storages) storages" }

    /// The smallest counts seen over a short while (other suites come and go meanwhile).
    static func settled(samples: Int = 20) -> LiveCounts {
        var low = LiveCounts()
        for _ in 0..<samples {
            Thread.sleep(forTimeInterval: 0.005)
            let now = LiveCounts()
            low.tensors = min(low.tensors, now.tensors)
            low.nodes = min(low.nodes, now.nodes)
            low.storages = min(low.storages, now.storages)
        }
        return low
    }

    /// Whether the counts come back within `slack` of `baseline`. Other suites run at the same
    /// time and hold objects for a while; a leak never gives them back, so this waits (up to
    /// `patience`) for the counts to come down before calling it a leak.
    static func comeBack(to baseline: LiveCounts, slack: Int, patience: Duration = .seconds(60)) -> (Bool, LiveCounts) {
        let deadline = ContinuousClock.now + patience
        var now = settled(samples: 4)
        while ContinuousClock.now < deadline {
            if now.tensors - baseline.tensors < slack && now.nodes - baseline.nodes < slack
                && now.storages - baseline.storages < slack
            {
                return (true, now)
            }
            Thread.sleep(forTimeInterval: 0.05)
            now = settled(samples: 4)
        }
        return (false, now)
    }
}

/// A training-like workload touching what can hold memory: graphs, retained graphs, hooks that
/// are Lua closures, custom functions, create_graph, errors halfway through, views, `free`.
private let workload = """
    local steps = ...
    local w = torch.randn{8, 8, requires_grad = true}
    local b = torch.zeros{8, requires_grad = true}
    local x = torch.randn{16, 8}
    local handle = w:register_hook(function(g) return g * 0.5 end)
    for step = 1, steps do
      local y = (x:mm(w) + b):tanh()
      local loss = (y * y):mean()
      loss:backward{retain_graph = (step % 3 == 0)}
      if step % 3 == 0 then pcall(function() loss:backward() end) end
      torch.no_grad(function()
        w:sub_(w.grad * 0.1)
        b:sub_(b.grad * 0.1)
      end)
      w.grad = nil
      b.grad = nil
      -- an error in the middle of building a graph
      pcall(function() return (w * torch.ones(3)):sum() end)
      -- views and in-place writes
      local v = y[1]
      v:mul_(2)
      -- torch.autograd.grad with create_graph
      local z = torch.randn{4, requires_grad = true}
      local gz = torch.autograd.grad((z * z * z):sum(), {z}, {create_graph = true})
      local ggz = torch.autograd.grad(gz:sum(), {z})
      local big = torch.zeros(1000)
      big:free()
      -- create_graph into a leaf's .grad: x -> x.grad -> its graph -> x, a cycle ARC must not keep
      local leaf = torch.ones(3, {requires_grad = true})
      ;(leaf * leaf):sum():backward{create_graph = true}
    end
    handle.remove()
    return w:sum():item()
    """

@Suite(.serialized) struct Resources {
    @Test func closedHostsLeaveNothingBehind() throws {
        // Warm up the process (lazy statics, generators) before taking the baseline.
        do {
            let warm = try ScriptHost(options: .init(memoryLimit: 64 << 20))
            try warm.run(string: workload, arguments: [2])
            warm.close()
        }
        let before = LiveCounts.settled()
        for round in 0..<20 {
            let host = try ScriptHost(options: .init(memoryLimit: 64 << 20, timeout: .seconds(30)))
            try host.run(string: workload, arguments: [20])
            // Some rounds end in a limit stop or an error instead.
            if round % 4 == 1 {
                _ = try? host.run(string: "local l = {} while true do l[#l + 1] = torch.ones(10000) end")
            }
            if round % 4 == 2 {
                _ = try? host.run(string: "local x = torch.ones(3, {requires_grad = true}) error((x * 2):sum())")
            }
            host.close()
            // The host's own account is exact: every tensor it charged was freed.
            #expect(host.memoryUsage.tensorBytes <= wrappedNumberCache, "round \(round): \(host.memoryUsage)")
            #expect(host.memoryUsage.luaBytes == 0)
        }
        // 20 rounds created tens of thousands of objects; a leak of even one per step shows.
        let (returned, after) = LiveCounts.comeBack(to: before, slack: 200)
        #expect(returned, "before: \(before), after: \(after)")
    }

    @Test func tensorsKeptBySwiftOutliveTheirHost() throws {
        let host = try ScriptHost(options: .init(memoryLimit: 64 << 20))
        let results = try host.run(string: """
            local x = torch.arange(4.0, {requires_grad = true})
            local y = x * 3
            return y, x
            """)
        host.close()
        let y = try #require(results[0].tensorValue)
        // The graph is Swift's now: backward through it still works with the host gone.
        try y.sum().backward()
        let x = try #require(results[1].tensorValue)
        #expect(try x.grad?.sum().item() == .double(12))
        #expect(host.memoryUsage.tensorBytes > 0)
    }

    @Test func aMillionOpDeepGraph() throws {
        let host = try ScriptHost()
        let results = try host.run(string: """
            local x = torch.ones(1, {requires_grad = true})
            local y = x
            for i = 1, 1000000 do y = y * 1.0000001 end
            y:sum():backward()
            -- forward and backward multiply by the same float32 numbers in the same order
            local same = x.grad:item() == y:item()
            y = nil
            collectgarbage()
            return same, x.grad:item() > 1.05, x.grad:item() < 1.2
            """)
        #expect(results == [true, true, true])
    }
}
