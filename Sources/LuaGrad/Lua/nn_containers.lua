-- torch.nn's containers: Sequential, ModuleList and ModuleDict (torch/nn/modules/container.py).
-- Children keep PyTorch's names ("0", "1", ...), so state dicts match PyTorch's; positions
-- are Lua's: `net[1]` is the child named "0", negative positions count from the end.
local torch = ...
local nn = torch.nn
local Module = nn.Module

local function is_module(value)
  return type(value) == "table" and rawget(value, "_modules") ~= nil
end

-- The key of the child at 1-based `index` (negative from the end), or nil when out of range.
local function key_at(self, index)
  local keys = rawget(self, "_modules").keys
  if math.type(index) ~= "integer" then return nil end
  if index < 0 then index = #keys + index + 1 end
  return keys[index]
end

-- `list[i]`: the child at position i, nil past the end (so ipairs stops there).
local function get_item(self, index)
  local key = key_at(self, index)
  return key and rawget(self, "_modules").values[key]
end

-- `list[i] = module` replaces the child at position i, keeping its name.
local function set_item(self, index, module)
  local key = key_at(self, index)
  if key == nil then
    error(string.format("index %s is out of range", tostring(index)), 3)
  end
  if not is_module(module) then
    error(string.format("cannot assign '%s' as child module '%s' (torch.nn.Module or None expected)",
      type(module), key), 3)
  end
  rawget(self, "_modules"):set(key, module)
end

local function count(self) return #rawget(self, "_modules").keys end

local function append(self, module)
  self:add_module(tostring(count(self)), module)
  return self
end

-- MARK: Sequential

--- `nn.Sequential(m1, m2, ...)` runs its children in order; children are named "0", "1", ...
--- `nn.Sequential{{"fc", m1}, {"act", m2}}` names them (PyTorch's OrderedDict form).
local Sequential = Module:extend("Sequential")
nn.Sequential = Sequential

function Sequential:__init(...)
  local args = table.pack(...)
  if args.n == 1 and type(args[1]) == "table" and not is_module(args[1]) then
    for i, pair in ipairs(args[1]) do
      if type(pair) ~= "table" or type(pair[1]) ~= "string" then
        error("Sequential{...}: entry " .. i .. " should be {name, module}", 3)
      end
      self:add_module(pair[1], pair[2])
    end
    return
  end
  for i = 1, args.n do
    if not is_module(args[i]) then
      error(string.format("Sequential: argument %d is a %s, not a Module", i, type(args[i])), 3)
    end
    self:add_module(tostring(i - 1), args[i])
  end
end

Sequential.__getitem = get_item
Sequential.__setitem = set_item
Sequential.__len = count
Sequential.append = append

--- `net:extend(modules)`: appends each module of an array (or of another Sequential).
function Sequential:extend(modules)
  for _, module in ipairs(modules) do append(self, module) end
  return self
end

function Sequential:forward(input)
  -- Indexed rather than items(): a training step calls this once per batch per container.
  local modules = rawget(self, "_modules")
  local keys, values = modules.keys, modules.values
  for i = 1, #keys do input = values[keys[i]](input) end
  return input
end

-- MARK: ModuleList

--- `nn.ModuleList{m1, m2}`: an array of modules, registered as children "0", "1", ...;
--- `list[i]` (1-based), `#list`, `ipairs(list)`, `append`, `extend`, `insert`.
local ModuleList = Module:extend("ModuleList")
nn.ModuleList = ModuleList

function ModuleList:__init(modules)
  if modules ~= nil then self:extend(modules) end
end

ModuleList.__getitem = get_item
ModuleList.__setitem = set_item
ModuleList.__len = count
ModuleList.append = append

function ModuleList:extend(modules)
  if type(modules) ~= "table" then
    error("ModuleList.extend should be called with an array of modules, but got " .. type(modules), 2)
  end
  for _, module in ipairs(modules) do append(self, module) end
  return self
end

--- `list:insert(index, module)`: puts module at 1-based `index`, shifting later ones (their
--- names follow their positions, as in PyTorch).
function ModuleList:insert(index, module)
  local modules = rawget(self, "_modules")
  local n = #modules.keys
  if math.type(index) ~= "integer" then error("insert: index must be an integer", 2) end
  if index < 0 then index = n + index + 1 end
  index = math.max(1, math.min(index, n + 1))
  if not is_module(module) then error(type(module) .. " is not a Module subclass", 2) end
  for i = n, index, -1 do modules:set(tostring(i), modules.values[tostring(i - 1)]) end
  modules:set(tostring(index - 1), module)
end

-- PyTorch's ModuleList repr: runs of equal children shown once, `(0-2): 3 x Linear(...)`.
function ModuleList:__tostring()
  local reprs = {}
  for _, child in rawget(self, "_modules"):items() do reprs[#reprs + 1] = tostring(child) end
  local name = getmetatable(self).__name
  if #reprs == 0 then return name .. "()" end
  local blocks = {}
  for i, text in ipairs(reprs) do
    local last = blocks[#blocks]
    if last and last.text == text then
      last.stop = i - 1
    else
      blocks[#blocks + 1] = { start = i - 1, stop = i - 1, text = text }
    end
  end
  local lines = {}
  for _, block in ipairs(blocks) do
    local line = "(" .. block.start .. "): " .. block.text
    if block.start ~= block.stop then
      line = string.format("(%d-%d): %d x %s", block.start, block.stop, block.stop - block.start + 1, block.text)
    end
    lines[#lines + 1] = nn._add_indent(line, 2)
  end
  return name .. "(\n  " .. table.concat(lines, "\n  ") .. "\n)"
end

-- MARK: ModuleDict

--- `nn.ModuleDict{{"a", m1}, {"b", m2}}` (or a table of name = module, added in sorted
--- order since Lua tables have none): children by name, in insertion order.
--- `d.a`, `d["a"]`, `d.a = m`, `#d`, `d:items()`, `d:keys()`, `d:values()`, `d:pop(key)`.
local ModuleDict = Module:extend("ModuleDict")
nn.ModuleDict = ModuleDict

function ModuleDict:__init(modules)
  if modules ~= nil then self:update(modules) end
end

function ModuleDict:update(modules)
  if type(modules) ~= "table" then
    error("ModuleDict.update should be called with a table, but got " .. type(modules), 2)
  end
  if is_module(modules) and getmetatable(modules) == ModuleDict then
    for key, module in modules:items() do self:add_module(key, module) end
    return
  end
  if #modules > 0 then
    for i, pair in ipairs(modules) do
      if type(pair) ~= "table" or #pair ~= 2 then
        error("ModuleDict update sequence element #" .. i .. " should be {name, module}", 2)
      end
      self:add_module(pair[1], pair[2])
    end
    return
  end
  local keys = {}
  for key in pairs(modules) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do self:add_module(key, modules[key]) end
end

ModuleDict.__len = count

--- `for key, module in d:items() do`: in insertion order.
function ModuleDict:items() return rawget(self, "_modules"):items() end

function ModuleDict:keys()
  return table.move(rawget(self, "_modules").keys, 1, count(self), 1, {})
end

function ModuleDict:values()
  local values = {}
  for _, module in self:items() do values[#values + 1] = module end
  return values
end

--- `d:pop(key)`: removes and returns the child named key.
function ModuleDict:pop(key)
  local modules = rawget(self, "_modules")
  local module = modules.values[key]
  modules:remove(key)
  return module
end

function ModuleDict:clear()
  rawset(self, "_modules", setmetatable({ keys = {}, values = {} }, getmetatable(rawget(self, "_modules"))))
end

-- `d[key]` for keys that name methods (`d["keys"]`) is still the method: use `d:get(key)`.
function ModuleDict:get(key) return rawget(self, "_modules").values[key] end
