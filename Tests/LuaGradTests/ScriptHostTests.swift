import Testing

@testable import LuaGrad

/// `Tests/lua/<name>`, located from this file (tests never depend on the working directory).
func luaFixture(_ name: String) -> String {
    let testsDirectory = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(2)
        .joined(separator: "/"))
    return testsDirectory + "/lua/" + name
}

/// Collects what a host prints. A class so the capturing closure can append to it.
final class OutputLog {
    var text = ""
    var options: ScriptHost.Options { ScriptHost.Options(output: { [unowned self] in self.text += $0 }) }
}

struct MessageError: Error, CustomStringConvertible {
    var description: String
}

// MARK: - Running chunks

@Suite struct RunningChunks {
    @Test func stringsReturnTheirResults() throws {
        let host = try ScriptHost()
        let results = try host.run(string: "return 1, 2.5, 'x', true, nil, ...", arguments: [7])
        #expect(results == [.integer(1), .number(2.5), .string("x"), .boolean(true), .nil, .integer(7)])
        #expect(host.stackDepth == 0)
    }

    @Test func filesGetTheirArguments() throws {
        let host = try ScriptHost()
        let results = try host.run(file: luaFixture("host-fixtures/sum_arguments.lua"), arguments: [1, 2, 3.5])
        #expect(results == [.number(6.5), .integer(3)])
    }

    @Test func runtimeErrorsCarryChunkNameLineAndTraceback() throws {
        let host = try ScriptHost()
        let error = try #require(throws: ScriptError.self) {
            try host.run(string: "local x = 1\nerror('boom')", name: "snippet")
        }
        #expect(error.kind == .runtime)
        #expect(error.message == "snippet:2: boom")
        #expect(error.traceback.hasPrefix("stack traceback:\n"))
        #expect(error.traceback.contains("[C]: in function 'error'"))
        #expect(error.traceback.contains("snippet:2: in main chunk"))
        #expect(host.stackDepth == 0)
    }

    @Test func fileErrorsReadPathColonLine() throws {
        let host = try ScriptHost()
        let path = luaFixture("host-fixtures/raises_on_line_4.lua")
        let error = try #require(throws: ScriptError.self) { try host.run(file: path) }
        // Lua shortens long chunk names from the front ("...tail"), so compare the tail.
        #expect(error.message.hasSuffix("host-fixtures/raises_on_line_4.lua:4: failed: on purpose"))
        #expect(error.traceback.contains("raises_on_line_4.lua:4: in"))
        #expect(error.traceback.contains("raises_on_line_4.lua:5: in main chunk"))
    }

    @Test func syntaxErrorsAndMissingFiles() throws {
        let host = try ScriptHost()
        let syntax = try #require(throws: ScriptError.self) { try host.run(string: "x = = 1", name: "bad") }
        #expect(syntax.kind == .syntax)
        #expect(syntax.message == "bad:1: unexpected symbol near '='")
        #expect(syntax.traceback.isEmpty)
        let missing = try #require(throws: ScriptError.self) { try host.run(file: "/no/such/file.lua") }
        #expect(missing.kind == .file)
        #expect(missing.message.hasPrefix("cannot open /no/such/file.lua"))
        #expect(host.stackDepth == 0)
    }

    @Test func nonStringErrorObjectsAreDescribed() throws {
        let host = try ScriptHost()
        let error = try #require(throws: ScriptError.self) { try host.run(string: "error({})") }
        #expect(error.message == "(error object is a table value)")
        let withToString = try #require(throws: ScriptError.self) {
            try host.run(string: "error(setmetatable({}, {__tostring = function() return 'custom' end}))")
        }
        #expect(withToString.message == "custom")
    }

    @Test func torchIsPredefinedAndRequirable() throws {
        let host = try ScriptHost()
        let results = try host.run(
            string: "return type(torch), rawequal(torch, require 'torch'), rawequal(torch, require 'luagrad')")
        #expect(results == [.string("table"), .boolean(true), .boolean(true)])

        let bare = try ScriptHost(options: ScriptHost.Options(predefineTorch: false))
        let bareResults = try bare.run(string: "return torch, type(require 'torch'), rawequal(require 'torch', require 'luagrad')")
        #expect(bareResults == [.nil, .string("table"), .boolean(true)])
    }

    @Test func closedHostsRefuseWork() throws {
        let host = try ScriptHost()
        host.close()
        host.close()
        #expect(host.isClosed)
        let error = try #require(throws: ScriptError.self) { try host.run(string: "return 1") }
        #expect(error.kind == .host)
    }
}

// MARK: - Globals and calls

@Suite struct GlobalsAndCalls {
    @Test func globalsRoundTrip() throws {
        let host = try ScriptHost()
        let values: [String: LuaValue] = [
            "i": .integer(-42), "x": .number(0.25), "s": .string("héllo\n"), "t": .boolean(true),
            "f": .boolean(false), "n": .nil,
            "list": [1, 2.5, "three", [4, 5]],
            "record": ["name": "x", "size": 3, "nested": ["deep": [true]], 10: "ten"],
        ]
        for (name, value) in values { try host.setGlobal(name, value) }
        for (name, value) in values { #expect(try host.getGlobal(name) == value, "\(name)") }
        #expect(try host.run(string: "return #list, list[4][2], record.nested.deep[1], record[10]")
            == [.integer(4), .integer(5), .boolean(true), .string("ten")])
        #expect(host.stackDepth == 0)
    }

    @Test func tablesThatCannotBeCopiedArriveAsReferences() throws {
        let host = try ScriptHost()
        try host.run(
            string: """
                cyclic = {1}; cyclic.self = cyclic
                object = setmetatable({}, {})
                keyed = {[{}] = 1}
                """)
        guard case .table(let cyclic) = try host.getGlobal("cyclic") else {
            Issue.record("a cyclic table is still copied at the top")
            return
        }
        #expect(cyclic.array == [1])
        guard case .reference(let inner) = cyclic["self"] else {
            Issue.record("the cycle should be a reference")
            return
        }
        #expect(inner.typeName == "table")
        // A reference goes back to Lua as the same object.
        #expect(try host.call("rawequal", [.reference(inner), try host.getGlobal("cyclic")]) == [false])
        try host.setGlobal("back", .reference(inner))
        #expect(try host.run(string: "return rawequal(back, cyclic)") == [true])
        if case .reference = try host.getGlobal("object") {} else { Issue.record("objects keep their identity") }
        if case .reference = try host.getGlobal("keyed") {} else { Issue.record("table keys need a reference") }
    }

    @Test func callByNameDottedNameAndValue() throws {
        let host = try ScriptHost()
        #expect(try host.call("math.max", [3, 7, 5]) == [.integer(7)])
        try host.run(string: "function pair(a, b) return b, a end")
        #expect(try host.call("pair", ["a", 1]) == [.integer(1), .string("a")])
        let function = try host.run(string: "return function(x) return x * 2 end")[0]
        #expect(try host.call(function, [21]) == [.integer(42)])
        let error = try #require(throws: ScriptError.self) { try host.call("nosuch", []) }
        #expect(error.message == "attempt to call a nil value")
        #expect(host.stackDepth == 0)
    }

    @Test func referencesStayWithTheirHost() throws {
        let first = try ScriptHost()
        let second = try ScriptHost()
        let function = try first.run(string: "return print")[0]
        let error = try #require(throws: ScriptError.self) { try second.call(function, []) }
        #expect(error.kind == .host)
        #expect(error.message.contains("another ScriptHost"))
    }

    @Test func globalsHonourMetamethods() throws {
        let host = try ScriptHost()
        try host.run(string: "setmetatable(_G, {__newindex = function(_, k) error('no global ' .. k, 2) end})")
        let error = try #require(throws: ScriptError.self) { try host.setGlobal("x", 1) }
        #expect(error.message == "no global x")
        #expect(host.stackDepth == 0)
    }
}

// MARK: - Swift functions

@Suite struct SwiftFunctions {
    @Test func registeredFunctionsAreCalledFromLua() throws {
        let host = try ScriptHost()
        try host.register(name: "add") { arguments in
            [.number(arguments.compactMap(\.numberValue).reduce(0, +)), .integer(Int64(arguments.count))]
        }
        #expect(try host.run(string: "return add(1, 2, 3.5)") == [.number(6.5), .integer(3)])
    }

    @Test func thrownErrorsBecomeLuaErrorsAtTheCallersLine() throws {
        let host = try ScriptHost()
        try host.register(name: "fail") { _ in throw MessageError(description: "nope") }
        let results = try host.run(
            string: """
                local ok, message = pcall(function()
                  return fail('x')
                end)
                return ok, message
                """, name: "caller")
        #expect(results == [false, "caller:2: nope"])

        let uncaught = try #require(throws: ScriptError.self) { try host.run(string: "\nfail()", name: "top") }
        #expect(uncaught.message == "top:2: nope")
        #expect(uncaught.traceback.contains("in function 'fail'"))
    }

    @Test func luaErrorsCrossSwiftKeepingTheirPosition() throws {
        let host = try ScriptHost()
        try host.run(string: "function inner()\n  error('deep')\nend", name: "inner")
        try host.register(name: "outer") { [unowned host] _ in try host.call("inner") }
        let results = try host.run(string: "return pcall(outer)")
        #expect(results == [false, "inner:2: deep"])
    }

    @Test func swiftFunctionsCanCallBackFromCoroutines() throws {
        let host = try ScriptHost()
        try host.run(string: "function twice(x) return 2 * x end")
        try host.register(name: "viaSwift") { [unowned host] arguments in
            try host.call("twice", arguments)
        }
        let results = try host.run(
            string: """
                local co = coroutine.wrap(function(x)
                  local y = viaSwift(x)
                  coroutine.yield(y)
                  return viaSwift(y)
                end)
                return co(5), co()
                """)
        #expect(results == [.integer(10), .integer(20)])
        #expect(host.stackDepth == 0)
    }

    @Test func tenThousandErrorsThroughSwiftNeitherLeakNorCrash() throws {
        final class Tracked {
            static func make(_ counter: Counter) -> Tracked { counter.live += 1; return Tracked(counter) }
            let counter: Counter
            private init(_ counter: Counter) { self.counter = counter }
            deinit { counter.live -= 1 }
        }
        final class Counter { var live = 0 }

        let counter = Counter()
        let host = try ScriptHost()
        try host.register(name: "fail") { arguments in
            let tracked = Tracked.make(counter)
            throw MessageError(description: "failure \(arguments.count) \(tracked.counter.live)")
        }
        let results = try host.run(
            string: """
                collectgarbage(); collectgarbage()
                local before = collectgarbage("count")
                local failures = 0
                for i = 1, 10000 do
                  local ok, message = pcall(fail, i, {i})
                  if not ok and message == "failure 2 1" then failures = failures + 1 end
                end
                collectgarbage(); collectgarbage()
                return failures, collectgarbage("count") - before
                """)
        #expect(results.first == .integer(10_000))
        let growthKB = try #require(results.last?.numberValue)
        #expect(growthKB < 64, "Lua memory grew by \(growthKB) KB")
        #expect(counter.live == 0)
        #expect(host.stackDepth == 0)
    }

    @Test func functionsCanBeStoredInTables() throws {
        let host = try ScriptHost()
        let square = try host.makeFunction { arguments in [.number((arguments.first?.numberValue ?? 0) * 2)] }
        try host.setGlobal("lib", ["double": square])
        #expect(try host.run(string: "return lib.double(4)") == [.number(8)])
    }
}

// MARK: - print capture and the REPL step

@Suite struct PrintAndREPL {
    @Test func printIsCapturedAndFormattedLikeLua() throws {
        let log = OutputLog()
        let host = try ScriptHost(options: log.options)
        try host.run(
            string: """
                print(1, 2.5, nil, true, "s", setmetatable({}, {__tostring = function() return "T!" end}))
                print()
                """)
        #expect(log.text == "1\t2.5\tnil\ttrue\ts\tT!\n\n")
    }

    @Test func aRaisingToStringInPrintIsALuaError() throws {
        let log = OutputLog()
        let host = try ScriptHost(options: log.options)
        let error = try #require(throws: ScriptError.self) {
            try host.run(string: "print(setmetatable({}, {__tostring = function() error('bad tostring') end}))", name: "p")
        }
        #expect(error.message == "p:1: bad tostring")
        let results = try host.run(string: "return pcall(print, setmetatable({}, {__tostring = function() return {} end}))")
        #expect(results == [false, "'__tostring' must return a string"])
        #expect(log.text.isEmpty)
    }

    @Test func interactiveEntriesEchoContinueAndFail() throws {
        let log = OutputLog()
        let host = try ScriptHost(options: log.options)
        guard case .completed = host.evaluateInteractive("1 + 1, 'a'") else { Issue.record("echo"); return }
        #expect(log.text == "2\ta\n")
        guard case .incomplete = host.evaluateInteractive("t = {") else { Issue.record("continuation"); return }
        guard case .completed = host.evaluateInteractive("t = {\n 1, 2}") else { Issue.record("statement"); return }
        guard case .completed = host.evaluateInteractive("=#t") else { Issue.record("= shorthand"); return }
        #expect(log.text == "2\ta\n2\n")
        guard case .failed(let error) = host.evaluateInteractive("error('oops')") else {
            Issue.record("errors fail")
            return
        }
        #expect(error.message == "stdin:1: oops")
        #expect(error.traceback.contains("stack traceback:"))
        guard case .failed(let syntax) = host.evaluateInteractive("x = = 2") else { Issue.record("syntax"); return }
        #expect(syntax.kind == .syntax)
        #expect(host.stackDepth == 0)
    }
}

// MARK: - LuaValue

@Suite struct LuaValues {
    @Test func tablesFromDictionariesAndBack() throws {
        let host = try ScriptHost()
        try host.setGlobal("config", .table(LuaTable(["rate": 0.5, "name": "sgd"])))
        let config = try #require(try host.getGlobal("config").tableValue)
        #expect(config.stringFields == ["rate": .number(0.5), "name": .string("sgd")])
        #expect(config.array.isEmpty)
    }

    @Test func accessors() {
        let value: LuaValue = [1, 2.0, "x"]
        #expect(value[1].integerValue == 1)
        #expect(value[2].integerValue == 2)
        #expect(value[3].stringValue == "x")
        #expect(value[4].isNil)
        #expect(LuaValue.number(2.5).integerValue == nil)
        #expect(LuaValue.nil.isTruthy == false)
        #expect(LuaValue.boolean(false).isTruthy == false)
        #expect(LuaValue.integer(0).isTruthy)
        #expect(LuaValue.integer(1) != LuaValue.number(1))
    }
}
