-- No leak with create_graph (issue 4 item 1; DESIGN.md §3): ARC has no cycle collector, so a
-- graph of a gradient must not keep itself alive (x → grad → grad_fn → saved output → its own
-- grad_fn). Loops of create_graph steps must keep Lua's heap and the process's memory flat.
-- LuaGrad exposes no tensor counter to Lua: the resident set size (/proc/self/statm) stands
-- for the tensors and nodes Swift holds. Steps are on a 0-d tensor so a debug build runs each
-- loop in a few seconds; a leak of one small node per step would still show as megabytes.

--- Resident set size in bytes, or nil where /proc is missing.
local function rss()
  local file = io.open("/proc/self/statm", "r")
  if not file then return nil end
  local line = file:read("l")
  file:close()
  local pages = line and tonumber(line:match("^%d+%s+(%d+)"))
  return pages and pages * 4096
end

--- Runs `step` `n` times after a warm-up, and asserts that memory stayed flat: at most
--- `bytes_per_step` of resident growth per step (allocator noise) and 256 KB of Lua heap.
local function assert_flat(n, bytes_per_step, step)
  if rss() == nil then return pending("needs /proc/self/statm") end
  for _ = 1, n // 50 do step() end
  collectgarbage()
  collectgarbage()
  local rss0, lua0 = rss(), collectgarbage("count")
  for _ = 1, n do step() end
  collectgarbage()
  collectgarbage()
  local grown, lua_grown = rss() - rss0, (collectgarbage("count") - lua0) * 1024
  assert.is_true(lua_grown < 256 * 1024,
    string.format("Lua heap grew by %.0f KB over %d steps", lua_grown / 1024, n))
  assert.is_true(grown < n * bytes_per_step,
    string.format("resident memory grew by %.1f MB over %d steps (%.0f bytes per step)", grown / 1e6, n, grown / n))
end

local function leaf() return torch.tensor(0.5, { requires_grad = true }) end

describe("create_graph keeps memory flat", function()
  -- exp saves its output: the case where a strong reference would close a cycle.
  it("100 000 steps of grad(f(x), x, {create_graph=true}) with an op that saves its output", function()
    local x = leaf()
    assert_flat(100000, 40, function()
      local g = torch.autograd.grad(x:exp(), x, { create_graph = true })
    end)
  end)

  it("20 000 steps with an op that saves its input", function()
    local x = leaf()
    assert_flat(20000, 100, function()
      local g = torch.autograd.grad(x:sin(), x, { create_graph = true })
    end)
  end)

  it("5 000 steps of backward{create_graph=true}, clearing x.grad", function()
    local x = leaf()
    assert_flat(5000, 200, function()
      (x * x):backward{ create_graph = true }
      x.grad = nil
    end)
  end)

  it("5 000 second derivatives", function()
    local x = leaf()
    assert_flat(5000, 200, function()
      local g = torch.autograd.grad(x:sin() * x, x, { create_graph = true })
      local g2 = torch.autograd.grad(g, x)
    end)
  end)
end)

-- A node keeps a saved non-leaf input as itself (as PyTorch keeps `saved_original_`), so
-- anything that later lets that tensor reach the node would close a cycle: replacing its
-- history in place with a node over the saving one, or a `.grad` made with `create_graph`
-- whose graph saved it. The tensor then has those nodes keep an alias instead.
describe("a saved input kept as itself closes no cycle", function()
  it("20 000 steps of y:add_(y:sin()) (the new history reaches the node that saved y)", function()
    local x = leaf()
    assert_flat(20000, 100, function()
      local y = x * 2
      y:add_(y:sin())
    end)
  end)

  it("20 000 steps of an in-place op on a view of a saved tensor", function()
    local x = torch.tensor({ 0.5, 0.25 }, { requires_grad = true })
    assert_flat(20000, 100, function()
      local y = x * 2
      y[1]:add_(y:sin():sum())
    end)
  end)

  it("5 000 steps of a retained grad made with create_graph from a formula that saved it", function()
    local x = leaf()
    assert_flat(5000, 200, function()
      local y = x * 2
      y:retain_grad()
      y:sin():backward{ create_graph = true }
      x.grad = nil
    end)
  end)
end)
