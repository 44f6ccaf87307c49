-- D2L 3.5: concise linear regression (nn.LazyLinear, nn.MSELoss, torch.optim.SGD).
local d2l = require "d2l"
local nn = torch.nn

local LinearRegression = d2l.Module:extend("LinearRegression")
function LinearRegression:__init(lr)
  d2l.Module.__init(self)
  self:save_hyperparameters()
  self.net = nn.LazyLinear(1)
end
function LinearRegression:forward(X) return self.net(X) end
function LinearRegression:loss(y_hat, y)
  local fn = nn.MSELoss()
  return fn(y_hat, y)
end
function LinearRegression:configure_optimizers()
  return torch.optim.SGD(self:parameters(), {lr = self.lr})
end
function LinearRegression:get_w_b() return self.net.weight:detach(), self.net.bias:detach() end

torch.manual_seed(0)
local model = LinearRegression(0.03)
local data = d2l.SyntheticRegressionData{w = torch.tensor{2, -3.4}, b = 4.2}
local trainer = d2l.Trainer{max_epochs = 3}
trainer:fit(model, data)

print(model.net)
local w, b = model:get_w_b()
local dw = data.w - w:reshape(data.w.shape)
print(string.format("error in estimating w: [%.3f, %.3f]", dw[1]:item(), dw[2]:item()))
print(string.format("error in estimating b: [%.3f]", data.b - b:item()))
