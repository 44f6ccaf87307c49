-- A 1024×1024 float32 matmul, forward and backward, as one unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
local a = torch.randn{1024, 1024, requires_grad = true}
local b = torch.randn{1024, 1024, requires_grad = true}
bench.run("matmul", 6, function()
  local c = torch.matmul(a, b)
  c:sum():backward()
  a.grad = nil; b.grad = nil
end)
