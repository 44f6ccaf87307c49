-- The MLP step of `mlp.lua` taken apart: the wall-clock time of each line inside the step,
-- then the step against its two halves (forward + backward, the SGD update) each looped alone.
--   luagrad scripts/benchmarks/mlp_parts.lua [BATCH [STEPS [ROUNDS]]]   (default 64 300 7)
-- Each figure is the best over ROUNDS of its mean over STEPS steps, in microseconds. Run it
-- under `chrt -f 50` on a shared machine, and compare with `OMP_NUM_THREADS=1`: what a line
-- costs inside the step, against alone, shows what the lines before it left in the caches
-- (a matrix written by one core and then read or written by the other pays for the move).
local batch = math.tointeger(tonumber(arg[1])) or 64
local steps = math.tointeger(tonumber(arg[2])) or 300
local rounds = math.tointeger(tonumber(arg[3])) or 7
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
local X, labels, params = bench.mlp_model(batch)
local W1, b1, W2, b2 = table.unpack(params)
local clock = torch.wallclock

--- One step of `bench.mlp_step` with a clock reading after each line; returns the readings.
local function timed_step()
  local t = {clock()}
  local function mark() t[#t + 1] = clock() end
  local z = X:matmul(W1); mark()
  local h = torch.relu(z + b1); mark()
  local o = h:matmul(W2) + b2; mark()
  local logp = torch.log_softmax(o, 2); mark()
  local loss = -logp:gather(2, labels:reshape(batch, 1)):mean(); mark()
  loss:backward(); mark()
  torch.no_grad(function()
    local g = W1.grad * 0.1; mark()
    W1:sub_(g); mark()
    W1.grad:zero_(); mark()
    for i = 2, 4 do local p = params[i]; p:sub_(p.grad * 0.1); p.grad:zero_() end
    mark()
  end)
  return t
end
local lines = {"X:matmul(W1)", "relu(. + b1)", "h:matmul(W2) + b2", "log_softmax", "-gather:mean()",
               "backward", "W1.grad * 0.1", "W1:sub_(.)", "W1.grad:zero_()", "b1, W2, b2 updates"}

local best = {}
for _ = 1, rounds do
  local sums = {}
  for s = 1, steps + 20 do
    local t = timed_step()
    if s > 20 then for i = 1, #lines do sums[i] = (sums[i] or 0) + t[i + 1] - t[i] end end
  end
  for i = 1, #lines do best[i] = math.min(best[i] or math.huge, sums[i] / steps * 1e6) end
end
local total = 0
for i, name in ipairs(lines) do
  print(string.format("%-22s %8.1f", name, best[i]))
  total = total + best[i]
end
print(string.format("%-22s %8.1f", "sum", total))

--- The best mean time of `f` in microseconds.
local function looped(f)
  for _ = 1, 20 do f() end
  local fastest = math.huge
  for _ = 1, rounds do
    local start = clock()
    for _ = 1, steps do f() end
    fastest = math.min(fastest, (clock() - start) / steps * 1e6)
  end
  return fastest
end
local function forward_backward()
  local h = torch.relu(X:matmul(W1) + b1)
  local logp = torch.log_softmax(h:matmul(W2) + b2, 2)
  local loss = -logp:gather(2, labels:reshape(batch, 1)):mean()
  loss:backward()
end
local function update()
  torch.no_grad(function()
    for _, p in ipairs(params) do p:sub_(p.grad * 0.1); p.grad:zero_() end
  end)
end
local step = looped(function() forward_backward(); update() end)
local fb, up = looped(forward_backward), looped(update)
print(string.format("step %.1f = forward+backward alone %.1f + update alone %.1f + interplay %.1f",
                    step, fb, up, step - fb - up))
