-- The Lua extensions behind torch.autograd and torch.func (one group), and torch.nn,
-- torch.optim, torch.utils, torch.distributed and torch.datasets (another) compile on a
-- script's first use of their group (LuaLibrary.deferredGroups): scripts must see the same
-- torch as when they ran at start-up.
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
    assert.are.equal("function", type(torch.autograd.Function))
    assert.are.equal("function", type(torch.autograd.functional.jacobian))
    assert.are.equal("function", type(torch.func.grad))
    assert.are.equal("function", type(torch.autograd.forward_ad.dual_level))
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
      .. "print(type(torch.utils._isatty), type(rawget(torch, 'nn')), type(torch.distributed._C)); "
      .. "print(getmetatable(torch) ~= nil, type(torch.autograd), getmetatable(torch))")
    assert.are.equal("nil\tnil\nfunction\ttable\ttable\ntrue\ttable\tnil\n", out)
  end)

  it("load when torch is iterated with pairs", function()
    local out = luagrad("-e", "local n = {} for k, v in pairs(torch) do n[k] = type(v) end; "
      .. "print(n.nn, n.optim, n.utils, n.distributed, n.datasets)")
    assert.are.equal("table\ttable\ttable\ttable\ttable\n", out)
  end)

  it("load one group at a time: torch.autograd and torch.func apart from torch.nn", function()
    local out = luagrad("-e", "print(rawget(torch, 'autograd'), rawget(torch, 'func')); "
      .. "print(type(torch.func.vjp), type(rawget(torch, 'autograd')), rawget(torch, 'nn'), getmetatable(torch) ~= nil); "
      .. "print(type(torch.autograd.grad), type(torch.autograd._queue_callback), type(torch.autograd.Function))")
    assert.are.equal("nil\tnil\nfunction\ttable\tnil\ttrue\nfunction\tfunction\tfunction\n", out)
    out = luagrad("-e", "print(type(torch.nn.Linear), rawget(torch, 'autograd'), rawget(torch, 'func')); "
      .. "print(type(torch.autograd.Function), getmetatable(torch))")
    assert.are.equal("table\tnil\tnil\nfunction\tnil\n", out)
  end)

  it("load torch.autograd's Lua half before torch.viz records its backward", function()
    local out = luagrad("-e", "torch.viz._record_backward(true); "
      .. "print(type(rawget(torch, 'autograd')), type(torch.autograd.Function)); "
      .. "local roots = { torch.ones(2, { requires_grad = true }):sum() }; torch.autograd.backward(roots); "
      .. "print(rawequal(roots, torch.viz._last_root))")
    assert.are.equal("table\tfunction\ntrue\n", out)
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
