-- Shared by the Lua workloads: times `step` (one unit of work) and prints one result line.
-- Marginal time per unit: a warm-up, then `tries` timed batches; the median is reported.
local bench = {}

function bench.run(name, units, step, opts)
  opts = opts or {}
  local tries = opts.tries or 5
  for _ = 1, (opts.warmup or 1) do step() end
  local times = {}
  for t = 1, tries do
    local start = torch.wallclock()
    for _ = 1, units do step() end
    times[t] = (torch.wallclock() - start) / units
  end
  table.sort(times)
  print(string.format("BENCH %s %.9e %d", name, times[(tries + 1) // 2], bench.peak_kb()))
end

--- Peak resident memory of this process in KiB (VmHWM), 0 where /proc is missing.
function bench.peak_kb()
  local f = io.open("/proc/self/status")
  if not f then return 0 end
  local text = f:read("a")
  f:close()
  return tonumber(text:match("VmHWM:%s*(%d+)")) or 0
end

--- D2L 3.2's linear regression from scratch on 1000 seeded synthetic examples of 2 features:
--- returns `minibatch(idx)`, one SGD step (lr 0.03) on the examples at `idx` (a tensor of
--- `batch` positions). The `linreg` workload, and `per_op.lua`'s `K=linreg`.
function bench.linreg_minibatch(batch)
  torch.manual_seed(0)
  local true_w, true_b = torch.tensor{2, -3.4}, 4.2
  local X = torch.normal(0, 1, {1000, 2})
  local y = torch.matmul(X, true_w) + true_b
  y = (y + torch.normal(0, 0.01, y.shape)):reshape(-1, 1)
  local w = torch.normal(0, 0.01, {2, 1}, {requires_grad = true})
  local b = torch.zeros(1, {requires_grad = true})
  local lr = 0.03
  return function(idx)
    local Xb, yb = X[idx], y[idx]
    local l = ((torch.matmul(Xb, w) + b - yb) ^ 2 / 2):sum()
    l:backward()
    torch.no_grad(function()
      w:sub_(w.grad * lr / batch); b:sub_(b.grad * lr / batch)
      w.grad:zero_(); b.grad:zero_()
    end)
  end
end

--- The MLP's batch and parameters, drawn from the current seed: `X` (batch × 784), `labels`
--- (1 to 10) and `{W1, b1, W2, b2}` (784→256→10, weights N(0, 0.01²), zero biases).
function bench.mlp_model(batch)
  local X, labels = torch.randn(batch, 784), torch.randint(1, 11, {batch})
  local W1 = (torch.randn(784, 256) * 0.01):requires_grad_()
  local b1 = torch.zeros(256, {requires_grad = true})
  local W2 = (torch.randn(256, 10) * 0.01):requires_grad_()
  local b2 = torch.zeros(10, {requires_grad = true})
  return X, labels, {W1, b1, W2, b2}
end

--- One SGD step (lr 0.1) of a 784→256→10 ReLU MLP with a log_softmax loss on a fixed random
--- batch of `batch` examples: the `mlp` workloads and the sweep's `train` kind.
function bench.mlp_step(batch)
  local X, labels, params = bench.mlp_model(batch)
  local W1, b1, W2, b2 = table.unpack(params)
  return function()
    local h = torch.relu(X:matmul(W1) + b1)
    local logp = torch.log_softmax(h:matmul(W2) + b2, 2)
    local loss = -logp:gather(2, labels:reshape(batch, 1)):mean()
    loss:backward()
    torch.no_grad(function()
      for _, p in ipairs(params) do p:sub_(p.grad * 0.1); p.grad:zero_() end
    end)
  end
end

--- One training epoch over `loader`: the D2L loop (forward, loss, zero_grad, backward, step).
function bench.epoch(loader, net, loss_fn, opt)
  return function()
    for Xb, yb in loader:iter() do
      local l = loss_fn(net(Xb), yb)
      opt:zero_grad()
      l:backward()
      opt:step()
    end
  end
end

--- Seconds per call of `f`: the best of 7 batches, each sized to last about 20 ms (at most
--- `most` calls when given), after one warm-up call. For the sweep's and `--ops`' tables.
function bench.best_time(f, most)
  f()
  local start = torch.wallclock()
  f()
  local once = math.max(torch.wallclock() - start, 1e-7)
  local reps = math.max(1, math.floor(0.02 / once))
  if most then reps = math.min(reps, most) end
  local best = math.huge
  for _ = 1, 7 do
    start = torch.wallclock()
    for _ = 1, reps do f() end
    best = math.min(best, (torch.wallclock() - start) / reps)
  end
  return best
end

return bench
