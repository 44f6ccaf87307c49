-- torch.optim: optimizers that follow PyTorch 2.15's CPU single-tensor code line by line
-- (torch/optim/sgd.py `_single_tensor_sgd`, adam.py `_single_tensor_adam`, rmsprop.py,
-- adagrad.py), with the same in-place ops in the same order, so a seeded Lua script's
-- trajectory agrees with its PyTorch twin to rounding.
--
-- An optimizer holds `param_groups` (an array of tables: `params` plus the hyper-parameters,
-- `param_groups[1].lr` is the first group's learning rate) and `state` (per-parameter tables
-- keyed by the parameter tensor). `state_dict()` uses PyTorch's layout, parameters numbered
-- from 0 in the order of the groups, so a dict interchanges with PyTorch's files:
--   { state = { [0] = {step = tensor(3.), exp_avg = ..., ...}, ... },
--     param_groups = { {lr = 0.1, ..., params = {0, 1}}, ... } }
local torch = ...

torch.optim = torch.optim or {}
local optim = torch.optim

-- MARK: - Errors

-- Raises `message` at the first stack frame outside LuaGrad's own Lua files: the user's line.
local function raise(message)
  local level = 2
  while true do
    local info = debug.getinfo(level, "S")
    if info == nil then break end
    if info.what ~= "C" and not info.source:find("^@luagrad/") then break end
    level = level + 1
  end
  error(message, level)
end
optim._raise = raise

-- Python's `str(value)` for numbers in messages (`-0.1`, `1e-08`, `True`).
local function pystr(v)
  if type(v) == "boolean" then return v and "True" or "False" end
  if math.type(v) == "float" then
    if v == math.floor(v) and math.abs(v) < 1e16 then return string.format("%.1f", v) end
    local s = string.format("%.17g", v)
    for digits = 1, 17 do
      local short = string.format("%." .. digits .. "g", v)
      if tonumber(short) == v then s = short; break end
    end
    -- Python writes exponents with at least two digits: 1e-08.
    return (s:gsub("e([-+])(%d)$", "e%10%2"))
  end
  return tostring(v)
end
optim._pystr = pystr

-- MARK: - Optimizer

--- optim.Optimizer: the base class of the optimizers (SGD, Adam, ...): zero_grad(), step(closure),
--- add_param_group(group), state_dict(), load_state_dict(sd), in PyTorch's layout.
local Optimizer = {}
Optimizer.__index = Optimizer
Optimizer.__name = "Optimizer"
optim.Optimizer = Optimizer

--- A subclass named `name` with the hyper-parameter `defaults`; calling it builds an optimizer.
function Optimizer:extend(name, defaults)
  local class = setmetatable({}, {__index = self, __call = function(c, ...) return c.new(c, ...) end})
  class.__index = class
  class.__name = name
  class.__tostring = self.__tostring
  class.defaults_template = defaults
  return class
end

local function is_tensor(v) return torch.is_tensor(v) end

--- Builds an optimizer over `params` (an array of tensors, or of group tables) with the
--- keyword table `options` overriding the class defaults.
function Optimizer.new(class, params, options)
  local self = setmetatable({}, class)
  local defaults = {}
  for k, v in pairs(class.defaults_template) do defaults[k] = v end
  for k, v in pairs(options or {}) do
    if defaults[k] == nil then raise(class.__name .. "() got an unexpected keyword argument '" .. tostring(k) .. "'") end
    defaults[k] = v
  end
  self.defaults = defaults
  self.state = {}
  self.param_groups = {}
  if is_tensor(params) then
    raise("params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.Tensor")
  end
  if type(params) ~= "table" then
    raise("params argument given to the optimizer should be an iterable of Tensors or dicts, but got " .. type(params))
  end
  if #params == 0 then raise("optimizer got an empty parameter list") end
  local groups = params
  if is_tensor(params[1]) or type(params[1]) ~= "table" or params[1].params == nil then groups = {{params = params}} end
  self:_check_hyperparameters(defaults)
  for _, group in ipairs(groups) do self:add_param_group(group) end
  if self._init_state then self:_init_state() end
  return self
end

--- Adds a group of parameters (a table with `params` and optional hyper-parameters).
function Optimizer:add_param_group(group)
  if type(group) ~= "table" or is_tensor(group) then
    raise("param_group must be a dict, but got " .. (is_tensor(group) and "Tensor" or type(group)))
  end
  local params = group.params
  local list = {}
  if is_tensor(params) then
    list = {params}
  elseif type(params) == "table" then
    for i = 1, #params do list[i] = params[i] end
  else
    raise("optimizer can only optimize Tensors, but one of the params is " .. type(params))
  end
  for _, p in ipairs(list) do
    if not is_tensor(p) then
      raise("optimizer can only optimize Tensors, but one of the params is " .. type(p))
    end
    if not p.is_leaf then raise("can't optimize a non-leaf Tensor") end
  end
  local g = {params = list}
  for k, v in pairs(group) do if k ~= "params" then g[k] = v end end
  for k, v in pairs(self.defaults) do if g[k] == nil then g[k] = v end end
  local seen = {}
  for _, existing in ipairs(self.param_groups) do
    for _, p in ipairs(existing.params) do seen[p] = true end
  end
  for _, p in ipairs(list) do
    if seen[p] then raise("some parameters appear in more than one parameter group") end
  end
  self.param_groups[#self.param_groups + 1] = g
end

--- Resets the gradients of every parameter: to nil (the default), or to zeros.
function Optimizer:zero_grad(set_to_none)
  for _, group in ipairs(self.param_groups) do torch.nn._zero_grads(group.params, set_to_none) end
end

--- One optimization step. With a `closure` (a function that recomputes the loss and its
--- gradients), runs it with grad enabled first and returns its loss.
function Optimizer:step(closure)
  local loss
  if closure ~= nil then
    if type(closure) ~= "function" then raise("step(): closure must be a function, got " .. type(closure)) end
    local guard <close> = torch.enable_grad()
    loss = closure()
  end
  local guard <close> = torch.no_grad()
  for _, group in ipairs(self.param_groups) do
    self:_update_group(group)
  end
  return loss
end

-- MARK: - State dicts

local function copy_value(v)
  if is_tensor(v) then return v end
  if type(v) == "table" then
    local t = {}
    for k, x in pairs(v) do t[k] = copy_value(x) end
    return t
  end
  return v
end

--- The optimizer's state in PyTorch's layout (see the top of this file). Tensors are shared
--- with the optimizer, as PyTorch's are.
function Optimizer:state_dict()
  local index, next_index = {}, 0
  local groups = {}
  for g, group in ipairs(self.param_groups) do
    local packed = {}
    for k, v in pairs(group) do if k ~= "params" then packed[k] = copy_value(v) end end
    local ids = {}
    for i, p in ipairs(group.params) do
      if index[p] == nil then index[p] = next_index; next_index = next_index + 1 end
      ids[i] = index[p]
    end
    packed.params = ids
    groups[g] = packed
  end
  local state = {}
  for p, s in pairs(self.state) do
    if index[p] ~= nil then state[index[p]] = copy_value(s) end
  end
  return {state = state, param_groups = groups}
end

--- Loads a dict made by `state_dict()` (here or by PyTorch), with PyTorch's checks.
function Optimizer:load_state_dict(state_dict)
  if type(state_dict) ~= "table" or type(state_dict.param_groups) ~= "table" then
    raise("load_state_dict(): expected a table with 'state' and 'param_groups'")
  end
  local saved_groups = state_dict.param_groups
  if #saved_groups ~= #self.param_groups then
    raise("loaded state dict has a different number of parameter groups")
  end
  for g, group in ipairs(self.param_groups) do
    local saved = saved_groups[g]
    if type(saved) ~= "table" or type(saved.params) ~= "table" or #saved.params ~= #group.params then
      raise("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
    end
  end
  local state = {}
  local saved_state = state_dict.state or {}
  for g, group in ipairs(self.param_groups) do
    for i, p in ipairs(group.params) do
      local s = saved_state[saved_groups[g].params[i]]
      if s ~= nil then
        local cast = {}
        for k, v in pairs(s) do
          -- As PyTorch: `step` stays as it is; other tensors take the parameter's dtype.
          if is_tensor(v) and k ~= "step" and p.dtype.is_floating_point then
            cast[k] = v:to(p.dtype):clone()
          elseif is_tensor(v) then
            cast[k] = v:clone()
          else
            cast[k] = copy_value(v)
          end
        end
        state[p] = cast
      end
    end
  end
  self.state = state
  for g, group in ipairs(self.param_groups) do
    local new = {params = group.params}
    for k, v in pairs(saved_groups[g]) do if k ~= "params" then new[k] = copy_value(v) end end
    self.param_groups[g] = new
  end
end

function Optimizer:__tostring()
  local lines = {self.__name .. " ("}
  for g, group in ipairs(self.param_groups) do
    lines[#lines + 1] = "Parameter Group " .. (g - 1)
    local keys = {}
    for k in pairs(group) do if k ~= "params" then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v = group[k]
      if type(v) == "table" then
        local parts = {}
        for i, x in ipairs(v) do parts[i] = pystr(x) end
        v = "(" .. table.concat(parts, ", ") .. ")"
      else
        v = pystr(v)
      end
      lines[#lines + 1] = "    " .. k .. ": " .. v
    end
  end
  lines[#lines + 1] = ")"
  return table.concat(lines, "\n")
end

-- MARK: - Helpers of the update rules

-- The parameters of `group` that have a gradient, with their gradients and state tables.
local function with_grads(self, group)
  local params, grads, states = {}, {}, {}
  for _, p in ipairs(group.params) do
    local grad = p.grad
    if grad ~= nil then
      params[#params + 1] = p
      grads[#grads + 1] = grad
      local s = self.state[p]
      if s == nil then s = {}; self.state[p] = s end
      states[#states + 1] = s
    end
  end
  return params, grads, states
end

-- A 0-d float32 step counter, as PyTorch keeps `state["step"]`.
local function new_step() return torch.zeros{dtype = torch.float32} end

local function check(condition, message) if not condition then raise(message) end end

local function check_lr(g)
  check(type(g.lr) == "number", "Invalid learning rate: " .. tostring(g.lr))
  check(g.lr >= 0, "Invalid learning rate: " .. pystr(g.lr))
end

local function check_weight_decay(g)
  check(type(g.weight_decay) == "number" and g.weight_decay >= 0, "Invalid weight_decay value: " .. pystr(g.weight_decay))
end

-- MARK: - SGD

--- optim.SGD(params, {lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=false, maximize=false}) -> SGD
--- Stochastic gradient descent with optional momentum, as torch.optim.SGD (same updates, same state dict).
optim.SGD = Optimizer:extend("SGD", {
  lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false, maximize = false,
})

function optim.SGD:_check_hyperparameters(g)
  check_lr(g)
  check(type(g.momentum) == "number" and g.momentum >= 0, "Invalid momentum value: " .. pystr(g.momentum))
  check_weight_decay(g)
  if g.nesterov and (g.momentum <= 0 or g.dampening ~= 0) then
    raise("Nesterov momentum requires a momentum and zero dampening")
  end
end

function optim.SGD:_update_group(group)
  local params, grads, states = with_grads(self, group)
  local lr, momentum, dampening, weight_decay = group.lr, group.momentum, group.dampening, group.weight_decay
  for i, param in ipairs(params) do
    local grad = grads[i]
    if group.maximize then grad = -grad end
    if weight_decay ~= 0 then grad = grad:add(param, {alpha = weight_decay}) end
    if momentum ~= 0 then
      local buf = states[i].momentum_buffer
      if buf == nil then
        buf = grad:detach():clone()
        states[i].momentum_buffer = buf
      else
        buf:mul_(momentum):add_(grad, {alpha = 1 - dampening})
      end
      if group.nesterov then grad = grad:add(buf, {alpha = momentum}) else grad = buf end
    end
    param:add_(grad, {alpha = -lr})
  end
  -- PyTorch keeps no state for parameters without momentum.
  if momentum == 0 then
    for _, p in ipairs(params) do if next(self.state[p]) == nil then self.state[p] = nil end end
  end
end

-- MARK: - Adam and AdamW

local adam_defaults = {
  lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0, amsgrad = false, maximize = false,
}

local function check_adam(g)
  check_lr(g)
  check(type(g.eps) == "number" and g.eps >= 0, "Invalid epsilon value: " .. pystr(g.eps))
  check(type(g.betas) == "table" and #g.betas == 2, "betas must be a table of two numbers")
  check(g.betas[1] >= 0 and g.betas[1] < 1, "Invalid beta parameter at index 0: " .. pystr(g.betas[1]))
  check(g.betas[2] >= 0 and g.betas[2] < 1, "Invalid beta parameter at index 1: " .. pystr(g.betas[2]))
  check_weight_decay(g)
end

-- `_single_tensor_adam`; `decoupled` is AdamW's weight decay.
local function adam_update(self, group, decoupled)
  local params, grads, states = with_grads(self, group)
  local lr, eps, weight_decay = group.lr, group.eps, group.weight_decay
  local beta1, beta2 = group.betas[1], group.betas[2]
  for i, param in ipairs(params) do
    local grad, state = grads[i], states[i]
    if state.step == nil then
      state.step = new_step()
      state.exp_avg = torch.zeros_like(param)
      state.exp_avg_sq = torch.zeros_like(param)
      if group.amsgrad then state.max_exp_avg_sq = torch.zeros_like(param) end
    end
    if group.maximize then grad = -grad end
    local exp_avg, exp_avg_sq, step_t = state.exp_avg, state.exp_avg_sq, state.step
    step_t:add_(1)
    if weight_decay ~= 0 then
      if decoupled then
        param:mul_(1 - lr * weight_decay)
      else
        grad = grad:add(param, {alpha = weight_decay})
      end
    end
    exp_avg:lerp_(grad, 1 - beta1)
    exp_avg_sq:mul_(beta2):addcmul_(grad, grad, {value = 1 - beta2})
    local step = step_t:item()
    local bias_correction1 = 1 - beta1 ^ step
    local bias_correction2 = 1 - beta2 ^ step
    local step_size = lr / bias_correction1
    local bias_correction2_sqrt = bias_correction2 ^ 0.5
    local denom
    if group.amsgrad then
      local max_sq = state.max_exp_avg_sq
      max_sq:copy_(torch.maximum(max_sq, exp_avg_sq))
      denom = (max_sq:sqrt() / bias_correction2_sqrt):add_(eps)
    else
      denom = (exp_avg_sq:sqrt() / bias_correction2_sqrt):add_(eps)
    end
    param:addcdiv_(exp_avg, denom, {value = -step_size})
  end
end

--- optim.Adam(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8, weight_decay=0, amsgrad=false, maximize=false}) -> Adam
--- Adam, as torch.optim.Adam (same updates, same state dict).
optim.Adam = Optimizer:extend("Adam", adam_defaults)
optim.Adam._check_hyperparameters = function(_, g) check_adam(g) end
function optim.Adam:_update_group(group) adam_update(self, group, false) end

local adamw_defaults = {}
for k, v in pairs(adam_defaults) do adamw_defaults[k] = v end
adamw_defaults.weight_decay = 1e-2
--- optim.AdamW(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8, weight_decay=1e-2, amsgrad=false, maximize=false}) -> AdamW
--- Adam with decoupled weight decay, as torch.optim.AdamW.
optim.AdamW = Optimizer:extend("AdamW", adamw_defaults)
optim.AdamW._check_hyperparameters = function(_, g) check_adam(g) end
function optim.AdamW:_update_group(group) adam_update(self, group, true) end

-- MARK: - RMSprop

--- optim.RMSprop(params, {lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=false, maximize=false}) -> RMSprop
--- RMSprop, as torch.optim.RMSprop (same updates, same state dict).
optim.RMSprop = Optimizer:extend("RMSprop", {
  lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0, centered = false, maximize = false,
})

function optim.RMSprop:_check_hyperparameters(g)
  check_lr(g)
  check(type(g.eps) == "number" and g.eps >= 0, "Invalid epsilon value: " .. pystr(g.eps))
  check(type(g.momentum) == "number" and g.momentum >= 0, "Invalid momentum value: " .. pystr(g.momentum))
  check_weight_decay(g)
  check(type(g.alpha) == "number" and g.alpha >= 0, "Invalid alpha value: " .. pystr(g.alpha))
end

function optim.RMSprop:_update_group(group)
  local params, grads, states = with_grads(self, group)
  local lr, alpha, eps, weight_decay, momentum = group.lr, group.alpha, group.eps, group.weight_decay, group.momentum
  for i, param in ipairs(params) do
    local grad, state = grads[i], states[i]
    if state.step == nil then
      state.step = new_step()
      state.square_avg = torch.zeros_like(param)
      if momentum > 0 then state.momentum_buffer = torch.zeros_like(param) end
      if group.centered then state.grad_avg = torch.zeros_like(param) end
    end
    if group.maximize then grad = -grad end
    local square_avg = state.square_avg
    state.step:add_(1)
    if weight_decay ~= 0 then grad = grad:add(param, {alpha = weight_decay}) end
    square_avg:mul_(alpha):addcmul_(grad, grad, {value = 1 - alpha})
    local avg
    if group.centered then
      local grad_avg = state.grad_avg
      grad_avg:lerp_(grad, 1 - alpha)
      avg = square_avg:addcmul(grad_avg, grad_avg, {value = -1}):sqrt_()
    else
      avg = square_avg:sqrt()
    end
    avg = avg:add_(eps)
    if momentum > 0 then
      local buf = state.momentum_buffer
      buf:mul_(momentum):addcdiv_(grad, avg)
      param:add_(buf, {alpha = -lr})
    else
      param:addcdiv_(grad, avg, {value = -lr})
    end
  end
end

-- MARK: - Adagrad

--- optim.Adagrad(params, {lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=false}) -> Adagrad
--- Adagrad, as torch.optim.Adagrad (its state is filled when built, as PyTorch's).
optim.Adagrad = Optimizer:extend("Adagrad", {
  lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10, maximize = false,
})

function optim.Adagrad:_check_hyperparameters(g)
  check_lr(g)
  check(type(g.lr_decay) == "number" and g.lr_decay >= 0, "Invalid lr_decay value: " .. pystr(g.lr_decay))
  check_weight_decay(g)
  check(type(g.initial_accumulator_value) == "number" and g.initial_accumulator_value >= 0,
        "Invalid initial_accumulator_value value: " .. pystr(g.initial_accumulator_value))
  check(type(g.eps) == "number" and g.eps >= 0, "Invalid epsilon value: " .. pystr(g.eps))
end

-- Adagrad fills its state when built, as PyTorch's constructor does.
function optim.Adagrad:_init_state()
  for _, group in ipairs(self.param_groups) do
    for _, p in ipairs(group.params) do
      self.state[p] = {
        step = new_step(),
        sum = torch.full_like(p, group.initial_accumulator_value),
      }
    end
  end
end

function optim.Adagrad:_update_group(group)
  local params, grads, states = with_grads(self, group)
  local lr, lr_decay, weight_decay, eps = group.lr, group.lr_decay, group.weight_decay, group.eps
  for i, param in ipairs(params) do
    local grad, state = grads[i], states[i]
    local step_t = state.step
    step_t:add_(1)
    local step = step_t:item()
    if group.maximize then grad = -grad end
    if weight_decay ~= 0 then grad = grad:add(param, {alpha = weight_decay}) end
    local clr = lr / (1 + (step - 1) * lr_decay)
    state.sum:addcmul_(grad, grad, {value = 1})
    local std = state.sum:sqrt():add_(eps)
    param:addcdiv_(grad, std, {value = -clr})
  end
end

return optim
