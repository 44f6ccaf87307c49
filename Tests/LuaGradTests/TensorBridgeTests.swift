import Autograd
import Testing
@testable import LuaGrad

/// Tensors crossing between Swift and Lua, and the chapter run through a host.
@Suite struct TensorBridgeTests {
    @Test func tensorsCrossWithoutCopying() throws {
        let host = try ScriptHost()
        let w = try Tensor([Float(1), 2, 3])
        try host.setGlobal("w", .tensor(w))
        _ = try host.run(string: "w:mul_(2); result = w:sum()")
        guard case .tensor(let sum) = try host.getGlobal("result") else {
            Issue.record("result is not a tensor")
            return
        }
        #expect(w.description == "tensor([2., 4., 6.])")
        #expect(sum.description == "tensor(12.)")
    }

    @Test func chapterPrintsWhatPyTorchPrints() throws {
        var lines = ""
        let host = try ScriptHost(options: .init(output: { lines += $0 }))
        _ = try host.run(string: """
            local x = torch.arange(4.0)
            x:requires_grad_(true)
            local y = 2 * torch.dot(x, x)
            print(y)
            y:backward()
            print(x.grad)
            print(x.grad == 4 * x)
            """)
        #expect(lines == "tensor(28., grad_fn=<MulBackward0>)\ntensor([ 0.,  4.,  8., 12.])\ntrue\n")
    }

    @Test func engineErrorsBecomeScriptErrorsWithTheScriptLine() throws {
        let host = try ScriptHost()
        #expect {
            try host.run(string: "local a = torch.ones(3)\nreturn a + torch.ones(4)", name: "shapes")
        } throws: { error in
            "\(error)".contains("shapes:2: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1")
        }
    }

    @Test func hostsOnSeveralThreadsRunIndependently() async throws {
        try await withThrowingTaskGroup(of: String.self) { group in
            for seed in 0..<4 {
                group.addTask {
                    let host = try ScriptHost()
                    let results = try host.run(string: """
                        torch.manual_seed(\(seed))
                        local x = torch.randn{3, requires_grad=true}
                        local loss = (x * x):sum()
                        for i = 1, 200 do loss = loss + (x * 0.5):sum() end
                        loss:backward()
                        return tostring(torch.allclose(x.grad, 2 * x + 100))
                        """)
                    guard case .string(let text) = results.first else { return "" }
                    return text
                }
            }
            for try await text in group {
                #expect(text == "true")
            }
        }
    }
}
