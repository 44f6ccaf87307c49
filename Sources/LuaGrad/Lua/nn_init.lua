-- torch.nn.init: PyTorch's parameter initialisations (torch/nn/init.py), drawing exactly what
-- PyTorch draws after the same seed. They fill a tensor in place without recording a graph
-- (under no_grad, as PyTorch's) and return it. Arguments are PyTorch's, positional or in a
-- trailing keyword table: `nn.init.kaiming_uniform_(w, {a = math.sqrt(5)})`.
-- Run when the torch module opens; receives the module.
local torch = ...
torch.nn = torch.nn or {}
local init = {}
torch.nn.init = init

-- MARK: arguments

-- The arguments after the tensor as named values: positional ones in `names` order, then the
-- keys of a trailing keyword table. Unknown keywords are PyTorch's TypeError text.
local function arguments(fname, names, ...)
  local n = select("#", ...)
  local values = { ... }
  local out = {}
  local last = values[n]
  if n > 0 and type(last) == "table" and not torch.is_tensor(last) then
    n = n - 1
    for key, v in pairs(last) do
      local known = false
      for _, name in ipairs(names) do known = known or name == key end
      if not known then
        error(string.format("%s() got an unexpected keyword argument '%s'", fname, tostring(key)), 3)
      end
      out[key] = v
    end
  end
  if n > #names then
    error(string.format("%s() takes at most %d arguments after the tensor (%d given)", fname, #names, n), 3)
  end
  for i = 1, n do
    if values[i] ~= nil then out[names[i]] = values[i] end
  end
  return out
end

local function check_tensor(fname, tensor)
  if not torch.is_tensor(tensor) then
    error(string.format("bad argument #1 to '%s' (Tensor expected, got %s)", fname, type(tensor)), 3)
  end
end

-- Runs `fill(tensor)` with gradient recording off and returns the tensor.
local function no_grad_fill(tensor, fill)
  torch.no_grad(function() fill(tensor) end)
  return tensor
end

-- MARK: gains and fans

--- nn.init.calculate_gain(nonlinearity, param=nil) -> number
--- The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
function init.calculate_gain(nonlinearity, param)
  local linear = {
    linear = true, conv1d = true, conv2d = true, conv3d = true,
    conv_transpose1d = true, conv_transpose2d = true, conv_transpose3d = true, sigmoid = true,
  }
  if linear[nonlinearity] then
    return 1
  elseif nonlinearity == "tanh" then
    return 5.0 / 3
  elseif nonlinearity == "relu" then
    return math.sqrt(2.0)
  elseif nonlinearity == "leaky_relu" then
    local slope
    if param == nil then
      slope = 0.01
    elseif type(param) == "number" then
      slope = param
    else
      error(string.format("negative_slope %s not a valid number", tostring(param)), 2)
    end
    return math.sqrt(2.0 / (1 + slope ^ 2))
  elseif nonlinearity == "selu" then
    return 3.0 / 4
  end
  error(string.format("Unsupported nonlinearity %s", tostring(nonlinearity)), 2)
end

-- fan_in and fan_out of a weight (torch/nn/init.py `_calculate_fan_in_and_fan_out`): dim 2 is
-- the input feature maps, dim 1 the output ones, times the receptive field of dims 3.. .
local function fans(tensor, level)
  local shape = tensor.shape
  if #shape < 2 then
    error("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", level + 1)
  end
  local receptive = 1
  for i = 3, #shape do receptive = receptive * shape[i] end
  return shape[2] * receptive, shape[1] * receptive
end

local function correct_fan(tensor, mode, level)
  local lowered = string.lower(mode)
  if lowered ~= "fan_in" and lowered ~= "fan_out" then
    error(string.format("Mode %s not supported, please use one of ['fan_in', 'fan_out']", mode), level + 1)
  end
  local fan_in, fan_out = fans(tensor, level + 1)
  return lowered == "fan_in" and fan_in or fan_out
end

--- nn.init._calculate_fan_in_and_fan_out(tensor) -> fan_in, fan_out
--- fan_in and fan_out of a weight tensor, as PyTorch's private helper computes them.
function init._calculate_fan_in_and_fan_out(tensor)
  check_tensor("_calculate_fan_in_and_fan_out", tensor)
  return fans(tensor, 2)
end

-- MARK: fills

--- nn.init.uniform_(tensor, a=0, b=1) -> tensor
--- Fills `tensor` with uniform draws in [a, b).
function init.uniform_(tensor, ...)
  check_tensor("uniform_", tensor)
  local o = arguments("uniform_", { "a", "b" }, ...)
  return no_grad_fill(tensor, function(t) t:uniform_(o.a or 0.0, o.b or 1.0) end)
end

--- nn.init.normal_(tensor, mean=0, std=1) -> tensor
--- Fills `tensor` with normal draws of mean `mean` and standard deviation `std`.
function init.normal_(tensor, ...)
  check_tensor("normal_", tensor)
  local o = arguments("normal_", { "mean", "std" }, ...)
  return no_grad_fill(tensor, function(t) t:normal_(o.mean or 0.0, o.std or 1.0) end)
end

--- nn.init.constant_(tensor, val) -> tensor
--- Fills `tensor` with `val`.
function init.constant_(tensor, ...)
  check_tensor("constant_", tensor)
  local o = arguments("constant_", { "val" }, ...)
  if o.val == nil then error("constant_() missing 1 required positional argument: 'val'", 2) end
  return no_grad_fill(tensor, function(t) t:fill_(o.val) end)
end

--- nn.init.ones_(tensor) -> tensor
--- Fills `tensor` with ones.
function init.ones_(tensor)
  check_tensor("ones_", tensor)
  return no_grad_fill(tensor, function(t) t:fill_(1.0) end)
end

--- nn.init.zeros_(tensor) -> tensor
--- Fills `tensor` with zeros.
function init.zeros_(tensor)
  check_tensor("zeros_", tensor)
  return no_grad_fill(tensor, function(t) t:zero_() end)
end

--- nn.init.xavier_uniform_(tensor, gain=1) -> tensor
--- Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
function init.xavier_uniform_(tensor, ...)
  check_tensor("xavier_uniform_", tensor)
  local o = arguments("xavier_uniform_", { "gain" }, ...)
  local fan_in, fan_out = fans(tensor, 2)
  local std = (o.gain or 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
  local a = math.sqrt(3.0) * std
  return no_grad_fill(tensor, function(t) t:uniform_(-a, a) end)
end

--- nn.init.xavier_normal_(tensor, gain=1) -> tensor
--- Glorot/Xavier normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
function init.xavier_normal_(tensor, ...)
  check_tensor("xavier_normal_", tensor)
  local o = arguments("xavier_normal_", { "gain" }, ...)
  local fan_in, fan_out = fans(tensor, 2)
  local std = (o.gain or 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
  return no_grad_fill(tensor, function(t) t:normal_(0.0, std) end)
end

-- The standard deviation of He/Kaiming initialisation; nil for a tensor with no elements
-- (PyTorch warns and leaves it as it is).
local function kaiming_std(fname, tensor, ...)
  check_tensor(fname, tensor)
  local o = arguments(fname, { "a", "mode", "nonlinearity" }, ...)
  if tensor:numel() == 0 then return nil end
  local fan = correct_fan(tensor, o.mode or "fan_in", 3)
  local ok, gain = pcall(init.calculate_gain, o.nonlinearity or "leaky_relu", o.a or 0)
  if not ok then error(gain, 3) end
  return gain / math.sqrt(fan)
end

--- nn.init.kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu") -> tensor
--- He/Kaiming uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan).
function init.kaiming_uniform_(tensor, ...)
  local std = kaiming_std("kaiming_uniform_", tensor, ...)
  if std == nil then return tensor end
  local bound = math.sqrt(3.0) * std
  return no_grad_fill(tensor, function(t) t:uniform_(-bound, bound) end)
end

--- nn.init.kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu") -> tensor
--- He/Kaiming normal: N(0, std^2) with std = gain / sqrt(fan).
function init.kaiming_normal_(tensor, ...)
  local std = kaiming_std("kaiming_normal_", tensor, ...)
  if std == nil then return tensor end
  return no_grad_fill(tensor, function(t) t:normal_(0, std) end)
end

return init
