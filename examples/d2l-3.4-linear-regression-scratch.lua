-- D2L 3.4: linear regression implemented from scratch, on the book's synthetic data.
local d2l = require "d2l"

local LinearRegressionScratch = d2l.Module:extend("LinearRegressionScratch")
function LinearRegressionScratch:__init(num_inputs, lr, sigma)
  sigma = sigma or 0.01
  d2l.Module.__init(self)
  self:save_hyperparameters()
  self.w = torch.normal(0, sigma, {num_inputs, 1}, {requires_grad = true})
  self.b = torch.zeros(1, {requires_grad = true})
end

d2l.add_to_class(LinearRegressionScratch)("forward", function(self, X)
  return torch.matmul(X, self.w) + self.b
end)

d2l.add_to_class(LinearRegressionScratch)("loss", function(self, y_hat, y)
  local l = (y_hat - y) ^ 2 / 2
  return l:mean()
end)

local SGD = d2l.HyperParameters:extend("SGD")
function SGD:__init(params, lr) self:save_hyperparameters() end
function SGD:step()
  for _, param in ipairs(self.params) do param:sub_(self.lr * param.grad) end
end
function SGD:zero_grad()
  for _, param in ipairs(self.params) do
    if param.grad ~= nil then param.grad:zero_() end
  end
end

d2l.add_to_class(LinearRegressionScratch)("configure_optimizers", function(self)
  return SGD({self.w, self.b}, self.lr)
end)

torch.manual_seed(0)
local model = LinearRegressionScratch(2, 0.03)
local data = d2l.SyntheticRegressionData{w = torch.tensor{2, -3.4}, b = 4.2}
local trainer = d2l.Trainer{max_epochs = 3}
trainer:fit(model, data)

local dw = torch.no_grad(function() return data.w - model.w:reshape(data.w.shape) end)
print(string.format("error in estimating w: [%.3f, %.3f]", dw[1]:item(), dw[2]:item()))
print(string.format("error in estimating b: [%.3f]", data.b - model.b:item()))
