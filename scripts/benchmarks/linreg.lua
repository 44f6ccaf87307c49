-- D2L 3.2: linear regression from scratch, minibatches of 10 from 1000×2; one epoch per unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
local true_w, true_b = torch.tensor{2, -3.4}, 4.2
local X = torch.normal(0, 1, {1000, 2})
local y = torch.matmul(X, true_w) + true_b
y = (y + torch.normal(0, 0.01, y.shape)):reshape(-1, 1)
local w = torch.normal(0, 0.01, {2, 1}, {requires_grad = true})
local b = torch.zeros(1, {requires_grad = true})
local lr, batch = 0.03, 10
bench.run("linreg", 30, function()
  local indices = torch.randperm(1000)
  for i = 1, 1000, batch do
    local idx = indices[{{i, i + batch - 1}}]
    local Xb, yb = X[idx], y[idx]
    local l = ((torch.matmul(Xb, w) + b - yb) ^ 2 / 2):sum()
    l:backward()
    torch.no_grad(function()
      w:sub_(w.grad * lr / batch); b:sub_(b.grad * lr / batch)
      w.grad:zero_(); b.grad:zero_()
    end)
  end
end)
