-- torch.nn's layers: Linear, LazyLinear, Identity, Flatten, the activations and Dropout
-- (torch/nn/modules/linear.py, flatten.py, activation.py, dropout.py). Forwards are tensor
-- methods where the op exists (relu, tanh, softmax, ...) and torch.nn.functional otherwise;
-- initialisation (torch.nn.init) draws what PyTorch draws, in the same order.
local torch = ...
local nn = torch.nn
local Module = nn.Module
local python_number = nn._python_number

local F = torch.nn.functional -- nn_functional.lua runs first (LuaLibrary.extensions)

-- The trailing options table of a constructor, or {}.
local function options_of(value)
  return type(value) == "table" and value or {}
end

local function check_positive_size(name, value, level)
  if math.type(value) ~= "integer" or value < 0 then
    error(string.format("%s must be a non-negative integer, got %s", name, tostring(value)), level + 1)
  end
end

-- MARK: Linear

--- `nn.Linear(in_features, out_features, {bias=true, dtype=torch.float32})`: y = x Wᵀ + b,
--- W of shape (out, in) drawn by kaiming_uniform_(a=√5), b by uniform_(±1/√in), as PyTorch.
local Linear = Module:extend("Linear")
nn.Linear = Linear

function Linear:__init(in_features, out_features, options)
  check_positive_size("in_features", in_features, 3)
  check_positive_size("out_features", out_features, 3)
  local bias = true
  if type(options) == "boolean" then bias = options
  elseif type(options) == "table" and options.bias ~= nil then bias = options.bias end
  local dtype = options_of(options).dtype
  self.in_features, self.out_features = in_features, out_features
  self.weight = nn.Parameter(torch.empty({ out_features, in_features, dtype = dtype }))
  if bias then self.bias = nn.Parameter(torch.empty({ out_features, dtype = dtype })) end
  self:reset_parameters()
end

--- Draws the weight and bias again, exactly as PyTorch's reset_parameters.
function Linear:reset_parameters()
  local init = torch.nn.init
  init.kaiming_uniform_(self.weight, { a = math.sqrt(5) })
  if self.bias ~= nil then
    local fan_in = self.weight.shape[2]
    local bound = fan_in > 0 and 1 / math.sqrt(fan_in) or 0
    init.uniform_(self.bias, -bound, bound)
  end
end

-- PyTorch's matmul message for an input whose last dim is not in_features (`addmm:` with a
-- bias, `mm:` without; the leading dims count as rows), raised at the user's line (through
-- any containers) rather than inside this file.
local function check_input(self, input)
  if not torch.is_tensor(input) then
    nn._error("linear(): argument 'input' must be Tensor, not " .. type(input))
  end
  local shape = input.shape
  local n = #shape
  local out_features, in_features = self.weight.shape[1], self.weight.shape[2]
  if n == 0 or shape[n] == in_features then return end
  local rows = 1
  for i = 1, n - 1 do rows = rows * shape[i] end
  nn._error(string.format("%s: mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)",
    self.bias ~= nil and "addmm" or "mm", rows, shape[n], in_features, out_features))
end

function Linear:forward(input)
  check_input(self, input)
  return F.linear(input, self.weight, self.bias)
end

function Linear:extra_repr()
  return string.format("in_features=%d, out_features=%d, bias=%s", self.in_features,
    self.out_features, self.bias ~= nil and "True" or "False")
end

--- `nn.LazyLinear(out_features, {bias=true})`: a Linear whose in_features is the last dim of
--- its first input; the first call draws the parameters (as Linear would) and the module
--- becomes a Linear. Its parameters exist only after that call: run one batch through the
--- model before making the optimizer (PyTorch's "dry run").
local LazyLinear = Module:extend("LazyLinear")
nn.LazyLinear = LazyLinear

function LazyLinear:__init(out_features, options)
  check_positive_size("out_features", out_features, 3)
  local bias = true
  if type(options) == "boolean" then bias = options
  elseif type(options) == "table" and options.bias ~= nil then bias = options.bias end
  self.in_features, self.out_features = 0, out_features
  self._pending_bias, self._pending_dtype = bias, options_of(options).dtype
end

function LazyLinear:forward(input)
  if not torch.is_tensor(input) then
    nn._error("linear(): argument 'input' must be Tensor, not " .. type(input))
  end
  if input.ndim == 0 then nn._error("LazyLinear: the input must have at least one dimension") end
  local bias, dtype = self._pending_bias, self._pending_dtype
  self._pending_bias, self._pending_dtype = nil, nil
  self.in_features = input.shape[input.ndim]
  self.weight = nn.Parameter(torch.empty({ self.out_features, self.in_features, dtype = dtype }))
  if bias then self.bias = nn.Parameter(torch.empty({ self.out_features, dtype = dtype })) end
  setmetatable(self, Linear)
  self:reset_parameters()
  return self:forward(input)
end

function LazyLinear:extra_repr()
  return string.format("in_features=%d, out_features=%d, bias=%s", self.in_features,
    self.out_features, self._pending_bias and "True" or "False")
end

-- MARK: Shape

--- `nn.Identity()`: returns its input (any constructor arguments are ignored, as PyTorch).
local Identity = Module:extend("Identity")
nn.Identity = Identity
function Identity:forward(input) return input end

--- `nn.Flatten(start_dim=2, end_dim=-1)`: flattens dims start_dim..end_dim (Lua's 1-based
--- dims; PyTorch's default start_dim=1 is 2 here, keeping the batch dim).
local Flatten = Module:extend("Flatten")
nn.Flatten = Flatten

function Flatten:__init(start_dim, end_dim)
  if type(start_dim) == "table" then start_dim, end_dim = start_dim.start_dim, start_dim.end_dim end
  self.start_dim, self.end_dim = start_dim or 2, end_dim or -1
end

function Flatten:forward(input) return input:flatten(self.start_dim, self.end_dim) end

function Flatten:extra_repr()
  return string.format("start_dim=%d, end_dim=%d", self.start_dim, self.end_dim)
end

-- MARK: Activations

-- An activation module with no parameters: `forward` applies `apply(self, input)`.
local function activation(name, apply, extra_repr)
  local class = Module:extend(name)
  nn[name] = class
  class.forward = apply
  if extra_repr then class.extra_repr = extra_repr end
  return class
end

local function inplace_option(value)
  if type(value) == "table" then return value.inplace == true end
  return value == true
end

--- nn.ReLU(inplace=false): max(x, 0) elementwise.
local ReLU = activation("ReLU", function(self, input)
  if self.inplace then return input:relu_() end
  return input:relu()
end, function(self) return self.inplace and "inplace=True" or "" end)
function ReLU:__init(inplace) self.inplace = inplace_option(inplace) end

--- nn.LeakyReLU(negative_slope=0.01, inplace=false): x for x >= 0, negative_slope * x below.
local LeakyReLU = activation("LeakyReLU", function(self, input)
  return F.leaky_relu(input, { negative_slope = self.negative_slope })
end, function(self)
  return "negative_slope=" .. python_number(self.negative_slope) .. (self.inplace and ", inplace=True" or "")
end)
function LeakyReLU:__init(negative_slope, inplace)
  if type(negative_slope) == "table" then
    negative_slope, inplace = negative_slope.negative_slope, negative_slope.inplace
  end
  self.negative_slope = negative_slope or 0.01
  self.inplace = inplace == true
end

--- nn.GELU(approximate="none"): x Φ(x) (approximate="tanh": PyTorch's tanh approximation).
local GELU = activation("GELU", function(self, input)
  return F.gelu(input, { approximate = self.approximate })
end, function(self) return "approximate='" .. self.approximate .. "'" end)
function GELU:__init(approximate)
  if type(approximate) == "table" then approximate = approximate.approximate end
  approximate = approximate or "none"
  if approximate ~= "none" and approximate ~= "tanh" then
    error("approximate argument must be either none or tanh.", 3)
  end
  self.approximate = approximate
end

--- nn.Sigmoid(): 1 / (1 + exp(-x)) elementwise.
activation("Sigmoid", function(_, input) return input:sigmoid() end)
--- nn.Tanh(): the hyperbolic tangent elementwise.
activation("Tanh", function(_, input) return input:tanh() end)

-- PyTorch's implicit softmax dim (dim=None): the first dim for 0-, 1- and 3-d inputs, else the
-- second (1-based here).
local function softmax_dim(self, input)
  if self.dim ~= nil then return self.dim end
  local n = input.ndim
  return (n == 0 or n == 1 or n == 3) and 1 or 2
end

local function dim_repr(self)
  return "dim=" .. (self.dim == nil and "None" or tostring(self.dim))
end

local function dim_init(self, dim)
  if type(dim) == "table" then dim = dim.dim end
  self.dim = dim
end

--- nn.Softmax(dim=nil): softmax along dim (1-based; PyTorch's implicit choice when nil).
local Softmax = activation("Softmax", function(self, input)
  return input:softmax(softmax_dim(self, input))
end, dim_repr)
Softmax.__init = dim_init

--- nn.LogSoftmax(dim=nil): log(softmax(x)) along dim (1-based; PyTorch's implicit choice when nil).
local LogSoftmax = activation("LogSoftmax", function(self, input)
  return input:log_softmax(softmax_dim(self, input))
end, dim_repr)
LogSoftmax.__init = dim_init

-- MARK: Dropout

--- `nn.Dropout(p=0.5)`: in training mode zeroes each element with probability p and scales
--- the rest by 1/(1-p) (PyTorch's mask draws); the identity in eval mode.
local Dropout = activation("Dropout", function(self, input)
  return F.dropout(input, { p = self.p, training = self.training, inplace = self.inplace })
end, function(self)
  return "p=" .. python_number(self.p) .. ", inplace=" .. (self.inplace and "True" or "False")
end)

function Dropout:__init(p, inplace)
  if type(p) == "table" then p, inplace = p.p, p.inplace end
  if p == nil then p = 0.5 end
  if type(p) ~= "number" or p < 0 or p > 1 then
    error("dropout probability has to be between 0 and 1, but got " .. tostring(p), 3)
  end
  self.p, self.inplace = p, inplace == true
end
