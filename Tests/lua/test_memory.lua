-- Memory stays flat: graphs, saved tensors and create_graph gradients are freed once unused,
-- with no collectgarbage() call in the loops (DESIGN.md §3).
local function rss_kb()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return tonumber(text:match("VmRSS:%s*(%d+)"))
end

-- Runs `step` n times after a warm-up and returns the growth of resident memory in KiB.
local function growth(step, n)
  for _ = 1, 200 do step() end
  collectgarbage(); collectgarbage()
  local before = rss_kb()
  for _ = 1, n do step() end
  collectgarbage(); collectgarbage()
  return rss_kb() - before
end

describe("memory", function()
  it("ops that save their output (norm, exp) do not leak when no backward runs", function()
    if not rss_kb() then return end
    local kb = growth(function()
      local a = torch.randn{3, requires_grad = true}
      local _ = a:norm() < 1000
      local _ = a:exp():sigmoid():tanh():sqrt()
    end, 20000)
    assert.is_true(kb < 2048, "grew by " .. kb .. " KiB")
  end)

  it("the chapter's f(a) loop keeps a flat profile", function()
    if not rss_kb() then return end
    local function f(a)
      local b = a * 2
      while b:norm() < 1000 do b = b * 2 end
      if b:sum() > 0 then return b end
      return 100 * b
    end
    local kb = growth(function()
      local a = torch.randn{requires_grad = true}
      local d = f(a)
      d:backward()
    end, 3000)
    assert.is_true(kb < 2048, "grew by " .. kb .. " KiB")
  end)

  it("create_graph second derivatives do not leak", function()
    if not rss_kb() then return end
    local kb = growth(function()
      local x = torch.tensor({1.0, 2.0}, {requires_grad = true})
      local g = torch.autograd.grad((x ^ 3):sum(), x, {create_graph = true})
      local h = torch.autograd.grad(g:sum(), x)
      x:backward(h)
    end, 5000)
    assert.is_true(kb < 2048, "grew by " .. kb .. " KiB")
  end)

  it("large temporaries are collected without collectgarbage()", function()
    if not rss_kb() then return end
    local x = torch.randn{1000000, requires_grad = true}
    local before = rss_kb()
    for _ = 1, 30 do
      local y = (x * x + 1):sqrt():sum()
      y:backward()
      x.grad = nil
    end
    -- 30 iterations make ~600 MB of 4 MB tensors; far less may stay resident.
    assert.is_true(rss_kb() - before < 200 * 1024, "grew by " .. (rss_kb() - before) .. " KiB")
  end)

  it("a loop's large results are freed before the next one is made", function()
    -- Counts results Lua has not collected yet after each call: a weak table forgets a tensor
    -- userdata as Lua frees it, which releases its tensor.
    local a, b = torch.randn(1000000), torch.randn(1000000)
    local alive = setmetatable({}, {__mode = "k"})
    local function step() alive[a + b] = true end
    collectgarbage(); collectgarbage()
    local most = 0
    for _ = 1, 100 do
      step()
      local n = 0
      for _ in pairs(alive) do n = n + 1 end
      most = math.max(most, n)
    end
    -- Each 4 MB result dies when `step` returns, and the next op steps the collector before it
    -- allocates, so the loop reuses one buffer (stepping after the allocation kept up to three).
    assert.equals(1, most)
  end)
end)
