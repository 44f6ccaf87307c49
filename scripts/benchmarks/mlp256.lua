-- A 784→256→10 ReLU MLP, batch 256, log_softmax loss, one SGD step per unit.
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
torch.manual_seed(0)
local X = torch.randn(256, 784)
local labels = torch.randint(1, 11, {256})
local W1 = (torch.randn(784, 256) * 0.01):requires_grad_()
local b1 = torch.zeros(256, {requires_grad = true})
local W2 = (torch.randn(256, 10) * 0.01):requires_grad_()
local b2 = torch.zeros(10, {requires_grad = true})
local params = {W1, b1, W2, b2}
bench.run("mlp256", 60, function()
  local h = torch.relu(X:matmul(W1) + b1)
  local logp = torch.log_softmax(h:matmul(W2) + b2, 2)
  local loss = -logp:gather(2, labels:reshape(256, 1)):mean()
  loss:backward()
  torch.no_grad(function()
    for _, p in ipairs(params) do p:sub_(p.grad * 0.1); p.grad:zero_() end
  end)
end)
