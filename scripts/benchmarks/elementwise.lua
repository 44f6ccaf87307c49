-- sqrt(x*x + 1):sum() forward and backward on N floats, as one unit.
--   elementwise.lua [NAME [N]]   (default: elementwise 10^7; scripts/bench runs
--   elementwise_2e18 as `elementwise_2e18 262144`, an activation-sized tensor)
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local name, n = arg[1] or "elementwise", math.tointeger(tonumber(arg[2])) or 10000000
torch.manual_seed(0)
local x = torch.randn{n, requires_grad = true}
-- About 5·10^7 elements per timed batch, whatever the size.
bench.run(name, math.max(1, 50000000 // n), function()
  local y = torch.sqrt(x * x + 1):sum()
  y:backward()
  x.grad = nil
end)
