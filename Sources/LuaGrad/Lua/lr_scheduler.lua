-- torch.optim.lr_scheduler: learning-rate schedules that follow PyTorch 2.15's
-- torch/optim/lr_scheduler.py, including its recursive (chainable) formulas, so that the
-- rates agree with PyTorch's to the last bit of a double.
--
--   local scheduler = optim.lr_scheduler.StepLR(opt, {step_size=30, gamma=0.1})
--   for epoch = 1, 100 do train(); scheduler:step() end
--   print(scheduler:get_last_lr()[1])
local torch = ...
local optim = torch.optim
local raise, pystr = optim._raise, optim._pystr

optim.lr_scheduler = optim.lr_scheduler or {}
local lr_scheduler = optim.lr_scheduler

-- MARK: - LRScheduler

--- optim.lr_scheduler.LRScheduler: the base class of the schedulers (StepLR, ExponentialLR, ...).
--- scheduler:step() after optimizer:step() sets each group's lr; get_last_lr(), state_dict().
local LRScheduler = {}
LRScheduler.__index = LRScheduler
LRScheduler.__name = "LRScheduler"
lr_scheduler.LRScheduler = LRScheduler

--- A scheduler class named `name`; `init(self, options)` reads its own options.
function LRScheduler:extend(name, init)
  local class = setmetatable({}, {
    __index = self,
    __call = function(c, optimizer, ...) return c.new(c, optimizer, ...) end,
  })
  class.__index = class
  class.__name = name
  class._init = init
  return class
end

local function is_optimizer(o)
  local mt = getmetatable(o)
  while mt ~= nil do
    if mt == optim.Optimizer then return true end
    local parent = getmetatable(mt)
    mt = parent and parent.__index
  end
  return false
end

-- Positional arguments after the optimizer, or one trailing keyword table.
local function options(names, ...)
  local n = select("#", ...)
  local last = select(n, ...)
  local opts = {}
  -- A table with string keys is the keyword table (LambdaLR's array of functions is not).
  if n >= 1 and type(last) == "table" and next(last) ~= nil and #last == 0 then
    for k, v in pairs(last) do
      if type(k) == "string" then opts[k] = v end
    end
    n = n - 1
  end
  for i = 1, n do
    local name = names[i]
    if name == nil then raise("too many positional arguments") end
    if opts[name] ~= nil then raise("got multiple values for argument '" .. name .. "'") end
    opts[name] = (select(i, ...))
  end
  return opts
end

function LRScheduler.new(class, optimizer, ...)
  if not is_optimizer(optimizer) then
    raise(type(optimizer) .. " is not an Optimizer")
  end
  local self = setmetatable({optimizer = optimizer}, class)
  local opts = options(class.positional or {}, ...)
  self.last_epoch = opts.last_epoch or -1
  opts.last_epoch = nil
  class._init(self, opts)
  for k in pairs(opts) do
    raise(class.__name .. "() got an unexpected keyword argument '" .. tostring(k) .. "'")
  end
  if self.last_epoch == -1 then
    for _, group in ipairs(optimizer.param_groups) do
      if group.initial_lr == nil then group.initial_lr = group.lr end
    end
  else
    for i, group in ipairs(optimizer.param_groups) do
      if group.initial_lr == nil then
        raise("param 'initial_lr' is not specified in param_groups[" .. (i - 1) .. "] when resuming scheduler with last_epoch >= 0.\n"
          .. "This typically happens when:\n"
          .. "1. You're trying to resume training from a checkpoint but haven't properly loaded the optimizer state\n"
          .. "2. You're using last_epoch >= 0 for a fresh training run (not recommended)")
      end
    end
  end
  self.base_lrs = {}
  for i, group in ipairs(optimizer.param_groups) do self.base_lrs[i] = group.initial_lr end
  -- The initial step, as `_initial_step`: sets the first rates.
  self._step_count = 0
  self._is_initial = true
  self:step()
  self._is_initial = false
  return self
end

--- Advances the schedule by one epoch and writes the new rates into the optimizer's groups.
function LRScheduler:step()
  self._step_count = self._step_count + 1
  self.last_epoch = self.last_epoch + 1
  local values = self:get_lr()
  for i, group in ipairs(self.optimizer.param_groups) do group.lr = values[i] end
  self._last_lr = {}
  for i, group in ipairs(self.optimizer.param_groups) do self._last_lr[i] = group.lr end
end

--- The rates the last `step()` set, one per parameter group.
function LRScheduler:get_last_lr()
  local out = {}
  for i, v in ipairs(self._last_lr) do out[i] = v end
  return out
end

--- The scheduler's fields except the optimizer (and functions), as PyTorch's `state_dict`.
function LRScheduler:state_dict()
  local out = {}
  for k, v in pairs(self) do
    if k ~= "optimizer" and type(v) ~= "function" then
      if type(v) == "table" then
        local copy = {}
        for i, x in pairs(v) do copy[i] = x end
        v = copy
      end
      out[k] = v
    end
  end
  return out
end

function LRScheduler:load_state_dict(state)
  for k, v in pairs(state) do self[k] = v end
end

function LRScheduler:__tostring()
  return "<torch.optim.lr_scheduler." .. self.__name .. ">"
end

local function current_lrs(self)
  local out = {}
  for i, group in ipairs(self.optimizer.param_groups) do out[i] = group.lr end
  return out
end

local function scaled_lrs(self, factor)
  local out = {}
  for i, group in ipairs(self.optimizer.param_groups) do out[i] = group.lr * factor end
  return out
end

local function check_number(value, name)
  if type(value) ~= "number" then raise(name .. " must be a number, got " .. type(value)) end
end

-- MARK: - Schedules

--- `StepLR(opt, step_size, gamma=0.1)`: multiplies the rate by `gamma` every `step_size` epochs.
lr_scheduler.StepLR = LRScheduler:extend("StepLR", function(self, o)
  if math.type(o.step_size) ~= "integer" then raise("StepLR(): step_size must be an integer, got " .. pystr(o.step_size)) end
  self.step_size, self.gamma = o.step_size, o.gamma or 0.1
  check_number(self.gamma, "gamma")
  o.step_size, o.gamma = nil, nil
end)
lr_scheduler.StepLR.positional = {"step_size", "gamma", "last_epoch"}

function lr_scheduler.StepLR:get_lr()
  if self.last_epoch == 0 or self.last_epoch % self.step_size ~= 0 then return current_lrs(self) end
  return scaled_lrs(self, self.gamma)
end

--- `ExponentialLR(opt, gamma)`: multiplies the rate by `gamma` every epoch.
lr_scheduler.ExponentialLR = LRScheduler:extend("ExponentialLR", function(self, o)
  check_number(o.gamma, "gamma")
  self.gamma = o.gamma
  o.gamma = nil
end)
lr_scheduler.ExponentialLR.positional = {"gamma", "last_epoch"}

function lr_scheduler.ExponentialLR:get_lr()
  if self._is_initial then return current_lrs(self) end
  return scaled_lrs(self, self.gamma)
end

--- `CosineAnnealingLR(opt, T_max, eta_min=0)`: PyTorch's recursive cosine formula.
lr_scheduler.CosineAnnealingLR = LRScheduler:extend("CosineAnnealingLR", function(self, o)
  check_number(o.T_max, "T_max")
  self.T_max, self.eta_min = o.T_max, o.eta_min or 0.0
  o.T_max, o.eta_min = nil, nil
end)
lr_scheduler.CosineAnnealingLR.positional = {"T_max", "eta_min", "last_epoch"}

function lr_scheduler.CosineAnnealingLR:get_lr()
  local T_max, eta_min, epoch = self.T_max, self.eta_min, self.last_epoch
  local out = {}
  if self._is_initial then return current_lrs(self) end
  for i, group in ipairs(self.optimizer.param_groups) do
    local base_lr = self.base_lrs[i]
    if self._step_count == 1 and epoch > 0 then
      out[i] = eta_min + (base_lr - eta_min) * (1 + math.cos(epoch * math.pi / T_max)) / 2
    elseif (epoch - 1 - T_max) % (2 * T_max) == 0 then
      out[i] = group.lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
    else
      out[i] = (1 + math.cos(math.pi * epoch / T_max)) / (1 + math.cos(math.pi * (epoch - 1) / T_max))
        * (group.lr - eta_min) + eta_min
    end
  end
  return out
end

--- `LambdaLR(opt, lr_lambda)`: the initial rate times `lr_lambda(epoch)` (one function, or
--- one per parameter group).
lr_scheduler.LambdaLR = LRScheduler:extend("LambdaLR", function(self, o)
  local f, n = o.lr_lambda, #self.optimizer.param_groups
  self.lr_lambdas = {}
  if type(f) == "table" then
    if #f ~= n then raise("Expected " .. n .. " lr_lambdas, but got " .. #f) end
    for i = 1, n do self.lr_lambdas[i] = f[i] end
  elseif type(f) == "function" then
    for i = 1, n do self.lr_lambdas[i] = f end
  else
    raise("LambdaLR(): lr_lambda must be a function or a table of functions, got " .. type(f))
  end
  o.lr_lambda = nil
end)
lr_scheduler.LambdaLR.positional = {"lr_lambda", "last_epoch"}

function lr_scheduler.LambdaLR:get_lr()
  local out = {}
  for i, base_lr in ipairs(self.base_lrs) do out[i] = base_lr * self.lr_lambdas[i](self.last_epoch) end
  return out
end

return lr_scheduler
