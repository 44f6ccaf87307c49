-- torch.nn's module system: classes (`nn.Module:extend("MLP")`), nn.Parameter, registration by
-- assignment, traversal (parameters, named_modules, ...), modes and printing, following
-- torch/nn/modules/module.py (state dicts and dtype casts: nn_state.lua). Run when the torch
-- module opens.
local torch = ...
torch.nn = torch.nn or {}
local nn = torch.nn

-- MARK: Errors

local getinfo = debug and debug.getinfo -- captured at load: a sandbox may remove `debug` later

--- Raises `message` at the user's line: the first Lua frame outside LuaGrad's own files, so a
--- layer called by a container called by the user reports the user's call.
function nn._error(message)
  local level = 2
  while getinfo do
    local info = getinfo(level, "S")
    if info == nil then level = 2; break end
    if info.what ~= "C" and not info.source:find("^@luagrad/") then break end
    level = level + 1
  end
  error(message, level)
end

-- MARK: Ordered dictionaries

-- A name -> value map that remembers insertion order, as Python's dict does: a module's
-- parameters, buffers and children are each one. Re-setting a name keeps its place.
local OrderedDict = {}
OrderedDict.__index = OrderedDict

local function ordered_dict()
  return setmetatable({ keys = {}, values = {} }, OrderedDict)
end

function OrderedDict:get(key) return self.values[key] end

function OrderedDict:set(key, value)
  if value == nil then return self:remove(key) end
  if self.values[key] == nil then self.keys[#self.keys + 1] = key end
  self.values[key] = value
end

function OrderedDict:remove(key)
  if self.values[key] == nil then return end
  self.values[key] = nil
  for i, k in ipairs(self.keys) do
    if k == key then table.remove(self.keys, i); break end
  end
end

-- Iterates `key, value` in order (a snapshot of the keys, so the loop may change the dict).
function OrderedDict:items()
  local keys, values, i = table.move(self.keys, 1, #self.keys, 1, {}), self.values, 0
  return function()
    i = i + 1
    local key = keys[i]
    if key ~= nil then return key, values[key] end
  end
end

-- MARK: Parameters

--- nn.Parameter(data, requires_grad=true): a new leaf sharing `data`'s storage, marked as a
--- parameter (`_is_parameter`, a flag on the tensor that printing honours). Like PyTorch, a
--- Parameter made from a Parameter is a new object over the same storage.
nn.Parameter = setmetatable({}, {
  __name = "Parameter",
  __call = function(_, data, requires_grad)
    if type(requires_grad) == "table" then requires_grad = requires_grad.requires_grad end
    if requires_grad == nil then requires_grad = true end
    if data == nil then data = torch.empty(0) end
    if not torch.is_tensor(data) then
      error("Parameter(): expected a Tensor as data, got " .. type(data), 2)
    end
    local p = data:detach()
    local ok, message = pcall(p.requires_grad_, p, requires_grad)
    if not ok then error(tostring(message):gsub("^[^:]*:%d+: ", ""), 2) end
    p._is_parameter = true
    return p
  end,
})

local function is_parameter(value)
  return torch.is_tensor(value) and value._is_parameter
end

--- `nn.Parameter:isinstance(value)`: whether `value` is a parameter (PyTorch's isinstance).
function nn.Parameter:isinstance(value) return is_parameter(value) == true end

-- MARK: Classes

-- Metamethods live in each class table (instances use their class as metatable), so a new
-- class copies its parent's; everything else is inherited through `__index`.
local metamethods = { "__index", "__newindex", "__call", "__tostring", "__len", "__pairs",
  "__eq", "__lt", "__le", "__concat", "__unm", "__add", "__sub", "__mul", "__div", "__mod",
  "__pow", "__close" }

--- nn.Module: the base class of layers and models; `nn.Module:extend("MLP")` makes a class.
--- Assigning a Parameter, a Module or nil to a field registers it; see docs/training.md.
local Module = { __name = "Module" }
nn.Module = Module

local function is_module(value)
  return type(value) == "table" and rawget(value, "_modules") ~= nil
end

-- Builds an instance of `class`: the base Module state first, then `class:__init(...)`.
local function construct(class, ...)
  local self = setmetatable({
    _parameters = ordered_dict(),
    _buffers = ordered_dict(),
    _non_persistent = {},
    _modules = ordered_dict(),
    _attributes = { training = true },
  }, class)
  class.__init(self, ...)
  return self
end

local function class_tostring(class) return "<class '" .. class.__name .. "'>" end

--- `Parent:extend(name)`: a new class; `Class(...)` builds an instance and runs `__init`.
function Module.extend(parent, name)
  if type(name) ~= "string" then
    error("extend(name): expected the class name (a string), got " .. type(name), 2)
  end
  local class = { __name = name, super = parent }
  for _, key in ipairs(metamethods) do class[key] = rawget(parent, key) end
  return setmetatable(class, { __index = parent, __call = construct, __tostring = class_tostring })
end
setmetatable(Module, { __call = construct, __tostring = class_tostring })

--- The base constructor does nothing: an instance is set up before its class's `__init` runs,
--- so `nn.Module.__init(self)` (PyTorch's `super().__init__()`) is harmless and optional.
function Module:__init() end

--- `Class:isinstance(value)`: whether `value` is an instance of this class or a subclass.
function Module:isinstance(value)
  if not is_module(value) then return false end
  local class = is_module(self) and getmetatable(self) or self
  local c = getmetatable(value)
  while c ~= nil do
    if c == class then return true end
    c = rawget(c, "super")
  end
  return false
end

-- What PyTorch's torch.typename shows, with Lua's type names for Lua values.
local tensor_typenames = { float32 = "torch.FloatTensor", float64 = "torch.DoubleTensor",
  int64 = "torch.LongTensor", bool = "torch.BoolTensor" }
local function typename(value)
  if torch.is_tensor(value) then return tensor_typenames[value.dtype.name] or "torch.Tensor" end
  if is_module(value) then return getmetatable(value).__name end
  return type(value)
end

-- MARK: Attributes

-- Reads look where Python does: plain attributes, the class, then parameters, buffers and
-- children. Keys that are not strings go to the class's `__getitem` (containers' `net[1]`).
function Module.__index(self, key)
  local value = rawget(self, "_attributes")[key]
  if value ~= nil then return value end
  local class = getmetatable(self)
  if type(key) ~= "string" then
    local getitem = class.__getitem
    if getitem then return getitem(self, key) end
    return nil
  end
  value = class[key]
  if value ~= nil then return value end
  value = rawget(self, "_parameters").values[key]
  if value ~= nil then return value end
  value = rawget(self, "_buffers").values[key]
  if value ~= nil then return value end
  return rawget(self, "_modules").values[key]
end

-- Writes register as PyTorch's __setattr__: a Parameter becomes a parameter, a Module a child,
-- a tensor assigned to a buffer's name replaces the buffer; anything else is a plain attribute.
-- Assigning nil removes the name wherever it is.
function Module.__newindex(self, key, value)
  if type(key) ~= "string" then
    local setitem = getmetatable(self).__setitem
    if setitem then return setitem(self, key, value) end
    error("module attributes are named by strings, got a " .. type(key) .. " key", 2)
  end
  local attributes = rawget(self, "_attributes")
  local parameters, buffers = rawget(self, "_parameters"), rawget(self, "_buffers")
  local modules, non_persistent = rawget(self, "_modules"), rawget(self, "_non_persistent")
  if is_parameter(value) then
    attributes[key] = nil; buffers:remove(key); modules:remove(key); non_persistent[key] = nil
    parameters:set(key, value)
  elseif parameters.values[key] ~= nil then
    if value ~= nil then
      error(string.format("cannot assign '%s' as parameter '%s' (torch.nn.Parameter or None expected)",
        typename(value), key), 2)
    end
    parameters:remove(key)
  elseif is_module(value) then
    attributes[key] = nil; parameters:remove(key); buffers:remove(key); non_persistent[key] = nil
    modules:set(key, value)
  elseif modules.values[key] ~= nil then
    if value ~= nil then
      error(string.format("cannot assign '%s' as child module '%s' (torch.nn.Module or None expected)",
        typename(value), key), 2)
    end
    modules:remove(key)
  elseif buffers.values[key] ~= nil then
    if value ~= nil and not torch.is_tensor(value) then
      error(string.format("cannot assign '%s' as buffer '%s' (torch.nn.Buffer, torch.Tensor or None expected)",
        typename(value), key), 2)
    end
    buffers:set(key, value)
    if value == nil then non_persistent[key] = nil end
  else
    attributes[key] = value
  end
end

-- The checks PyTorch's register_* share; `kind` is "parameter", "buffer" or "module".
local function check_name(self, name, kind, registry)
  if type(name) ~= "string" then
    error(string.format("%s name should be a string. Got %s", kind, typename(name)), 3)
  end
  if name:find(".", 1, true) then
    error(kind == "module" and ('module name can\'t contain ".", got: ' .. name)
      or (kind .. ' name can\'t contain "."'), 3)
  end
  if name == "" then error(kind .. ' name can\'t be empty string ""', 3) end
  if self[name] ~= nil and registry.values[name] == nil then
    error("attribute '" .. name .. "' already exists", 3)
  end
end

--- `m:register_parameter(name, param)`: adds a parameter (nil removes it).
function Module:register_parameter(name, param)
  local parameters = rawget(self, "_parameters")
  check_name(self, name, "parameter", parameters)
  if param ~= nil and not is_parameter(param) then
    error(string.format("cannot assign '%s' object to parameter '%s' (torch.nn.Parameter or None required)",
      typename(param), name), 2)
  end
  parameters:set(name, param)
end

--- `m:register_buffer(name, tensor, {persistent=true})`: a tensor that is state but not a
--- parameter; persistent buffers are in the state dict.
function Module:register_buffer(name, tensor, persistent)
  if type(persistent) == "table" then persistent = persistent.persistent end
  if persistent == nil then persistent = true end
  local buffers = rawget(self, "_buffers")
  check_name(self, name, "buffer", buffers)
  if tensor ~= nil and not torch.is_tensor(tensor) then
    error(string.format("cannot assign '%s' object to buffer '%s' (torch Tensor or None required)",
      typename(tensor), name), 2)
  end
  buffers:set(name, tensor)
  rawget(self, "_non_persistent")[name] = (not persistent and tensor ~= nil) or nil
end

--- `m:add_module(name, module)`: adds a child (nil removes it).
function Module:add_module(name, module)
  if module ~= nil and not is_module(module) then
    error(typename(module) .. " is not a Module subclass", 2)
  end
  local modules = rawget(self, "_modules")
  check_name(self, name, "module", modules)
  modules:set(name, module)
end
Module.register_module = Module.add_module

-- MARK: Traversal

-- Options of the traversal methods: a table ({prefix=, recurse=, remove_duplicate=}), or
-- PyTorch's first positional argument (a prefix string or the recurse flag).
local function traversal_options(arg)
  if type(arg) == "table" then return arg end
  if type(arg) == "string" then return { prefix = arg } end
  if type(arg) == "boolean" then return { recurse = arg } end
  return {}
end

local function join(prefix, name)
  return prefix == "" and name or (prefix .. "." .. name)
end

-- Generic-for iteration over two parallel arrays.
local function pairs_of(names, values)
  local i = 0
  return function()
    i = i + 1
    if names[i] ~= nil then return names[i], values[i] end
  end
end

-- Pre-order (prefix, module) pairs, each module once unless remove_duplicate is false.
local function collect_modules(module, prefix, seen, names, modules)
  if seen then
    if seen[module] then return end
    seen[module] = true
  end
  names[#names + 1], modules[#modules + 1] = prefix, module
  for name, child in rawget(module, "_modules"):items() do
    collect_modules(child, join(prefix, name), seen, names, modules)
  end
end

local function module_lists(self, options)
  local names, modules = {}, {}
  local seen = options.remove_duplicate ~= false and {} or nil
  collect_modules(self, options.prefix or "", seen, names, modules)
  return names, modules
end

-- The named members of one registry ("_parameters" or "_buffers") over the module tree.
local function member_lists(self, registry, options)
  local recurse = options.recurse ~= false
  local prefixes, modules
  if recurse then
    prefixes, modules = module_lists(self, { prefix = options.prefix, remove_duplicate = options.remove_duplicate })
  else
    prefixes, modules = { options.prefix or "" }, { self }
  end
  local seen = options.remove_duplicate ~= false and {} or nil
  local names, values = {}, {}
  for i, module in ipairs(modules) do
    for name, value in rawget(module, registry):items() do
      if not (seen and seen[value]) then
        if seen then seen[value] = true end
        names[#names + 1], values[#values + 1] = join(prefixes[i], name), value
      end
    end
  end
  return names, values
end

--- `for name, p in m:named_parameters() do`: names dotted as PyTorch's (`0.weight`).
function Module:named_parameters(options)
  return pairs_of(member_lists(self, "_parameters", traversal_options(options)))
end

--- `m:parameters()`: an array of the parameters in PyTorch's order, each once.
function Module:parameters(recurse)
  local _, values = member_lists(self, "_parameters", traversal_options(recurse))
  return values
end

function Module:named_buffers(options)
  return pairs_of(member_lists(self, "_buffers", traversal_options(options)))
end

function Module:buffers(recurse)
  local _, values = member_lists(self, "_buffers", traversal_options(recurse))
  return values
end

--- `for name, m in net:named_modules() do`: the module itself (named "") and every descendant.
function Module:named_modules(options)
  return pairs_of(module_lists(self, traversal_options(options)))
end

function Module:modules()
  local _, modules = module_lists(self, {})
  return modules
end

--- `for name, child in net:named_children() do`: the direct children, each once.
function Module:named_children()
  local names, children, seen = {}, {}, {}
  for name, child in rawget(self, "_modules"):items() do
    if not seen[child] then
      seen[child] = true
      names[#names + 1], children[#children + 1] = name, child
    end
  end
  return pairs_of(names, children)
end

function Module:children()
  local children = {}
  for _, child in self:named_children() do children[#children + 1] = child end
  return children
end

--- `m:apply(fn)`: calls fn on every child (recursively), then on m; returns m.
function Module:apply(fn)
  for _, child in ipairs(self:children()) do child:apply(fn) end
  fn(self)
  return self
end

-- MARK: Modes and gradients

--- `m:train(mode=true)`: sets `training` on m and its descendants; returns m.
function Module:train(mode)
  if mode == nil then mode = true end
  if type(mode) ~= "boolean" then error("training mode is expected to be boolean", 2) end
  self.training = mode
  for _, child in ipairs(self:children()) do child:train(mode) end
  return self
end

function Module:eval() return self:train(false) end

--- `m:requires_grad_(flag=true)`: sets requires_grad on every parameter; returns m.
function Module:requires_grad_(requires_grad)
  if requires_grad == nil then requires_grad = true end
  for _, p in ipairs(self:parameters()) do p:requires_grad_(requires_grad) end
  return self
end

--- `m:zero_grad(set_to_none=true)`: drops every parameter's gradient (PyTorch 2's default),
--- or zeroes it in place with `zero_grad(false)`.
function Module:zero_grad(set_to_none) nn._zero_grads(self:parameters(), set_to_none) end

-- Modules' and optimizers' zero_grad (`set_to_none` may come in a keyword table).
function nn._zero_grads(params, set_to_none)
  if type(set_to_none) == "table" then set_to_none = set_to_none.set_to_none end
  for _, p in ipairs(params) do
    local grad = p.grad
    if grad ~= nil and set_to_none ~= false then
      p.grad = nil
    elseif grad ~= nil then
      if grad.grad_fn ~= nil then grad:detach_() else grad:requires_grad_(false) end
      grad:zero_()
    end
  end
end

-- MARK: Calling

--- `m(...)` runs `m:forward(...)`.
function Module:__call(...)
  local forward = self.forward
  if forward == nil then
    nn._error('Module [' .. getmetatable(self).__name .. '] is missing the required "forward" function')
  end
  return forward(self, ...)
end

-- MARK: Printing

-- Indents every line after the first by `spaces` (blank lines stay empty), as _addindent.
local function add_indent(text, spaces)
  if not text:find("\n", 1, true) then return text end
  local pad = string.rep(" ", spaces)
  local first, rest = text:match("^(.-)\n(.*)$")
  local lines = {}
  for line in (rest .. "\n"):gmatch("(.-)\n") do
    lines[#lines + 1] = line:find("%S") and (pad .. line) or ""
  end
  return first .. "\n" .. table.concat(lines, "\n")
end
nn._add_indent = add_indent

--- The text inside a module's parentheses (`in_features=4, ...`); "" by default.
function Module:extra_repr() return "" end

--- `print(m)`: PyTorch's `repr(module)`, children indented under their names.
function Module:__tostring()
  local lines = {}
  local extra = self:extra_repr()
  local extra_count = 0
  if extra ~= "" then
    for line in (extra .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
    extra_count = #lines
  end
  for name, child in rawget(self, "_modules"):items() do
    lines[#lines + 1] = "(" .. name .. "): " .. add_indent(tostring(child), 2)
  end
  local text = getmetatable(self).__name .. "("
  if #lines > 0 then
    if extra_count == 1 and #lines == 1 then
      text = text .. lines[1]
    else
      text = text .. "\n  " .. table.concat(lines, "\n  ") .. "\n"
    end
  end
  return text .. ")"
end

-- Python's repr of a number: integers bare, floats shortest round-trip with a decimal point
-- (`0.5`, `0.01`, `1.0`), for extra_repr texts.
function nn._python_number(x)
  if math.type(x) == "integer" then return tostring(x) end
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" elseif x == -math.huge then return "-inf" end
  local text
  for digits = 1, 17 do
    text = string.format("%." .. digits .. "g", x)
    if tonumber(text) == x then break end
  end
  if not text:find("[.e]") then text = text .. ".0" end
  return (text:gsub("e([-+])0*(%d%d)", "e%1%2"))
end
