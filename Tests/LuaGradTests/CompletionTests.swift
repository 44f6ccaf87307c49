import Testing

@testable import LuaGrad

/// `ScriptHost.completions(for:cursor:)`: the engine behind the REPL's Tab (and a notebook's
/// `complete`).
@Suite struct CompletionTests {
    private func complete(_ host: ScriptHost, _ line: String) -> Completions {
        host.completions(for: line, cursor: line.utf8.count)
    }

    @Test func torchFunctions() throws {
        let host = try ScriptHost()
        let found = complete(host, "torch.zer")
        #expect(found.start == 0)
        #expect(found.matches == ["torch.zeros", "torch.zeros_like"])
    }

    /// torch.nn, torch.autograd and the other tables of the deferred Lua extensions (`LuaLibrary`) are
    /// offered before any script has read them.
    @Test func deferredTorchFields() throws {
        let host = try ScriptHost()
        #expect(complete(host, "torch.n").matches.contains("torch.nn"))
        #expect(complete(host, "torch.opt").matches == ["torch.optim"])
        #expect(complete(host, "torch.nn.Line").matches == ["torch.nn.Linear"])
        #expect(complete(host, "torch.utils.data.DataL").matches == ["torch.utils.data.DataLoader"])
        #expect(complete(host, "torch.autograd.Func").matches == ["torch.autograd.Function"])
        #expect(complete(host, "torch.func.jac").matches == ["torch.func.jacfwd", "torch.func.jacrev"])
    }

    @Test func globalsAndKeywords() throws {
        let host = try ScriptHost()
        try host.run(string: "printable = 1")
        #expect(complete(host, "prin").matches == ["print", "printable"])
        #expect(complete(host, "whi").matches == ["while"])
    }

    @Test func nestedTablesAndOffsetsAfterOtherText() throws {
        let host = try ScriptHost()
        try host.run(string: "config = {optim = {lr = 0.1, lr_decay = 0.9, momentum = 0}}")
        let line = "x = 1 + config.optim.lr"
        let found = complete(host, line)
        #expect(found.start == 8)
        #expect(found.matches == ["config.optim.lr", "config.optim.lr_decay"])
        #expect(complete(host, "torch.autograd.forward_ad.dual_le").matches.allSatisfy { $0.hasPrefix("torch.autograd.forward_ad.dual_le") })
    }

    @Test func tensorMethodsAfterColon() throws {
        let host = try ScriptHost()
        try host.run(string: "t = torch.ones(2)")
        let found = complete(host, "t:add_")
        #expect(found.matches.contains("t:add_"))
        #expect(found.matches.allSatisfy { $0.hasPrefix("t:add_") })
        // Fields that are not functions are no methods.
        try host.run(string: "obj = {count = 1, step = function() end}")
        #expect(complete(host, "obj:").matches == ["obj:step"])
    }

    @Test func cursorInTheMiddleOfTheLine() throws {
        let host = try ScriptHost()
        let line = "torch.on(2)"
        #expect(host.completions(for: line, cursor: 8).matches == ["torch.ones", "torch.ones_like"])
    }

    @Test func nothingToComplete() throws {
        let host = try ScriptHost()
        #expect(complete(host, "print('torch.ze").matches.isEmpty)
        #expect(complete(host, "nosuchtable.x").matches.isEmpty)
        #expect(complete(host, "1.5").matches.isEmpty)
        #expect(complete(host, "torch..ze").matches.isEmpty)
        #expect(host.stackDepth == 0)
    }

    @Test func aFailingLookupIsNoCompletion() throws {
        let host = try ScriptHost()
        try host.run(string: "trap = setmetatable({}, {__index = function() error('boom') end})")
        #expect(complete(host, "trap.x.y").matches.isEmpty)
        #expect(complete(host, "pri").matches == ["print"])
    }
}
