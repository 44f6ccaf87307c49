-- Every step of the autograd chapter (D2L 2.5) as one unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local function f(a)
  local b = a * 2
  while b:norm() < 1000 do b = b * 2 end
  local c
  if b:sum() > 0 then c = b else c = 100 * b end
  return c
end
torch.manual_seed(0)
bench.run("chapter", 2000, function()
  local x = torch.arange(4.0)
  x:requires_grad_(true)
  local y = 2 * torch.dot(x, x)
  y:backward()
  local _ = x.grad:eq(4 * x)
  x.grad:zero_()
  y = x:sum(); y:backward()
  x.grad:zero_()
  y = x * x
  y:backward(torch.ones(#y))
  x.grad:zero_()
  y = x * x; local u = y:detach(); local z = u * x
  z:sum():backward()
  x.grad:zero_(); y:sum():backward()
  local a = torch.randn{requires_grad = true}
  local d = f(a); d:backward()
  local _ = a.grad == d / a
end)
