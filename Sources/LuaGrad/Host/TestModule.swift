import CLua
import CLuaShim

// MARK: - `require "luagrad.test"`: the test runner for Lua states of one's own

/// `luagrad test` for a Lua program that loaded the Lua module (`luagrad.so` in plain
/// `lua5.4`): the same busted-dialect framework (`TestFramework`), the same report.
///
/// ```sh
/// lua5.4 -e 'os.exit(require("luagrad.test").main{"Tests/lua/test_ops.lua"})'
/// ```
///
/// `main(paths)` runs the test files it is given (files, not folders) one after the other in
/// the calling state, prints one `FAIL ...` line per failure, a `path: N passed, N failed` line
/// per file and the closing `N passed, N failed`, and returns the exit status (1 when a test
/// failed or no file was given). `run_file(path)` runs one file and returns the framework's
/// report table. Unlike `luagrad test`, the files share one state (run one process per file to
/// keep them apart) and no limits apply.
enum TestModule {
    /// The module name scripts `require`.
    static let name = "luagrad.test"

    /// The module, in Lua. Receives the framework's three chunks (compiled, not yet run: each
    /// test file runs them afresh, as `luagrad test` loads them into a fresh host) and their
    /// file names.
    private static let runner = #"""
local values_chunk, assertions_chunk, runner_chunk, values_file, assertions_file, runner_file = ...
local M = {}

-- The directory part of `path` ("." when there is none), as `luagrad test` computes it.
local function directory(path)
  local dir = path:match("^(.*)/[^/]*$")
  if dir == nil then return "." end
  if dir == "" then return "/" end
  return dir
end

--- Runs one test file with a fresh copy of the framework and returns its report:
--- {passed=, skipped=, failures={{name=, location=, message=}, ...}}.
function M.run_file(path)
  local helpers = values_chunk(values_file, assertions_file, runner_file)
  assertions_chunk(helpers)
  local run = runner_chunk(helpers)
  local dir = directory(path)
  local saved = package.path
  package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua;" .. package.path
  local chunk, load_error = loadfile(path)
  local ok, report = pcall(run, chunk, path, load_error)
  package.path = saved
  if not ok then error(report, 0) end
  return report
end

local function report_failure(failure)
  local message = tostring(failure.message)
  local first, rest = message:match("^([^\n]*)\n?(.*)$")
  io.write("FAIL ", failure.location, ": ", failure.name, ": ", first, "\n")
  if rest ~= "" or message:find("\n$") then
    for line in (rest .. "\n"):gmatch("([^\n]*)\n") do io.write("    ", line, "\n") end
  end
end

--- Runs the test files `paths` and prints the report; returns the exit status.
function M.main(paths)
  assert(type(paths) == "table", "luagrad.test.main expects a list of test files")
  local passed, failed, skipped = 0, 0, 0
  for _, path in ipairs(paths) do
    local ok, report = pcall(M.run_file, path)
    if not ok then
      report = { passed = 0, skipped = 0, failures = { { location = path, name = "(running the file)", message = report } } }
    end
    for _, failure in ipairs(report.failures) do report_failure(failure) end
    local line = string.format("%s: %d passed, %d failed", path, report.passed, #report.failures)
    if report.skipped > 0 then line = line .. string.format(", %d skipped", report.skipped) end
    io.write(line, "\n")
    passed, failed, skipped = passed + report.passed, failed + #report.failures, skipped + report.skipped
  end
  local closing = string.format("%d passed, %d failed", passed, failed)
  if skipped > 0 then closing = closing .. string.format(", %d skipped", skipped) end
  io.write(closing, "\n")
  return (failed > 0 or #paths == 0) and 1 or 0
end

return M
"""#

    /// Sets `package.preload["luagrad.test"]` to `load` (nothing in a state without the
    /// `package` library).
    static func installPreload(_ s: LuaStack) {
        let L = s.L
        let top = s.top
        defer { lua_settop(L, top) }
        lua_getfield_raw(L, lg_registryindex(), LUA_LOADED_TABLE)
        lua_getfield_raw(L, -1, "package")
        guard s.type(-1) == LUA_TTABLE else { return }
        lua_getfield_raw(L, -1, "preload")
        guard s.type(-1) == LUA_TTABLE else { return }
        s.push(function: load)
        s.setField(-2, name)
    }

    /// The preload loader (an `lg_SwiftFunction`): compiles the module and the framework's
    /// chunks, runs the module (protected) and returns its table.
    private static let load: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let L = s.L
            guard lua_checkstack(L, 8) != 0 else { throw LuaError("stack overflow while loading luagrad.test") }
            var text = runner
            let status = text.withUTF8 { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    luaL_loadbufferx(L, $0.baseAddress, $0.count, "=" + name, "t")
                }
            }
            guard status == LUA_OK else { throw RaisedLuaValue() }
            let chunks = [TestFramework.values, TestFramework.assertions, TestFramework.runner]
            for chunk in chunks { try LuaLibrary.load(chunk, on: L) }
            for chunk in chunks { s.push(chunk.file) }
            guard lg_pcall(L, Int32(2 * chunks.count), 1, 0) == LUA_OK else { throw RaisedLuaValue() }
            return 1
        }
    }
}
