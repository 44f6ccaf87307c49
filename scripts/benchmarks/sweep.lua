-- Cost curves: element-wise add, relu and add_, matmul and one MLP training step over sizes
-- from tiny to large. Prints `SWEEP <kind> <size> <seconds per call>` lines (best of 7 tries,
-- each try long enough to time: about 20 ms), for scripts/bench --sweep to pair with sweep.py.
-- `SWEEP_KINDS` (comma-separated) limits the kinds.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)

local time = bench.best_time

local elementwise = {10, 100, 1000, 10000, 32768, 65536, 100000, 262144, 1000000, 3000000, 10000000}
local kinds = {
  add = function(n) local a, b = torch.randn(n), torch.randn(n); return function() local _ = a + b end end,
  relu = function(n) local a = torch.randn(n); return function() local _ = torch.relu(a) end end,
  add_ = function(n) local a, b = torch.randn(n), torch.randn(n); return function() a:add_(b) end end,
  matmul = function(n)
    local a, b = torch.randn(n, n), torch.randn(n, n)
    return function() local _ = a:matmul(b) end
  end,
  train = bench.mlp_step,
}
local sizes = {
  add = elementwise, relu = elementwise, add_ = elementwise,
  matmul = {8, 16, 32, 64, 128, 256, 512, 1024, 2048},
  train = {1, 4, 16, 64, 256, 1024, 2048},
}
local order = {"add", "relu", "add_", "matmul", "train"}
local wanted = os.getenv("SWEEP_KINDS")
for _, kind in ipairs(order) do
  if not wanted or (("," .. wanted .. ","):find("," .. kind .. ",", 1, true)) then
    for _, n in ipairs(sizes[kind]) do
      print(string.format("SWEEP %s %d %.9e", kind, n, time(kinds[kind](n))))
      collectgarbage()
    end
  end
end
print(string.format("BENCH sweep 0 %d", bench.peak_kb()))
