-- torch.nn.functional: PyTorch's functional API with PyTorch's arguments (a trailing keyword
-- table for the options, `reduction` strings, dims 1-based as everywhere in Lua) over the op
-- table's ops. Ops PyTorch keeps out of `torch` are bound in `torch._C._nn` (as PyTorch's are)
-- and wrapped here; the rest (`relu`, `softmax`, `dropout`) call `torch.*`.
-- Class labels are 1-based: label 1 is the first class (docs/training.md).
-- Run when the torch module opens; receives the module.
local torch = ...
torch.nn = torch.nn or {}
local F = {}
torch.nn.functional = F
local nn = torch._C._nn

-- MARK: arguments

-- The keyword table `opts` (or an empty one), checked against the names `fname` accepts.
-- Errors point at the script line that called the public function (`level` 3 from here).
local function options(fname, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" or torch.is_tensor(opts) then
    error(string.format("%s(): options must be a table of keyword arguments, got %s", fname, type(opts)), 3)
  end
  for key in pairs(opts) do
    if not allowed[key] then
      error(string.format("%s() got an unexpected keyword argument '%s'", fname, tostring(key)), 3)
    end
  end
  return opts
end

-- PyTorch's `_Reduction.get_enum`: the op's reduction code for a reduction string.
local reductions = { none = 0, mean = 1, sum = 2, elementwise_mean = 1 }
local function reduction_enum(reduction)
  if reduction == nil then return 1 end
  local code = reductions[reduction]
  if code == nil then error(string.format("%s is not a valid value for reduction", tostring(reduction)), 3) end
  return code
end

-- Calls an op; an error it raises is re-raised at the script line that called the public
-- function (the op's own position would be this file's). Call it as `return (run(...))`: a
-- tail call would drop the public function's frame from the count.
local function run(f, ...)
  local ok, result = pcall(f, ...)
  if not ok then error(result, 3) end
  return result
end

-- The dim softmax picks when none is given (PyTorch's `_get_softmax_dim`), 1-based.
local function softmax_dim(input)
  local ndim = input:dim()
  return (ndim == 0 or ndim == 1 or ndim == 3) and 1 or 2
end

-- MARK: linear maps and activations

--- F.linear(input, weight, bias=nil) -> Tensor
--- `input @ weight^T + bias` (bias optional); records AddmmBackward0 for 2-d inputs.
function F.linear(input, weight, bias)
  return (run(nn.linear, input, weight, bias))
end

--- F.relu(input) -> Tensor
--- max(x, 0).
function F.relu(input) return (run(torch.relu, input)) end

--- F.sigmoid(input) -> Tensor
--- 1 / (1 + exp(-x)).
function F.sigmoid(input) return (run(torch.sigmoid, input)) end

--- F.tanh(input) -> Tensor
--- The hyperbolic tangent.
function F.tanh(input) return (run(torch.tanh, input)) end

--- x where x > 0, negative_slope * x elsewhere: `F.leaky_relu(x, 0.2)` or
--- `F.leaky_relu(x, {negative_slope = 0.2})` (default 0.01).
function F.leaky_relu(input, negative_slope, opts)
  if type(negative_slope) == "table" then negative_slope, opts = negative_slope.negative_slope, negative_slope end
  options("leaky_relu", opts, { negative_slope = true })
  return (run(nn.leaky_relu, input, negative_slope or 0.01))
end

--- x Φ(x) (Φ the standard normal CDF); `{approximate = "tanh"}` uses PyTorch's tanh form.
function F.gelu(input, opts)
  local o = options("gelu", opts, { approximate = true })
  return (run(nn.gelu, input, o.approximate or "none"))
end

--- F.softmax(input, dim=nil, {dtype=nil}) -> Tensor
--- softmax along `dim` (1-based; PyTorch's implicit choice when nil), in `dtype` when given.
function F.softmax(input, dim, opts)
  if type(dim) == "table" then dim, opts = dim.dim, dim end
  local o = options("softmax", opts, { dim = true, dtype = true })
  return (run(torch.softmax, input, dim or softmax_dim(input), { dtype = o.dtype }))
end

--- F.log_softmax(input, dim=nil, {dtype=nil}) -> Tensor
--- log(softmax(x)) along `dim` (1-based; PyTorch's implicit choice when nil).
function F.log_softmax(input, dim, opts)
  if type(dim) == "table" then dim, opts = dim.dim, dim end
  local o = options("log_softmax", opts, { dim = true, dtype = true })
  return (run(torch.log_softmax, input, dim or softmax_dim(input), { dtype = o.dtype }))
end

--- F.dropout(input, {p=0.5, training=true, inplace=false}) -> Tensor
--- Zeroes each element with probability `p` and scales the rest by 1 / (1 - p) when
--- `training` (default true), drawing PyTorch's mask: `F.dropout(x, {p = 0.5})`. PyTorch's
--- positional form works too: `F.dropout(x, 0.5, self.training)`.
function F.dropout(input, p, opts, inplace)
  if type(p) == "table" then p, opts = p.p, p end
  if type(opts) == "boolean" then opts = { training = opts, inplace = inplace } end
  local o = options("dropout", opts, { p = true, training = true, inplace = true })
  p = p or 0.5
  if type(p) ~= "number" or p < 0 or p > 1 then
    error(string.format("dropout probability has to be between 0 and 1, but got %s", tostring(p)), 2)
  end
  local training = o.training ~= false
  if not torch.is_tensor(input) then
    error(string.format("bad argument #1 to 'dropout' (Tensor expected, got %s)", type(input)), 2)
  end
  if not training or p == 0 or input:numel() == 0 then return input end
  -- PyTorch's _dropout_impl: a Bernoulli(1 - p) mask scaled by 1 / (1 - p), then a product
  -- (MulBackward0).
  local noise
  if p == 1 then
    noise = torch.zeros({}, { dtype = input.dtype })
  else
    noise = torch.empty_like(input):bernoulli_(1 - p)
    noise:div_(1 - p)
  end
  if o.inplace then return (run(input.mul_, input, noise)) end
  return (run(torch.mul, input, noise))
end

-- MARK: labels

--- F.one_hot(labels, num_classes=-1) -> Tensor
--- One-hot rows (int64) for 1-based class labels: `F.one_hot(torch.tensor{1, 3}, 3)` is
--- {{1, 0, 0}, {0, 0, 1}}. `num_classes` -1 (the default) is the largest label.
--- PyTorch's messages, with labels counted from 1: "Class values must be positive." (PyTorch:
--- non-negative) and "Class values must not exceed num_classes." (PyTorch: smaller than).
function F.one_hot(labels, num_classes)
  if not torch.is_tensor(labels) or labels.dtype ~= torch.int64 then
    error("one_hot is only applicable to index tensor of type LongTensor.", 2)
  end
  num_classes = num_classes or -1
  if labels:numel() == 0 then
    if num_classes == -1 then error("Can not infer total number of classes from empty tensor.", 2) end
  else
    if labels:min():item() < 1 then error("Class values must be positive.", 2) end
    local largest = labels:max():item()
    if num_classes == -1 then
      num_classes = largest
    elseif largest > num_classes then
      error("Class values must not exceed num_classes.", 2)
    end
  end
  local shape = {}
  for i, n in ipairs(labels.shape) do shape[i] = n end
  shape[#shape + 1] = num_classes
  local out = torch.zeros(shape, { dtype = torch.int64 })
  if labels:numel() == 0 then return out end
  return out:scatter_(-1, labels:unsqueeze(-1), 1)
end

-- MARK: losses

--- F.mse_loss(input, target, {reduction="mean"}) -> Tensor
--- The mean (or sum, or each) of the squared differences.
function F.mse_loss(input, target, opts)
  local o = options("mse_loss", opts, { reduction = true })
  return (run(nn.mse_loss, input, target, reduction_enum(o.reduction)))
end

--- F.l1_loss(input, target, {reduction="mean"}) -> Tensor
--- The mean (or sum, or each) of the absolute differences (composed, as PyTorch's).
function F.l1_loss(input, target, opts)
  local o = options("l1_loss", opts, { reduction = true })
  local code = reduction_enum(o.reduction)
  local diff = run(torch.abs, run(torch.sub, input, target))
  if code == 0 then return diff end
  return (run(code == 1 and torch.mean or torch.sum, diff))
end

--- The Huber loss: 0.5 z^2 where z = |input - target| < delta (default 1), delta (z - 0.5 delta)
--- elsewhere, reduced by `reduction`.
function F.huber_loss(input, target, opts)
  local o = options("huber_loss", opts, { reduction = true, delta = true })
  return (run(nn.huber_loss, input, target, reduction_enum(o.reduction), o.delta or 1.0))
end

--- The binary cross entropy of probabilities `input` (in [0, 1]) against `target`, times
--- `weight` when given.
function F.binary_cross_entropy(input, target, opts)
  local o = options("binary_cross_entropy", opts, { weight = true, reduction = true })
  return (run(nn.binary_cross_entropy, input, target, o.weight, reduction_enum(o.reduction)))
end

--- The binary cross entropy of sigmoid(input), computed stably from the logits; `weight`
--- weighs each element, `pos_weight` the positive term.
function F.binary_cross_entropy_with_logits(input, target, opts)
  local o = options("binary_cross_entropy_with_logits", opts, { weight = true, pos_weight = true, reduction = true })
  return (run(torch.binary_cross_entropy_with_logits, input, target, o.weight, o.pos_weight,
    reduction_enum(o.reduction)))
end

--- F.nll_loss(input, target, {weight=nil, ignore_index=-100, reduction="mean"}) -> Tensor
--- The negative log likelihood of 1-based class labels under log-probabilities `input`
--- ((C) or (N, C)); targets equal to `ignore_index` (default -100) count for nothing.
function F.nll_loss(input, target, opts)
  local o = options("nll_loss", opts, { weight = true, ignore_index = true, reduction = true })
  return (run(nn.nll_loss, input, target, o.weight, reduction_enum(o.reduction), o.ignore_index or -100))
end

--- F.cross_entropy(input, target, {weight=nil, ignore_index=-100, reduction="mean", label_smoothing=0}) -> Tensor
--- The cross entropy of logits `input` against 1-based class labels or class probabilities,
--- with `weight`, `ignore_index` (default -100), `reduction` and `label_smoothing`.
function F.cross_entropy(input, target, opts)
  local o = options("cross_entropy", opts,
    { weight = true, ignore_index = true, reduction = true, label_smoothing = true })
  return (run(nn.cross_entropy_loss, input, target, o.weight, reduction_enum(o.reduction),
    o.ignore_index or -100, o.label_smoothing or 0.0))
end

return F
