-- Common ops one at a time on a 256 × 1024 float32 tensor (2^18 elements, an activation's
-- size), forward only: `scripts/bench --ops` runs this and ops.py and prints the ratios, so an
-- op that loses to PyTorch shows up even when no timed workload calls it.
-- Prints `OP name seconds` per op: the best over 7 tries of its mean over a few calls.
torch.manual_seed(0)
local x, y = torch.randn(256, 1024), torch.randn(256, 1024)
local positive = torch.rand(256, 1024) + 0.1
local labels = torch.randint(1, 1025, { 256 })
local F = torch.nn.functional
local ops = {
  { "add", function() return x + y end }, { "mul", function() return x * y end },
  { "div", function() return x / y end }, { "exp", function() return torch.exp(x) end },
  { "log", function() return torch.log(positive) end }, { "sqrt", function() return torch.sqrt(positive) end },
  { "sigmoid", function() return torch.sigmoid(x) end }, { "tanh", function() return torch.tanh(x) end },
  { "relu", function() return torch.relu(x) end }, { "gelu", function() return F.gelu(x) end },
  { "pow2", function() return x ^ 2 end }, { "pow3", function() return x ^ 3 end },
  { "abs", function() return torch.abs(x) end }, { "sin", function() return torch.sin(x) end },
  { "cos", function() return torch.cos(x) end }, { "clamp", function() return torch.clamp(x, -0.5, 0.5) end },
  { "where", function() return torch.where(x:gt(0), x, y) end }, { "gt", function() return x:gt(y) end },
  { "softmax", function() return torch.softmax(x, 2) end },
  { "log_softmax", function() return torch.log_softmax(x, 2) end },
  { "cross_entropy", function() return F.cross_entropy(x, labels) end },
  { "mse_loss", function() return F.mse_loss(x, y) end },
  { "sum", function() return x:sum() end }, { "sum_dim0", function() return x:sum(1) end },
  { "sum_dim1", function() return x:sum(2) end }, { "mean_dim1", function() return x:mean(2) end },
  { "var_dim1", function() return x:var(2) end }, { "norm", function() return x:norm() end },
  { "max_dim1", function() return x:max(2) end }, { "argmax_dim1", function() return x:argmax(2) end },
  { "max_dim0", function() return x:max(1) end }, { "cumsum_dim1", function() return x:cumsum(2) end },
  { "sort_dim1", function() return x:sort(2) end }, { "topk5_dim1", function() return x:topk(5, 2) end },
  { "transpose", function() return x:t():contiguous() end }, { "cat", function() return torch.cat({ x, y }, 1) end },
  { "rand", function() return torch.rand(256, 1024) end }, { "randn", function() return torch.randn(256, 1024) end },
}
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
for _, op in ipairs(ops) do
  print(string.format("OP %s %.4e", op[1], bench.best_time(op[2], 200)))
end
