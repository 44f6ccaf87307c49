-- The limits and the sandbox on the command line (DESIGN.md §5, docs/security.md): a script
-- stopped by a limit exits with status 1 and says which limit and where; bad values are
-- usage errors (status 2).
local program = require "luagrad_program"

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs `luagrad ARGS...` and returns stdout, stderr and the exit status.
local function luagrad(...)
  local path = assert(program.path(), "cannot find the luagrad program")
  local dir = os.tmpname()
  local parts = { quote(path) }
  for i = 1, select("#", ...) do parts[#parts + 1] = quote((select(i, ...))) end
  local cmd = table.concat(parts, " ") .. " >" .. dir .. ".out 2>" .. dir .. ".err </dev/null; echo $?"
  local runner = assert(io.popen(cmd))
  local status = tonumber(runner:read("l"))
  runner:close()
  local function slurp(name)
    local f = assert(io.open(name))
    local text = f:read("a")
    f:close()
    os.remove(name)
    return text
  end
  os.remove(dir)
  return slurp(dir .. ".out"), slurp(dir .. ".err"), status
end

describe("luagrad limits", function()
  it("stops an endless loop at the timeout, pcall or not", function()
    local _, err, status = luagrad("--timeout", "0.5", "-e", "while true do pcall(function() while true do end end) end")
    assert.are.equal(1, status)
    assert.is_true(err:find("(command line):1: the script exceeded its time limit of 0.5 s", 1, true) ~= nil, err)
  end)

  it("stops an endless loop at the instruction limit", function()
    local _, err, status = luagrad("--max-instructions", "1e6", "-e", "local n = 0 while true do n = n + 1 end")
    assert.are.equal(1, status)
    assert.is_true(err:find("the script exceeded its instruction limit of 1000000 instructions", 1, true) ~= nil, err)
  end)

  it("stops Lua and tensor allocation bombs at the memory limit", function()
    for _, bomb in ipairs {
      "local t = {} while true do t[#t + 1] = string.rep('x', 1e5) .. #t end",
      "while true do pcall(string.rep, 'x', 1e9) end",
      "local l = {} while true do l[#l + 1] = torch.ones(1e5) end",
      "local x = torch.zeros(1e9)",
    } do
      local _, err, status = luagrad("--max-memory", "16MB", "-e", bomb)
      assert.are.equal(1, status, bomb)
      assert.is_true(err:find("not enough memory: the script exceeded its memory limit of 16 MB", 1, true) ~= nil, err)
    end
  end)

  it("applies to run and test too", function()
    local file = os.tmpname() .. ".lua"
    local f = assert(io.open(file, "w"))
    f:write("while true do end\n")
    f:close()
    local _, err, status = luagrad("run", "--max-instructions", "100000", file)
    assert.are.equal(1, status)
    assert.is_true(err:find("instruction limit", 1, true) ~= nil, err)
    os.remove(file)

    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. quote(dir))
    f = assert(io.open(dir .. "/test_spin.lua", "w"))
    f:write("describe('spin', function() it('never ends', function() while true do end end) end)\n")
    f:close()
    local out, _, test_status = luagrad("test", "--timeout", "0.5", dir)
    os.execute("rm -rf " .. quote(dir))
    assert.are.equal(1, test_status)
    assert.is_true(out:find("time limit", 1, true) ~= nil, out)
    assert.is_true(out:find("0 passed, 1 failed", 1, true) ~= nil, out)
  end)

  it("runs the sandbox", function()
    local out, err, status = luagrad("--sandbox", "-e",
      "print(io, debug, dofile, os.execute, type(require), torch.ones(1):item())")
    assert.are.equal(0, status, err)
    assert.are.equal("nil\tnil\tnil\tnil\tfunction\t1.0\n", out)
  end)

  it("rejects bad values as usage errors", function()
    for _, args in ipairs {
      { "--max-memory", "lots" }, { "--max-memory", "-5MB" }, { "--max-memory" },
      { "--timeout", "0" }, { "--timeout", "forever" }, { "--max-instructions", "0" },
      { "--max-instructions", "1.5" }, { "--sandbox=yes" },
    } do
      args[#args + 1] = "-e"
      args[#args + 1] = "print(1)"
      local _, err, status = luagrad(table.unpack(args))
      assert.are.equal(2, status, table.concat(args, " "))
      assert.is_true(err:find("usage:", 1, true) ~= nil, err)
    end
  end)

  it("accepts sizes as people write them", function()
    for _, size in ipairs { "512MB", "1GB", "900KB", "64M", "2g", "1.5GB", "1048576", "--max-memory=256MB" } do
      local args = size:sub(1, 2) == "--" and { size } or { "--max-memory", size }
      args[#args + 1] = "-e"
      args[#args + 1] = "print(1)"
      local out, err, status = luagrad(table.unpack(args))
      assert.are.equal(0, status, size .. ": " .. err)
      assert.are.equal("1\n", out)
    end
  end)
end)
