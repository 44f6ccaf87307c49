-- D2L 3.2: linear regression from scratch, minibatches of 10 from 1000×2; one epoch per unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local batch = 10
local minibatch = bench.linreg_minibatch(batch)
bench.run("linreg", 30, function()
  local indices = torch.randperm(1000)
  for i = 1, 1000, batch do minibatch(indices[{{i, i + batch - 1}}]) end
end)
