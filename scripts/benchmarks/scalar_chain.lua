-- 10 000 steps of y = y*0.999 + sin(y)*0.001 on a 0-d tensor, then backward, as one unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
bench.run("scalar_chain", 3, function()
  local x = torch.tensor(0.5, {requires_grad = true})
  local y = x
  for _ = 1, 10000 do y = y * 0.999 + torch.sin(y) * 0.001 end
  y:backward()
end)
