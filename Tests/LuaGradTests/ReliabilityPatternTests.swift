import Testing

@testable import LuaGrad

// The interruptible pattern functions (Sources/CLuaShim/patterns.c) against Lua's own: the
// same results and the same errors for random patterns and subjects, and a deadline or a
// cancellation that stops catastrophic backtracking inside a single call.

@Suite struct InterruptiblePatterns {
    @Test(arguments: 1...4)
    func sameResultsAsLuasOwn(seed: Int) throws {
        let host = try ScriptHost()
        try host.exposeOriginalPatternFunctions(as: "lua_string")
        let results = try host.run(string: """
            local seed = ...
            math.randomseed(seed)
            local pieces = { "a", "b", "c", ".", "%a", "%d", "%w", "%s", "%A", "[ab]", "[^a]", "[a-c]",
              "[%d]", "*", "+", "-", "?", "(", ")", "()", "^", "$", "%b()", "%f[%w]", "%f[%W]", "%1",
              "%2", "%", "[", "]", "%%", "x", " ", "1", "%.", "[]", "[^]", "%b", "%f" }
            local letters = { "a", "b", "c", "(", ")", "1", " ", "x", "%", "." }
            local function random_string(from, n)
              local t = {}
              for i = 1, math.random(0, n) do t[i] = from[math.random(#from)] end
              return table.concat(t)
            end
            local function pack(ok, ...) return { ok = ok, n = select("#", ...), ... } end
            local function same(a, b)
              if a.ok ~= b.ok or a.n ~= b.n then return false end
              for i = 1, a.n do
                if a[i] ~= b[i] then return false end
              end
              return true
            end
            local function show(r)
              local t = { tostring(r.ok) }
              for i = 1, r.n do t[#t + 1] = tostring(r[i]) end
              return table.concat(t, " | ")
            end
            local replacements = { "x", "%0", "<%1>", "%2%1", "%", "%%", "%9", 7,
              function(a, b) return a end, function() return false end, function() return {} end,
              { a = "A", b = true, x = 1 } }
            local ours, theirs = string, lua_string
            local function collect(gmatch, s, p, init)
              local out = {}
              for a, b in gmatch(s, p, init) do
                out[#out + 1] = tostring(a) .. "/" .. tostring(b)
                if #out > 50 then break end
              end
              return table.concat(out, ",")
            end
            for case = 1, 3000 do
              local s = random_string(letters, 12)
              local p = random_string(pieces, 5)
              local init = math.random(-4, 14)
              local checks = {
                { "find", function(lib) return lib.find(s, p, init) end },
                { "find plain", function(lib) return lib.find(s, p, init, true) end },
                { "match", function(lib) return lib.match(s, p, init) end },
                { "gmatch", function(lib) return collect(lib.gmatch, s, p, init) end },
                { "gsub", function(lib)
                    return lib.gsub(s, p, replacements[math.random(#replacements)], math.random(0, 3) == 0 and 2 or nil)
                  end },
              }
              for _, check in ipairs(checks) do
                local state = math.random(1, 1e9)
                math.randomseed(state)
                local a = pack(pcall(check[2], ours))
                math.randomseed(state)
                local b = pack(pcall(check[2], theirs))
                if not same(a, b) then
                  return string.format("%s(%q, %q, %d): ours %s, Lua's %s", check[1], s, p, init, show(a), show(b))
                end
              end
            end
            return "same"
            """, arguments: [.integer(Int64(seed))])
        #expect(results == ["same"])
    }

    @Test func methodsAndMetamethodsUseThemToo() throws {
        let host = try ScriptHost()
        #expect(try host.run(string: "return ('key = value'):match('(%w+)%s*=%s*(%w+)')") == ["key", "value"])
        #expect(try host.run(string: "return ('a.b.c'):gsub('%.', '/')") == ["a/b/c", 2])
    }

    @Test(arguments: [
        "string.find(('a'):rep(1e5), ('a*'):rep(20) .. 'b')",
        "string.match(('a'):rep(1e5), ('.-'):rep(10) .. 'x')",
        "string.gsub(('a'):rep(1e5), ('a?'):rep(30) .. 'b', '')",
        "for x in string.gmatch(('a'):rep(1e5), ('a*'):rep(15) .. 'b') do end",
        "pcall(string.find, ('a'):rep(1e5), ('a*'):rep(20) .. 'b') while true do end",
    ])
    func catastrophicBacktrackingStopsAtTheDeadline(script: String) throws {
        let host = try ScriptHost(options: .init(timeout: .milliseconds(300)))
        let start = ContinuousClock.now
        let error = try #require(throws: ScriptError.self) { try host.run(string: script) }
        #expect(error.kind == .timeout)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
