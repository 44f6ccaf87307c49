-- torch.randn(1024, 1024) float32: uniform draws and the vectorized Box–Muller step.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
bench.run("randn", 50, function()
  local _ = torch.randn(1024, 1024)
end)
