-- D2L 5.6: dropout, from scratch and with nn.Dropout, on the 8x8 digits.
local d2l = require "d2l"
local nn = torch.nn

local function dropout_layer(X, dropout)
  assert(0 <= dropout and dropout <= 1)
  if dropout == 1 then return torch.zeros_like(X) end
  local mask = torch.rand(X.shape):gt(dropout):to(torch.float32)
  return mask * X / (1.0 - dropout)
end

torch.manual_seed(0)
local X = torch.arange(16, {dtype = torch.float32}):reshape(2, 8)
for _, p in ipairs({0, 0.5, 1}) do
  print("dropout_p = " .. p .. ":")
  print(dropout_layer(X, p))
end

local DropoutMLPScratch = d2l.Classifier:extend("DropoutMLPScratch")
function DropoutMLPScratch:__init(num_outputs, num_hiddens_1, num_hiddens_2, dropout_1, dropout_2, lr)
  d2l.Module.__init(self)
  self:save_hyperparameters()
  self.lin1 = nn.LazyLinear(num_hiddens_1)
  self.lin2 = nn.LazyLinear(num_hiddens_2)
  self.lin3 = nn.LazyLinear(num_outputs)
  self.relu = nn.ReLU()
end
function DropoutMLPScratch:forward(X)
  local H1 = self.relu(self.lin1(X:reshape(X.shape[1], -1)))
  if self.training then H1 = dropout_layer(H1, self.dropout_1) end
  local H2 = self.relu(self.lin2(H1))
  if self.training then H2 = dropout_layer(H2, self.dropout_2) end
  return self.lin3(H2)
end

local hparams = {num_outputs = 10, num_hiddens_1 = 64, num_hiddens_2 = 64, dropout_1 = 0.2, dropout_2 = 0.5, lr = 0.1}
local model = DropoutMLPScratch(hparams.num_outputs, hparams.num_hiddens_1, hparams.num_hiddens_2,
                                hparams.dropout_1, hparams.dropout_2, hparams.lr)
-- Losses to three decimals: after five epochs of float32 products their fourth decimal moves
-- with the CPU's matrix kernels (OpenBLAS's for Zen 3 against MKL's), in PyTorch as here.
model.board.fmt = "%.3f"
local data = d2l.Digits{batch_size = 256}
local trainer = d2l.Trainer{max_epochs = 8}
trainer:fit(model, data)

local DropoutMLP = d2l.Classifier:extend("DropoutMLP")
function DropoutMLP:__init(num_outputs, num_hiddens_1, num_hiddens_2, dropout_1, dropout_2, lr)
  d2l.Module.__init(self)
  self:save_hyperparameters()
  self.net = nn.Sequential(
    nn.Flatten(), nn.LazyLinear(num_hiddens_1), nn.ReLU(), nn.Dropout(dropout_1),
    nn.LazyLinear(num_hiddens_2), nn.ReLU(), nn.Dropout(dropout_2), nn.LazyLinear(num_outputs))
end

model = DropoutMLP(hparams.num_outputs, hparams.num_hiddens_1, hparams.num_hiddens_2,
                   hparams.dropout_1, hparams.dropout_2, hparams.lr)
model.board.fmt = "%.3f"
trainer:fit(model, data)
for name, p in model:named_parameters() do print(name, p.shape) end
