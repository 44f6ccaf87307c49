-- A 1024×1024 float32 matmul forward and backward with its two randn inputs made in the loop.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
bench.run("matmul_randn", 6, function()
  local a = torch.randn{1024, 1024, requires_grad = true}
  local b = torch.randn{1024, 1024, requires_grad = true}
  local c = torch.matmul(a, b)
  c:sum():backward()
end)
