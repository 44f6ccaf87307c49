-- sqrt(x*x + 1):sum() forward and backward on 2^18 floats (an activation-sized tensor), as one unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
local x = torch.randn{262144, requires_grad = true}
bench.run("elementwise_2e18", 200, function()
  local y = torch.sqrt(x * x + 1):sum()
  y:backward()
  x.grad = nil
end)
