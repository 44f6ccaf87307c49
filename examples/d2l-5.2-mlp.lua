-- D2L 5.2: multilayer perceptrons from scratch and concisely, on the 8x8 digits.
local d2l = require "d2l"
local nn = torch.nn

local function relu(X)
  local a = torch.zeros_like(X)
  return torch.max(X, a)
end

local MLPScratch = d2l.Classifier:extend("MLPScratch")
function MLPScratch:__init(num_inputs, num_outputs, num_hiddens, lr, sigma)
  d2l.Module.__init(self)
  sigma = sigma or 0.01
  self:save_hyperparameters()
  self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
  self.b1 = nn.Parameter(torch.zeros(num_hiddens))
  self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
  self.b2 = nn.Parameter(torch.zeros(num_outputs))
end
function MLPScratch:forward(X)
  X = X:reshape(-1, self.num_inputs)
  local H = relu(torch.matmul(X, self.W1) + self.b1)
  return torch.matmul(H, self.W2) + self.b2
end

torch.manual_seed(0)
local data = d2l.Digits{batch_size = 256}
local model = MLPScratch(64, 10, 64, 0.1, 0.1)
local trainer = d2l.Trainer{max_epochs = 10}
trainer:fit(model, data)

local MLP = d2l.Classifier:extend("MLP")
function MLP:__init(num_outputs, num_hiddens, lr)
  d2l.Module.__init(self)
  self:save_hyperparameters()
  self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_hiddens), nn.ReLU(), nn.LazyLinear(num_outputs))
end

model = MLP(10, 64, 0.1)
trainer:fit(model, data)
for name, p in model:named_parameters() do print(name, p.shape) end
