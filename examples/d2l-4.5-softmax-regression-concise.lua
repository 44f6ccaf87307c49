-- D2L 4.5: concise softmax regression (nn.Flatten, nn.LazyLinear, F.cross_entropy), on the
-- 8x8 digits compiled into LuaGrad.
local d2l = require "d2l"
local nn, F = torch.nn, torch.nn.functional

local SoftmaxRegression = d2l.Classifier:extend("SoftmaxRegression")
function SoftmaxRegression:__init(num_outputs, lr)
  d2l.Module.__init(self)
  self:save_hyperparameters()
  self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))
end
function SoftmaxRegression:forward(X) return self.net(X) end

d2l.add_to_class(d2l.Classifier)("loss", function(self, Y_hat, Y, averaged)
  Y_hat = Y_hat:reshape(-1, Y_hat.shape[Y_hat.ndim])
  Y = Y:reshape(-1)
  return F.cross_entropy(Y_hat, Y, {reduction = averaged == false and "none" or "mean"})
end)

torch.manual_seed(0)
local data = d2l.Digits{batch_size = 256}
local model = SoftmaxRegression(10, 0.1)
local trainer = d2l.Trainer{max_epochs = 10}
trainer:fit(model, data)
for name, p in model:named_parameters() do print(name, p.shape) end

local Xv, yv = data:val_dataloader():iter()()
print(string.format("validation accuracy of the first batch: %.4f", model:accuracy(model(Xv), yv):item()))
