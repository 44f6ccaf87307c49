-- What a module holds, as data: state dicts (state_dict, load_state_dict, with PyTorch's key
-- order and error texts) and dtype casts (to, double, float), following
-- torch/nn/modules/module.py. Run after nn_module.lua.
local torch = ...
local nn = torch.nn
local Module = nn.Module

-- MARK: Ordered tables

-- What state_dict() returns: a plain table of name -> tensor whose `pairs` runs in insertion
-- order (PyTorch's key order). Keys added later go to the end, as in an OrderedDict.
local key_order = setmetatable({}, { __mode = "k" })
local StateDict = { __name = "OrderedDict" }

function StateDict.__newindex(dict, key, value)
  local keys = key_order[dict]
  for i, k in ipairs(keys) do
    if k == key then table.remove(keys, i); break end
  end
  rawset(dict, key, value)
  if value ~= nil then keys[#keys + 1] = key end
end

function StateDict.__pairs(dict)
  local keys, i = key_order[dict], 0
  return function()
    repeat
      i = i + 1
      local key = keys[i]
      if key == nil then return nil end
      local value = rawget(dict, key)
      if value ~= nil then return key, value end
    until false
  end, dict, nil
end

local function state_dict_table()
  local dict = setmetatable({}, StateDict)
  key_order[dict] = {}
  return dict
end

-- The string keys of a state dict in its order: insertion order for one state_dict() made,
-- sorted for any other table (Lua tables have no order of their own).
local function state_dict_keys(dict)
  local keys = {}
  if key_order[dict] then
    for key in pairs(dict) do keys[#keys + 1] = key end
  else
    for key in next, dict do
      if type(key) == "string" then keys[#keys + 1] = key end
    end
    table.sort(keys)
  end
  return keys
end

-- MARK: Saving and loading

--- `m:state_dict()`: parameters and persistent buffers, detached, by dotted name; `pairs`
--- runs in PyTorch's order (a module's own entries, then its children's).
function Module:state_dict(options)
  options = options or {}
  local destination = options.destination or state_dict_table()
  local keep_vars = options.keep_vars
  local function save(module, prefix)
    for name, p in rawget(module, "_parameters"):items() do
      destination[prefix .. name] = keep_vars and p or p:detach()
    end
    local non_persistent = rawget(module, "_non_persistent")
    for name, b in rawget(module, "_buffers"):items() do
      if not non_persistent[name] then destination[prefix .. name] = keep_vars and b or b:detach() end
    end
    for name, child in rawget(module, "_modules"):items() do save(child, prefix .. name .. ".") end
  end
  save(self, options.prefix or "")
  return destination
end

-- Python's repr of a list of strings: ['a', 'b'].
local function python_list(strings)
  local parts = {}
  for i, s in ipairs(strings) do parts[i] = "'" .. s .. "'" end
  return "[" .. table.concat(parts, ", ") .. "]"
end

local IncompatibleKeys = { __name = "_IncompatibleKeys" }
function IncompatibleKeys.__tostring(keys)
  if #keys.missing_keys == 0 and #keys.unexpected_keys == 0 then return "<All keys matched successfully>" end
  return string.format("_IncompatibleKeys(missing_keys=%s, unexpected_keys=%s)",
    python_list(keys.missing_keys), python_list(keys.unexpected_keys))
end

local function quoted_list(keys)
  local parts = {}
  for i, key in ipairs(keys) do parts[i] = '"' .. key .. '"' end
  return table.concat(parts, ", ")
end

-- One module's share of load_state_dict (PyTorch's _load_from_state_dict): copies the entries
-- it owns, and notes what is missing, unexpected or of the wrong size.
local function load_module(module, dict, keys, prefix, report)
  local names, own = {}, {} -- the parameters, then the persistent buffers
  for name, p in rawget(module, "_parameters"):items() do names[#names + 1], own[name] = name, p end
  local non_persistent = rawget(module, "_non_persistent")
  for name, b in rawget(module, "_buffers"):items() do
    if not non_persistent[name] then names[#names + 1], own[name] = name, b end
  end
  for _, name in ipairs(names) do
    local target = own[name]
    local key = prefix .. name
    local input = dict[key]
    if input == nil then
      report.missing[#report.missing + 1] = key
    elseif not torch.is_tensor(input) then
      report.errors[#report.errors + 1] = string.format('While copying the parameter named "%s", ' ..
        "expected torch.Tensor or Tensor-like object from checkpoint but received %s", key, type(input))
    else
      if target.ndim == 0 and input.ndim == 1 and input.shape[1] == 1 then input = input[1] end
      if tostring(input.shape) ~= tostring(target.shape) then
        report.errors[#report.errors + 1] = string.format("size mismatch for %s: copying a param with shape " ..
          "%s from checkpoint, the shape in current model is %s.", key, tostring(input.shape), tostring(target.shape))
      else
        local ok, message = pcall(torch.no_grad, function() target:copy_(input) end)
        if not ok then
          report.errors[#report.errors + 1] = string.format('While copying the parameter named "%s", ' ..
            "whose dimensions in the model are %s and whose dimensions in the checkpoint are %s, " ..
            "an exception occurred : ('%s',).", key, tostring(target.shape), tostring(input.shape),
            tostring(message):gsub("^[^:]*:%d+: ", ""))
        end
      end
    end
  end
  local children = rawget(module, "_modules")
  for _, key in ipairs(keys) do
    local rest = key:sub(#prefix + 1)
    local head = rest:match("^([^.]*)%.")
    if (head and children.values[head] == nil) or (not head and own[rest] == nil) then
      report.unexpected[#report.unexpected + 1] = key
    end
  end
  for name, child in children:items() do
    local child_prefix = prefix .. name .. "."
    local child_keys = {}
    for _, key in ipairs(keys) do
      if key:sub(1, #child_prefix) == child_prefix then child_keys[#child_keys + 1] = key end
    end
    load_module(child, dict, child_keys, child_prefix, report)
  end
end

--- `m:load_state_dict(sd, {strict=true})`: copies the tensors of `sd` into m's parameters and
--- buffers (in place, without recording a graph). Raises PyTorch's error listing missing and
--- unexpected keys (when strict) and size mismatches; returns `{missing_keys=, unexpected_keys=}`.
function Module:load_state_dict(state_dict, options)
  if type(state_dict) ~= "table" then
    error("Expected state_dict to be dict-like, got " .. type(state_dict) .. ".", 2)
  end
  local strict = true
  if type(options) == "boolean" then strict = options
  elseif type(options) == "table" and options.strict ~= nil then strict = options.strict end
  local report = { missing = {}, unexpected = {}, errors = {} }
  -- Like PyTorch, missing and unexpected keys are always collected (and returned); only
  -- strict turns them into an error.
  load_module(self, state_dict, state_dict_keys(state_dict), "", report)
  local messages = {}
  if strict then
    if #report.missing > 0 then
      messages[#messages + 1] = "Missing key(s) in state_dict: " .. quoted_list(report.missing) .. ". "
    end
    if #report.unexpected > 0 then
      messages[#messages + 1] = "Unexpected key(s) in state_dict: " .. quoted_list(report.unexpected) .. ". "
    end
  end
  for _, message in ipairs(report.errors) do messages[#messages + 1] = message end
  if #messages > 0 then
    error(string.format("Error(s) in loading state_dict for %s:\n\t%s", getmetatable(self).__name,
      table.concat(messages, "\n\t")), 2)
  end
  return setmetatable({ missing_keys = report.missing, unexpected_keys = report.unexpected }, IncompatibleKeys)
end

-- MARK: dtype

-- Replaces every floating-point parameter and buffer by `convert(t)` when that differs. Unlike
-- PyTorch (which swaps `param.data` in place), a converted parameter is a new nn.Parameter, so
-- make optimizers after casting a module.
local function cast(self, dtype)
  local function convert(t)
    if t.dtype == dtype or not t:is_floating_point() then return t end
    return torch.no_grad(function() return t:to(dtype) end)
  end
  for _, module in ipairs(self:modules()) do
    local parameters = rawget(module, "_parameters")
    for name, p in parameters:items() do
      local q = convert(p)
      if not rawequal(q, p) then
        local replacement = nn.Parameter(q, p.requires_grad)
        if p.grad ~= nil then replacement.grad = convert(p.grad) end
        parameters:set(name, replacement)
      end
    end
    local buffers = rawget(module, "_buffers")
    for name, b in buffers:items() do buffers:set(name, convert(b)) end
  end
  return self
end

local function is_dtype(value)
  return type(value) == "table" and type(value.name) == "string" and rawequal(torch[value.name], value)
end

--- `m:to(dtype)` (also `m:to(tensor)`, `m:to{dtype=...}`, `m:to("cpu")`): casts floating-point
--- parameters and buffers; returns m.
function Module:to(arg, options)
  local dtype
  if is_dtype(arg) then dtype = arg
  elseif torch.is_tensor(arg) then dtype = arg.dtype
  elseif type(arg) == "table" then dtype = arg.dtype
  elseif arg ~= nil and arg ~= "cpu" then
    error("to(): expected a dtype, a tensor or \"cpu\", got " .. tostring(arg), 2)
  end
  if dtype == nil and type(options) == "table" then dtype = options.dtype end
  if dtype == nil then return self end
  if not (dtype == torch.float32 or dtype == torch.float64) then
    error("nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=" ..
      tostring(dtype), 2)
  end
  return cast(self, dtype)
end

function Module:double() return cast(self, torch.float64) end
function Module:float() return cast(self, torch.float32) end
