-- sqrt(x*x + 1):sum() forward and backward on 10^7 floats, as one unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
local x = torch.randn{10000000, requires_grad = true}
bench.run("elementwise", 5, function()
  local y = torch.sqrt(x * x + 1):sum()
  y:backward()
  x.grad = nil
end)
