import Foundation
import Testing

@testable import LuaGrad

// The sandbox: exactly the allow-list of docs/security.md, text chunks only, protected
// metatables, and no way back to what was removed.

private func sandboxed(_ output: OutputLog? = nil) throws -> ScriptHost {
    var options = output?.options ?? ScriptHost.Options()
    options.sandbox = true
    return try ScriptHost(options: options)
}

/// The sorted keys of the table the expression evaluates to.
private func keys(_ host: ScriptHost, _ expression: String) throws -> [String] {
    let result = try host.run(string: """
        local keys = {}
        for k in pairs(\(expression)) do keys[#keys + 1] = tostring(k) end
        table.sort(keys)
        return table.concat(keys, " ")
        """)
    return (result.first?.stringValue ?? "").split(separator: " ").map(String.init)
}

@Suite struct SandboxAllowList {
    @Test func globalsAreExactlyTheAllowList() throws {
        let host = try sandboxed()
        #expect(try keys(host, "_G") == [
            "_G", "_VERSION", "assert", "collectgarbage", "coroutine", "error", "getmetatable", "ipairs",
            "load", "math", "next", "os", "package", "pairs", "pcall", "print", "rawequal", "rawget",
            "rawlen", "rawset", "require", "select", "setmetatable", "string", "table", "tonumber",
            "torch", "tostring", "type", "utf8", "xpcall",
        ])
        #expect(try keys(host, "os") == ["clock", "date", "time"])
        #expect(try keys(host, "package") == ["config", "cpath", "loaded", "path", "preload", "searchers"])
        #expect(try keys(host, "package.loaded") == [
            "_G", "coroutine", "luagrad", "math", "os", "package", "string", "table", "torch", "utf8",
        ])
        #expect(try host.run(string: "return #package.searchers, package.path, package.cpath") == [1, "", ""])
        #expect(try host.run(string: "return string.dump, getmetatable('').__index.dump") == [nil, nil])
    }

    @Test func whatIsLeftStillWorks() throws {
        let log = OutputLog()
        let host = try sandboxed(log)
        let results = try host.run(string: """
            print(torch.arange(3.0))
            local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
            local clock, now = os.clock(), os.time()
            return co(1), co(5), type(clock), os.date("!%Y", 0), select(2, pcall(error, "x", 0)),
                   require("torch") == torch, math.floor(2.5), utf8.char(72), ("%d"):format(3),
                   load("return 1 + 1")(), collectgarbage("count") > 0
            """)
        #expect(results == [2, 10, "number", "1970", "x", true, 2, "H", "3", 2, true])
        #expect(log.text == "tensor([0., 1., 2.])\n")
    }

    @Test(arguments: [
        ("io", "return io"), ("debug", "return debug"), ("dofile", "return dofile"),
        ("loadfile", "return loadfile"), ("os.exit", "return os.exit"), ("os.execute", "return os.execute"),
        ("os.getenv", "return os.getenv"), ("os.remove", "return os.remove"), ("loadlib", "return package.loadlib"),
        ("searchpath", "return package.searchpath"), ("warn", "return warn"), ("torch.io", "return torch.io"),
        ("torch.viz.svg", "return torch.viz.svg"),
        ("_ENV.io", "return _ENV.io"), ("load with _G", "return load('return io or debug', 'x', 't', _G)()"),
        ("string metatable", "return getmetatable('').__index.dump"),
        ("loaded io", "return package.loaded.io or package.loaded.debug"),
    ])
    func removedThingsAreGone(name: String, probe: String) throws {
        let host = try sandboxed()
        #expect(try host.run(string: probe) == [nil], "\(name)")
    }

    @Test func requireFindsNoFilesAndNoCModules() throws {
        let host = try sandboxed()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luagrad-sandbox-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "return 42".write(to: directory.appendingPathComponent("mod.lua"), atomically: true, encoding: .utf8)
        for module in ["io", "debug", "mod", "lpeg", "socket"] {
            let error = try #require(throws: ScriptError.self) {
                try host.run(string: """
                    package.path = '\(directory.path)/?.lua'
                    package.cpath = '\(directory.path)/?.so'
                    return require('\(module)')
                    """)
            }
            #expect(error.message.contains("module '\(module)' not found"))
        }
        // Modules the host provides through package.preload are fine.
        try host.run(string: "package.preload.answer = function() return 42 end")
        #expect(try host.run(string: "return require 'answer'") == [42, ":preload:"])
    }

    @Test func onlyTextChunksLoad() throws {
        let plain = try ScriptHost()
        let dumped = try plain.run(string: "return string.dump(function() return 1 end)")[0]
        let host = try sandboxed()
        let binary = try #require(throws: ScriptError.self) { try host.run(string: "\u{1B}Lua\u{54}\u{00}") }
        #expect(binary.kind == .syntax)
        #expect(binary.message.contains("attempt to load a binary chunk (mode is 't')"))
        try host.setGlobal("dumped", dumped)
        let results = try host.run(string: """
            local a, am = load(dumped)
            local b, bm = load(dumped, 'x', 'b')
            local c, cm = load('\\27Lua', 'y', 'bt')
            return a, am, b, bm, c, cm
            """)
        #expect(results.count == 6)
        #expect(results[0] == nil && results[2] == nil && results[4] == nil)
        #expect(results[1].stringValue?.contains("attempt to load a binary chunk") == true)
    }

    @Test func theCollectorKeepsRunning() throws {
        let host = try sandboxed()
        for option in ["stop", "restart", "incremental", "generational", "setpause"] {
            let error = try #require(throws: ScriptError.self) { try host.run(string: "collectgarbage('\(option)')") }
            #expect(error.message.contains("is not allowed in the sandbox"))
        }
        #expect(try host.run(string: "return collectgarbage(), type(collectgarbage('step')), collectgarbage('isrunning')")
            == [0, "boolean", .boolean(true)])
    }

    @Test func finalizersAreRefused() throws {
        let host = try sandboxed()
        let error = try #require(throws: ScriptError.self) {
            try host.run(string: "setmetatable({}, {__gc = function() end})")
        }
        #expect(error.message.contains("__gc metamethods are not allowed"))
    }

    @Test func aPlainHostKeepsTheWholeLibrary() throws {
        let host = try ScriptHost()
        #expect(try host.run(string: "return type(io), type(debug), type(os.getenv), type(string.dump)")
            == ["table", "table", "function", "function"])
    }
}

@Suite struct ProtectedMetatables {
    @Test func bridgedMetatablesCannotBeReadOrReplaced() throws {
        for sandbox in [true, false] {
            let host = try ScriptHost(options: .init(sandbox: sandbox))
            let results = try host.run(string: """
                local x = torch.ones(2, {requires_grad = true})
                local y = x * 2
                local guard = torch.no_grad()
                torch.set_grad_enabled(true)
                return getmetatable(x), getmetatable(x.shape), getmetatable(torch.float32),
                       getmetatable(y.grad_fn), getmetatable(guard)
                """)
            #expect(results == ["Tensor", "torch.Size", "torch.dtype", false, "torch.grad_mode"])
            for attempt in [
                "setmetatable(torch.ones(1), {})",
                "setmetatable(torch.ones(1).shape, nil)",
                "setmetatable(torch.float32, {})",
                "rawset(torch.ones(1), 'x', 1)",
                "rawget(torch.ones(1), 'add')",
                "getmetatable(torch.ones(1)).__index = nil",
                "getmetatable(torch.ones(1).shape).__tostring = nil",
            ] {
                #expect(throws: ScriptError.self, "\(attempt)") { try host.run(string: attempt) }
            }
            // Methods still work after all that.
            #expect(try host.run(string: "return (torch.ones(2) + 1):sum():item(), tostring(torch.ones(2).shape)")
                == [.number(4), "torch.Size([2])"])
        }
    }
}
