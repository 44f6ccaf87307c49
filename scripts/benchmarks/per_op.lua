-- One small op in a loop, for counting instructions per op under callgrind (not a timed
-- workload: scripts/bench does not run it). Instructions per op = (refs at N − refs at N = 0) / N:
--
--   cp "$(./scripts/build)" /tmp/lg && strip -g /tmp/lg
--   N=20000 K=add valgrind --tool=callgrind --separate-threads=yes /tmp/lg scripts/benchmarks/per_op.lua
--
-- Count the main thread only (`--separate-threads`): the worker pool's spin-wait after a
-- parallel op moves whole-program totals by a few percent between runs.
-- K picks the op (10×1 float tensors); K=linreg runs N minibatches of linreg.lua's loop.
local N = tonumber(os.getenv("N") or "0")
local kind = os.getenv("K") or "add"
local a, b = torch.randn(10, 1), torch.randn(10, 1)

local kinds = {
  noop = function() return function() local _ = a end end,
  add = function() return function() local _ = a + b end end,
  addg = function() a:requires_grad_() return function() local _ = a + b end end,
  mul_s = function() return function() local _ = a * 0.03 end end,
  sin = function() return function() local _ = torch.sin(a) end end,
  mm = function() local w = torch.randn(1, 1) return function() local _ = torch.matmul(a, w) end end,
  sum = function() return function() local _ = a:sum() end end,
  idx = function() local idx = torch.randperm(10) return function() local _ = a[idx] end end,
  slice = function() return function() local _ = a[{{1, 5}}] end end,
  sub_ = function() return function() a:sub_(b) end end,
  copy_ = function() return function() a:copy_(b) end end,
  -- The MLP's first weight (784 × 256 floats): run it with N in the hundreds.
  copy_big = function()
    local dst, src = torch.zeros(784, 256), torch.randn(784, 256)
    return function() dst:copy_(src) end
  end,
  -- The library code that calls copy_: Adam with amsgrad (`max_sq:copy_(...)` each step) and
  -- load_state_dict of a 10 → 1 linear layer.
  amsgrad = function()
    local p = torch.randn(10, 1):requires_grad_()
    p.grad = torch.randn(10, 1)
    local opt = torch.optim.Adam({ p }, { lr = 1e-3, amsgrad = true })
    return function() opt:step() end
  end,
  load_state = function()
    local net, saved = torch.nn.Linear(10, 1), torch.nn.Linear(10, 1):state_dict()
    return function() net:load_state_dict(saved) end
  end,
  grad = function()
    a:requires_grad_(); (a * b):sum():backward()
    return function() local _ = a.grad end
  end,
  bw = function() a:requires_grad_() return function() (a + b):sum():backward() end end,
  chain = function()
    local y = torch.tensor(0.5, {requires_grad = true})
    return function() y = y * 0.999 + torch.sin(y) * 0.001 end
  end,
  linreg = function()
    package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
    local minibatch, indices, i = require("common").linreg_minibatch(10), torch.randperm(1000), 1
    return function()
      if i > 1000 then indices, i = torch.randperm(1000), 1 end
      minibatch(indices[{{i, i + 9}}])
      i = i + 10
    end
  end,
}

local make = kinds[kind] or error("unknown K=" .. kind)
local step = make()
for _ = 1, N do step() end
