-- The Lua extensions behind torch.nn, torch.optim, torch.utils, torch.distributed and
-- torch.datasets compile on a script's first use (LuaLibrary.deferredExtensions): scripts
-- must see the same torch as when they ran at start-up.
local program = require "luagrad_program"

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs `luagrad ARGS...` and returns what it printed (stdout and stderr).
local function luagrad(...)
  local parts = { quote(assert(program.path(), "cannot find the luagrad program")) }
  for i = 1, select("#", ...) do parts[#parts + 1] = quote((select(i, ...))) end
  local pipe = assert(io.popen(table.concat(parts, " ") .. " 2>&1 </dev/null"))
  local out = pipe:read("a")
  pipe:close()
  return out
end

describe("deferred torch extensions", function()
  it("are complete in this script", function()
    assert.are.equal("table", type(torch.nn.Module))
    assert.are.equal("table", type(torch.optim.lr_scheduler))
    assert.are.equal("function", type(torch.utils._isatty))
    assert.are.equal("table", type(torch.utils.data.DistributedSampler))
    assert.are.equal("table", type(torch.nn.parallel))
    assert.are.equal("table", type(torch.distributed.ReduceOp))
    assert.are.equal("table", type(torch.datasets._ImageDataset))
    assert.is_nil(getmetatable(torch))
  end)

  it("load on the first read of a deferred field, with the Swift halves kept", function()
    local out = luagrad("-e", "print(rawget(torch, 'nn'), rawget(torch, 'utils')); "
      .. "print(type(torch.utils._isatty), type(rawget(torch, 'nn')), type(torch.distributed._C), getmetatable(torch))")
    assert.are.equal("nil\tnil\nfunction\ttable\ttable\tnil\n", out)
  end)

  it("load when torch is iterated with pairs", function()
    local out = luagrad("-e", "local n = {} for k, v in pairs(torch) do n[k] = type(v) end; "
      .. "print(n.nn, n.optim, n.utils, n.distributed, n.datasets)")
    assert.are.equal("table\ttable\ttable\ttable\ttable\n", out)
  end)

  it("leave other missing fields of torch nil", function()
    local out = luagrad("-e", "print(torch.no_such_field, rawget(torch, 'nn'))")
    assert.are.equal("nil\tnil\n", out)
  end)

  it("are complete before the sandbox trims torch", function()
    local out = luagrad("--sandbox", "-e", "print(torch.distributed, type(torch.nn.Linear), getmetatable(torch))")
    assert.are.equal("nil\ttable\tnil\n", out)
  end)

  it("load for require'd modules that use them", function()
    local out = luagrad("-e", "local d2l = require 'd2l'; print(type(d2l), type(rawget(torch, 'nn')))")
    assert.are.equal("table\ttable\n", out)
  end)
end)
