-- D2L 4.4: softmax regression from scratch, on the 8x8 digits compiled into LuaGrad (the book
-- uses Fashion-MNIST, which is not shipped). Labels are 1-based: class k is the digit k - 1.
local d2l = require "d2l"

local function softmax(X)
  local X_exp = torch.exp(X)
  local partition = X_exp:sum(2, {keepdim = true})
  return X_exp / partition  -- the broadcasting mechanism is applied here
end

torch.manual_seed(0)
local X = torch.rand(2, 5)
local X_prob = softmax(X)
print(string.format("%.4f %.4f", X_prob[1]:sum():item(), X_prob[2]:sum():item()))

local SoftmaxRegressionScratch = d2l.Classifier:extend("SoftmaxRegressionScratch")
function SoftmaxRegressionScratch:__init(num_inputs, num_outputs, lr, sigma)
  d2l.Module.__init(self)
  sigma = sigma or 0.01
  self:save_hyperparameters()
  self.W = torch.normal(0, sigma, {num_inputs, num_outputs}, {requires_grad = true})
  self.b = torch.zeros(num_outputs, {requires_grad = true})
end
function SoftmaxRegressionScratch:parameters() return {self.W, self.b} end
function SoftmaxRegressionScratch:forward(X)
  X = X:reshape(-1, self.W.shape[1])
  return softmax(torch.matmul(X, self.W) + self.b)
end

-- Picks each row's predicted probability of its label (gather; PyTorch's y_hat[range(n), y]).
local function cross_entropy(y_hat, y)
  return -torch.log(y_hat:gather(2, y:reshape(-1, 1))):mean()
end
local y = torch.tensor{1, 3}
local y_hat = torch.tensor{{0.1, 0.3, 0.6}, {0.3, 0.2, 0.5}}
print(string.format("cross-entropy: %.4f", cross_entropy(y_hat, y):item()))

d2l.add_to_class(SoftmaxRegressionScratch)("loss", function(self, y_hat, y) return cross_entropy(y_hat, y) end)

local data = d2l.Digits{batch_size = 256}
local model = SoftmaxRegressionScratch(64, 10, 0.1)
local trainer = d2l.Trainer{max_epochs = 10}
trainer:fit(model, data)

local loader = data:val_dataloader()
local Xv, yv = loader:iter()()
local preds = model(Xv):argmax(2)
local wrong = preds:ne(yv):sum():item()
print(string.format("wrong predictions in the first validation batch: %d of %d", wrong, yv:numel()))
local labels, predicted = data:text_labels(yv), data:text_labels(preds)
local shown = {}
for i = 1, yv:numel() do
  if labels[i] ~= predicted[i] and #shown < 8 then shown[#shown + 1] = labels[i] .. "->" .. predicted[i] end
end
print(table.concat(shown, " "))
