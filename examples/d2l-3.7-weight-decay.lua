-- D2L 3.7: weight decay, from scratch (an L2 penalty in the loss) and concisely (the
-- optimizer's weight_decay on the weights only).
local d2l = require "d2l"

local Data = d2l.DataModule:extend("Data")
function Data:__init(num_train, num_val, num_inputs, batch_size)
  d2l.DataModule.__init(self)
  self:save_hyperparameters()
  local n = num_train + num_val
  self.X = torch.randn(n, num_inputs)
  local noise = torch.randn(n, 1) * 0.01
  local w, b = torch.ones(num_inputs, 1) * 0.01, 0.05
  self.y = torch.matmul(self.X, w) + b + noise
end
function Data:get_dataloader(train)
  local i = train and {1, self.num_train} or {self.num_train + 1, self.num_train + self.num_val}
  return self:get_tensorloader({self.X, self.y}, train, i)
end

local function l2_penalty(w) return (w ^ 2):sum() / 2 end

local WeightDecayScratch = d2l.LinearRegressionScratch:extend("WeightDecayScratch")
function WeightDecayScratch:__init(num_inputs, lambd, lr, sigma)
  d2l.LinearRegressionScratch.__init(self, num_inputs, lr, sigma or 0.01)
  self:save_hyperparameters()
end
function WeightDecayScratch:loss(y_hat, y)
  return d2l.LinearRegressionScratch.loss(self, y_hat, y) + self.lambd * l2_penalty(self.w)
end

torch.manual_seed(0)
local data = Data(20, 100, 200, 5)
local trainer = d2l.Trainer{max_epochs = 10}

local function train_scratch(lambd)
  local model = WeightDecayScratch(200, lambd, 0.01)
  model.board.yscale = "log"
  trainer:fit(model, data)
  print(string.format("L2 norm of w: %.4f", l2_penalty(model.w):item()))
end

train_scratch(0)
train_scratch(3)

local WeightDecay = d2l.LinearRegression:extend("WeightDecay")
function WeightDecay:__init(wd, lr)
  d2l.LinearRegression.__init(self, lr)
  self:save_hyperparameters()
  self.wd = wd
end
function WeightDecay:configure_optimizers()
  return torch.optim.SGD({{params = {self.net.weight}, weight_decay = self.wd},
                          {params = {self.net.bias}}}, {lr = self.lr})
end

local model = WeightDecay(3, 0.01)
model.board.yscale = "log"
trainer:fit(model, data)
print(string.format("L2 norm of w: %.4f", l2_penalty(model:get_w_b()):item()))
