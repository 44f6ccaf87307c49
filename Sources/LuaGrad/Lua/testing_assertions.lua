-- The assertions of `luagrad test`: luassert's `assert.are.equal(expected, actual)` chains,
-- built from words (`assert.is_not.near`), and the plain `assert(v, message)`, which now
-- reports the calling line. Installs the global `assert`; receives the helpers of
-- testing_values.lua.

local values = ...
local show, message_of, strip_position = values.show, values.message_of, values.strip_position
local has_tostring, safe_tostring = values.has_tostring, values.safe_tostring
local difference, callable, caller_location = values.difference, values.callable, values.caller_location

local type, error, pcall, rawget, rawequal, setmetatable, ipairs =
  type, error, pcall, rawget, rawequal, setmetatable, ipairs
local format, concat, pack, unpack = string.format, table.concat, table.pack, table.unpack
local abs = math.abs
local G = _G

-- MARK: - Assertions

local assertions = {}

local function register(names, arity, check)
  for name in names:gmatch("%S+") do assertions[name] = { arity = arity, check = check } end
end

local function misuse(message) error(message, 0) end

local function current_torch()
  local torch = rawget(G, "torch")
  if torch == nil and package and package.loaded then torch = package.loaded.torch end
  return torch
end

register("equal equals", 2, function(expected, actual)
  return expected == actual, function(negated)
    if negated then
      return "expected a value different from " .. show(expected) .. ", got " .. show(actual)
    end
    local message = "expected " .. show(expected) .. ", got " .. show(actual)
    if type(expected) == "table" and type(actual) == "table" and show(expected) == show(actual) then
      message = message .. " (different tables: use assert.are.same to compare contents)"
    end
    return message
  end
end)

register("same", 2, function(expected, actual)
  local where = difference(expected, actual, "", {})
  return where == nil, function(negated)
    if negated then
      return "expected a value not the same as " .. show(expected) .. ", got " .. show(actual)
    end
    local at = (where and where ~= "") and (" (first difference at " .. where .. ")") or ""
    return "expected " .. show(expected) .. ", got " .. show(actual) .. at
  end
end)

local function exact(name, wanted)
  register(name, 1, function(value)
    return rawequal(value, wanted), function(negated)
      if negated then return "expected a value other than " .. show(wanted) .. ", got " .. show(value) end
      return "expected " .. show(wanted) .. ", got " .. show(value)
    end
  end)
end
exact("true", true)
exact("false", false)
exact("nil", nil)

register("truthy", 1, function(value)
  return value and true or false, function(negated)
    return "expected a " .. (negated and "falsy" or "truthy") .. " value, got " .. show(value)
  end
end)

register("falsy", 1, function(value)
  return not value, function(negated)
    return "expected a " .. (negated and "truthy" or "falsy") .. " value, got " .. show(value)
  end
end)

for _, kind in ipairs({ "number", "string", "table", "function", "boolean", "userdata", "thread" }) do
  register(kind, 1, function(value)
    return type(value) == kind, function(negated)
      local article = kind:match("^[aeiou]") and "an " or "a "
      return "expected " .. (negated and "not " or "") .. article .. kind .. ", got " .. show(value)
        .. " (a " .. type(value) .. ")"
    end
  end)
end

register("error errors", 2, function(fn, expected)
  if not callable(fn) then misuse("expected a function to call, got " .. show(fn)) end
  local ok, err = pcall(fn)
  local got = strip_position(err)
  if not ok and type(expected) == "string" and type(got) ~= "string" and has_tostring(got) then
    got = safe_tostring(got)
  end
  local pass
  if ok then pass = false
  elseif expected == nil then pass = true
  elseif type(expected) == "table" then pass = difference(expected, got, "", {}) == nil
  else pass = (expected == got) end
  return pass, function(negated)
    if negated then
      if expected == nil then return "expected no error, got error " .. show(got) end
      return "expected an error other than " .. show(expected) .. ", got it"
    end
    if ok then
      if expected == nil then return "expected an error, but none was raised" end
      return "expected error " .. show(expected) .. ", but no error was raised"
    end
    return "expected error " .. show(expected) .. ", got error " .. show(got)
  end
end)

register("error_matches error_match matches_error", 4, function(fn, pattern, init, plain)
  if not callable(fn) then misuse("expected a function to call, got " .. show(fn)) end
  if type(pattern) ~= "string" then misuse("expected a pattern (string), got " .. show(pattern)) end
  local ok, err = pcall(fn)
  local got = strip_position(err)
  if not ok and type(got) ~= "string" and has_tostring(got) then got = safe_tostring(got) end
  local pass = not ok and type(got) == "string" and got:find(pattern, init, plain) ~= nil
  return pass, function(negated)
    if negated then return "expected no error matching " .. show(pattern) .. ", got error " .. show(got) end
    if ok then return "expected an error matching " .. show(pattern) .. ", but none was raised" end
    return "expected an error matching " .. show(pattern) .. ", got error " .. show(got)
  end
end)

register("matches match", 4, function(pattern, actual, init, plain)
  if type(pattern) ~= "string" then misuse("expected a pattern (string), got " .. show(pattern)) end
  local pass = type(actual) == "string" and actual:find(pattern, init, plain) ~= nil
  return pass, function(negated)
    return "expected a string " .. (negated and "not " or "") .. "matching " .. show(pattern)
      .. ", got " .. show(actual)
  end
end)

register("near", 3, function(expected, actual, tolerance)
  for _, v in ipairs({ expected, actual, tolerance }) do
    if type(v) ~= "number" then
      misuse("expected numbers (expected, actual, tolerance), got " .. show(expected) .. ", "
        .. show(actual) .. ", " .. show(tolerance))
    end
  end
  local pass = abs(expected - actual) <= tolerance
  return pass, function(negated)
    return "expected " .. (negated and "a value not within " or "") .. show(expected) .. " +/- "
      .. show(tolerance) .. ", got " .. show(actual) .. " (off by " .. show(abs(expected - actual)) .. ")"
  end
end)

register("allclose", 3, function(actual, expected, options)
  local torch = current_torch()
  if not (type(torch) == "table" and torch.allclose) then misuse("needs torch.allclose") end
  local ok, result
  if options == nil then ok, result = pcall(torch.allclose, actual, expected)
  else ok, result = pcall(torch.allclose, actual, expected, options) end
  local both = "\nexpected:\n" .. show(expected) .. "\ngot:\n" .. show(actual)
  if not ok then misuse("cannot compare: " .. strip_position(message_of(result)) .. both) end
  local rtol = type(options) == "table" and options.rtol or 1e-05
  local atol = type(options) == "table" and options.atol or 1e-08
  return result == true, function(negated)
    return format("tensors are %s (rtol=%s, atol=%s)", negated and "close, expected them not to be" or "not close",
      show(rtol), show(atol)) .. both
  end
end)

register("gradcheck", 3, function(f, inputs, options)
  local torch = current_torch()
  local autograd = type(torch) == "table" and torch.autograd
  if not (autograd and autograd.gradcheck) then misuse("needs torch.autograd.gradcheck") end
  local ok, result
  if options == nil then ok, result = pcall(autograd.gradcheck, f, inputs)
  else ok, result = pcall(autograd.gradcheck, f, inputs, options) end
  local reason = ok and ("gradcheck returned " .. show(result)) or strip_position(message_of(result))
  return ok and result == true, function(negated)
    if negated then return "expected gradcheck to fail, but it passed" end
    return "gradcheck failed: " .. reason
  end
end)

local MODIFIERS = { is = true, are = true, was = true, has = true, does = true, to = true, be = true,
  ["not"] = "negate", no = "negate" }

-- Finds the assertion named by the longest tail of `tokens`; the rest must be modifiers.
local function resolve(tokens)
  for first = 1, #tokens do
    local assertion = assertions[concat(tokens, "_", first)]
    if assertion then
      local negated = false
      for i = 1, first - 1 do
        local modifier = MODIFIERS[tokens[i]]
        if not modifier then return nil end
        if modifier == "negate" then negated = not negated end
      end
      return assertion, negated
    end
  end
  return nil
end

-- Raises a failure positioned at the line that called the assertion.
local function fail(where, message)
  if where then error(where .. ": " .. message, 0) end
  error(message, 0)
end

local TOKENS = {}
local chain_meta = {}

local function new_chain(tokens) return setmetatable({ [TOKENS] = tokens }, chain_meta) end

chain_meta.__index = function(self, key)
  if type(key) ~= "string" then return nil end
  local tokens = { unpack(rawget(self, TOKENS)) }
  for token in key:lower():gmatch("[^_]+") do tokens[#tokens + 1] = token end
  return new_chain(tokens)
end

chain_meta.__call = function(self, ...)
  local tokens = rawget(self, TOKENS)
  local spelled = "assert." .. concat(tokens, "_")
  local where = caller_location(1)
  local assertion, negated = resolve(tokens)
  if not assertion then fail(where, "unknown assertion " .. spelled) end
  local args = pack(...)
  local custom = args.n > assertion.arity and args[assertion.arity + 1] or nil
  local ok, pass, explain = pcall(assertion.check, unpack(args, 1, assertion.arity))
  if not ok then fail(where, spelled .. " " .. strip_position(message_of(pass))) end
  if negated then pass = not pass end
  if not pass then
    local message = explain(negated)
    if type(custom) == "string" then message = custom .. ": " .. message end
    fail(where, message)
  end
  return ...
end

G.assert = setmetatable({}, {
  __index = function(_, key) return chain_meta.__index(new_chain({}), key) end,
  -- Plain assert(v, message, ...): Lua's, but the failure carries the calling line.
  __call = function(_, value, message, ...)
    if not value then
      if message == nil then message = "assertion failed!" end
      if type(message) == "string" then fail(caller_location(1), message) end
      error(message, 0)
    end
    return value, message, ...
  end,
})
