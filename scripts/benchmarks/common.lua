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

--- One SGD step (lr 0.1) of a 784→256→10 ReLU MLP with a log_softmax loss on a fixed random
--- batch of `batch` examples: the `mlp` workloads and the sweep's `train` kind.
function bench.mlp_step(batch)
  local X, labels = torch.randn(batch, 784), torch.randint(1, 11, {batch})
  local W1 = (torch.randn(784, 256) * 0.01):requires_grad_()
  local b1 = torch.zeros(256, {requires_grad = true})
  local W2 = (torch.randn(256, 10) * 0.01):requires_grad_()
  local b2 = torch.zeros(10, {requires_grad = true})
  local params = {W1, b1, W2, b2}
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

return bench
