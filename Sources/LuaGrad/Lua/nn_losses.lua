-- torch.nn's loss modules (torch/nn/modules/loss.py): thin wrappers that keep their options
-- and call torch.nn.functional. Options are PyTorch's keyword arguments in a table:
-- `nn.CrossEntropyLoss{reduction="sum", label_smoothing=0.1}`; a class weight tensor may also
-- come first (`nn.NLLLoss(w)`), as PyTorch's first positional argument of weighted losses.
-- Class labels are 1-based.
local torch = ...
local nn = torch.nn
local Module = nn.Module

local F = torch.nn.functional -- nn_functional.lua runs first (LuaLibrary.extensions)

local valid_reductions = { mean = true, sum = true, none = true }

-- Defines nn[name]: `fields` lists the options it keeps (besides reduction) with defaults;
-- `buffers` the optional tensors it registers as buffers (PyTorch's _WeightedLoss `weight`);
-- `forward(self, input, target)` calls F.
local function loss(name, fields, buffers, forward)
  local class = Module:extend(name)
  nn[name] = class
  function class:__init(options, more)
    if torch.is_tensor(options) then
      more = more or {}
      more.weight, options = options, more
    end
    options = options or {}
    if type(options) ~= "table" then
      error(name .. "(): options must be a table of keyword arguments, got " .. type(options), 3)
    end
    local reduction = options.reduction or "mean"
    if not valid_reductions[reduction] then
      error(tostring(reduction) .. " is not a valid value for reduction", 3)
    end
    self.reduction = reduction
    for field, default in pairs(fields) do
      local value = options[field]
      if value == nil then value = default end
      self[field] = value
    end
    for _, buffer in ipairs(buffers) do
      local value = options[buffer]
      if value ~= nil and not torch.is_tensor(value) then
        error(string.format("%s(): %s must be a tensor, got %s", name, buffer, type(value)), 3)
      end
      self:register_buffer(buffer, value)
    end
  end
  class.forward = forward
  return class
end

--- nn.MSELoss({reduction="mean"}): loss(input, target) is F.mse_loss, the squared error.
loss("MSELoss", {}, {}, function(self, input, target)
  return F.mse_loss(input, target, { reduction = self.reduction })
end)

--- nn.L1Loss({reduction="mean"}): loss(input, target) is F.l1_loss, the absolute error.
loss("L1Loss", {}, {}, function(self, input, target)
  return F.l1_loss(input, target, { reduction = self.reduction })
end)

--- nn.HuberLoss({reduction="mean", delta=1}): loss(input, target) is F.huber_loss.
loss("HuberLoss", { delta = 1.0 }, {}, function(self, input, target)
  return F.huber_loss(input, target, { reduction = self.reduction, delta = self.delta })
end)

--- nn.CrossEntropyLoss({weight=nil, ignore_index=-100, reduction="mean", label_smoothing=0}): F.cross_entropy of logits and 1-based labels.
loss("CrossEntropyLoss", { ignore_index = -100, label_smoothing = 0.0 }, { "weight" }, function(self, input, target)
  return F.cross_entropy(input, target, { weight = self.weight, ignore_index = self.ignore_index,
    reduction = self.reduction, label_smoothing = self.label_smoothing })
end)

--- nn.NLLLoss({weight=nil, ignore_index=-100, reduction="mean"}): F.nll_loss of log-probabilities and 1-based labels.
loss("NLLLoss", { ignore_index = -100 }, { "weight" }, function(self, input, target)
  return F.nll_loss(input, target, { weight = self.weight, ignore_index = self.ignore_index,
    reduction = self.reduction })
end)

--- nn.BCELoss({weight=nil, reduction="mean"}): F.binary_cross_entropy of probabilities and targets.
loss("BCELoss", {}, { "weight" }, function(self, input, target)
  return F.binary_cross_entropy(input, target, { weight = self.weight, reduction = self.reduction })
end)

--- nn.BCEWithLogitsLoss({weight=nil, pos_weight=nil, reduction="mean"}): F.binary_cross_entropy_with_logits.
loss("BCEWithLogitsLoss", {}, { "weight", "pos_weight" }, function(self, input, target)
  return F.binary_cross_entropy_with_logits(input, target, { weight = self.weight,
    reduction = self.reduction, pos_weight = self.pos_weight })
end)
