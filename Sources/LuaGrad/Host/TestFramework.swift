// MARK: - The busted-dialect test framework, in Lua

/// The Lua half of `luagrad test`: busted's `describe`/`it`/hooks and luassert-style
/// assertions. `TestRunner` loads it into a fresh host per test file; the chunk installs its
/// globals and returns `run(chunk, path, load_error)`, which runs the file's tests and returns
/// `{passed=, failed=, skipped=, failures={{name=, location=, message=}, ...}}`.
enum TestFramework {
    /// The chunk name, as it appears in error positions ("luagrad.test:12:").
    static let chunkName = "luagrad.test"

    static let source = #"""
local FRAMEWORK = "luagrad.test"

local type, tostring, tonumber, select, error, pcall, next, rawget, rawequal =
  type, tostring, tonumber, select, error, pcall, next, rawget, rawequal
local setmetatable, getmetatable, ipairs = setmetatable, getmetatable, ipairs
local format, concat, sort, insert = string.format, table.concat, table.sort, table.insert
local pack, unpack = table.pack, table.unpack
local abs, min, mathtype, huge = math.abs, math.min, math.type, math.huge
local getinfo = debug and debug.getinfo
local G = _G

-- MARK: - Showing values in messages

local show

local ESCAPES = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return ESCAPES[c] or format("\\%03d", c:byte()) end) .. '"'
end

local function show_number(x)
  if mathtype(x) == "integer" then return tostring(x) end
  if x ~= x then return "nan" end
  if x == huge then return "inf" elseif x == -huge then return "-inf" end
  local s = format("%.14g", x)
  if tonumber(s) ~= x then s = format("%.17g", x) end
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return s
end

local function safe_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return "<" .. type(v) .. ">"
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local function show_table(t, depth, seen)
  if has_tostring(t) then return safe_tostring(t) end
  if seen[t] then return "<cycle>" end
  if depth >= 3 then return "{...}" end
  seen[t] = true
  local parts, length = {}, 0
  while rawget(t, length + 1) ~= nil do length = length + 1 end
  for i = 1, min(length, 20) do
    parts[#parts + 1] = show(rawget(t, i), depth + 1, seen)
  end
  if length > 20 then parts[#parts + 1] = "..." end
  local keys = {}
  for k in next, t do
    if not (mathtype(k) == "integer" and k >= 1 and k <= length) then keys[#keys + 1] = k end
  end
  sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) < type(b) end
    if type(a) == "number" or type(a) == "string" then return a < b end
    return safe_tostring(a) < safe_tostring(b)
  end)
  for i, k in ipairs(keys) do
    if i > 20 then parts[#parts + 1] = "..."; break end
    local name = is_identifier(k) and k or ("[" .. show(k, depth + 1, seen) .. "]")
    parts[#parts + 1] = name .. " = " .. show(rawget(t, k), depth + 1, seen)
  end
  seen[t] = nil
  return "{" .. concat(parts, ", ") .. "}"
end

function show(v, depth, seen)
  local kind = type(v)
  if kind == "string" then return quote(v)
  elseif kind == "number" then return show_number(v)
  elseif kind == "table" then return show_table(v, depth or 0, seen or {})
  else return safe_tostring(v) end
end

-- The text of an error object.
local function message_of(err)
  if type(err) == "string" then return err end
  if type(err) == "number" then return show_number(err) end
  if has_tostring(err) then return safe_tostring(err) end
  return format("(error object is a %s value)", type(err))
end

-- "path:12: message" -> "message" (luassert compares error messages without position).
local function strip_position(message)
  if type(message) ~= "string" then return message end
  return (message:gsub("^[^\n]-:%d+: ", "", 1))
end

-- MARK: - Deep comparison

local function key_path(k)
  if is_identifier(k) then return "." .. k end
  return "[" .. show(k) .. "]"
end

-- nil when `a` and `b` are the same value (deeply), else the path where they first differ.
local function difference(a, b, path, seen)
  if rawequal(a, b) then return nil end
  if type(a) ~= "table" or type(b) ~= "table" or has_tostring(a) then
    local ok, equal = pcall(function() return a == b end)
    if ok and equal then return nil end
    return path
  end
  seen[a] = seen[a] or {}
  if seen[a][b] then return nil end
  seen[a][b] = true
  for k, va in next, a do
    local where = difference(va, rawget(b, k), path .. key_path(k), seen)
    if where then return where end
  end
  for k in next, b do
    if rawget(a, k) == nil then return path .. key_path(k) end
  end
  return nil
end

-- MARK: - Positions

-- "path:line" of the line that called the running function (level 1), or of its caller
-- (level 2), ...; nil when that is not a Lua line outside this framework.
local function caller_location(level)
  if not getinfo then return nil end
  local info = getinfo(level + 2, "Sl")
  if not info or not info.currentline or info.currentline <= 0 then return nil end
  local first = info.source:sub(1, 1)
  local source = (first == "@" or first == "=") and info.source:sub(2) or info.short_src
  if source == FRAMEWORK then return nil end
  return source .. ":" .. info.currentline
end

local file_path = "?"

-- Splits "source:line: message" into "source:line" and "message". Lua shortens long source
-- names to "...tail"; when the tail is the test file's, the full path is put back.
local function split_location(message, fallback)
  local source, line, rest = message:match("^([^\n]-):(%d+): (.*)$")
  if source and not source:find(": ", 1, true) then
    if source == FRAMEWORK then return fallback, rest end
    if source:sub(1, 3) == "..." and file_path:sub(-(#source - 3)) == source:sub(4) then
      source = file_path
    end
    return source .. ":" .. line, rest
  end
  return fallback, message
end

-- MARK: - Assertions

local assertions = {}

local function register(names, arity, check)
  for name in names:gmatch("%S+") do assertions[name] = { arity = arity, check = check } end
end

local function misuse(message) error(message, 0) end

local function callable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return type(mt) == "table" and rawget(mt, "__call") ~= nil
end

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

-- MARK: - Declaring tests

local root, current, running
local report

local function new_block(parent, name, location)
  local block = { kind = "block", parent = parent, name = name, location = location, children = {},
    before_each = {}, after_each = {}, setup = {}, teardown = {} }
  if parent then
    parent.children[#parent.children + 1] = block
    block.full_name = (parent.full_name ~= "") and (parent.full_name .. " " .. name) or name
  else
    block.full_name = ""
  end
  return block
end

local function check_declaring(what)
  if running then error(what .. " cannot be used inside a running test", 3) end
end

local function check_name(what, name, fn, optional)
  if type(name) ~= "string" then error(what .. " expects a name (string), got " .. show(name), 3) end
  if not (optional and fn == nil) and not callable(fn) then
    error(what .. " expects a function after its name, got " .. show(fn), 3)
  end
end

local function declare_test(name, fn, pending, location)
  local test = { kind = "test", parent = current, name = name, fn = fn, pending = pending, location = location }
  test.full_name = (current.full_name ~= "") and (current.full_name .. " " .. name) or name
  current.children[#current.children + 1] = test
end

function G.describe(name, fn)
  check_name("describe", name, fn)
  check_declaring("describe")
  local block = new_block(current, name, caller_location(1) or file_path)
  local outer = current
  current = block
  local ok, err = pcall(fn)
  current = outer
  if not ok then error(err, 0) end
end
G.context = G.describe

function G.it(name, fn)
  check_name("it", name, fn, true)
  check_declaring("it")
  declare_test(name, fn, fn == nil, caller_location(1) or file_path)
end
G.spec, G.test = G.it, G.it

local PENDING = setmetatable({}, { __tostring = function() return "pending" end })

function G.pending(name, fn)
  if running then error(PENDING, 0) end
  if type(name) ~= "string" then error("pending expects a name (string), got " .. show(name), 2) end
  declare_test(name, fn, true, caller_location(1) or file_path)
end

local function hook(list_name, what)
  return function(fn)
    if not callable(fn) then error(what .. " expects a function, got " .. show(fn), 2) end
    check_declaring(what)
    local list = current[list_name]
    list[#list + 1] = fn
  end
end
G.before_each = hook("before_each", "before_each")
G.after_each = hook("after_each", "after_each")
G.setup = hook("setup", "setup")
G.teardown = hook("teardown", "teardown")
G.lazy_setup, G.strict_setup = G.setup, G.setup
G.lazy_teardown, G.strict_teardown = G.teardown, G.teardown

function G.finally(fn)
  if not running then error("finally can only be used inside a running test", 2) end
  if not callable(fn) then error("finally expects a function, got " .. show(fn), 2) end
  running.finally[#running.finally + 1] = fn
end

-- MARK: - Running tests

local function record_failure(name, location, message)
  report.failed = report.failed + 1
  report.failures[#report.failures + 1] = { name = name, location = location, message = message }
end

local function fail_test(test, err, prefix)
  local location, message = split_location(message_of(err), test.location)
  record_failure(test.full_name, location, (prefix or "") .. message)
end

local function run_test(test)
  if test.pending then
    report.skipped = report.skipped + 1
    return
  end
  local chain = {}
  local block = test.parent
  while block do
    insert(chain, 1, block)
    block = block.parent
  end
  running = test
  test.finally = {}
  local failed, err = false, nil
  local function attempt(fn)
    local ok, e = pcall(fn)
    if not ok and not failed then failed, err = true, e end
    return ok
  end
  local reached = 0
  for i, b in ipairs(chain) do
    reached = i
    for _, fn in ipairs(b.before_each) do
      if not attempt(fn) then break end
    end
    if failed then break end
  end
  if not failed then attempt(test.fn) end
  for _, fn in ipairs(test.finally) do attempt(fn) end
  for i = reached, 1, -1 do
    for _, fn in ipairs(chain[i].after_each) do attempt(fn) end
  end
  running = nil
  if not failed then
    report.passed = report.passed + 1
  elseif rawequal(err, PENDING) then
    report.skipped = report.skipped + 1
  else
    fail_test(test, err)
  end
end

local function each_test(block, action)
  for _, child in ipairs(block.children) do
    if child.kind == "test" then action(child) else each_test(child, action) end
  end
end

local function run_block(block)
  local setup_failed, setup_error = false, nil
  for _, fn in ipairs(block.setup) do
    local ok, e = pcall(fn)
    if not ok then
      setup_failed, setup_error = true, e
      break
    end
  end
  if setup_failed then
    each_test(block, function(test)
      if test.pending then report.skipped = report.skipped + 1
      else fail_test(test, setup_error, "setup failed: ") end
    end)
  else
    for _, child in ipairs(block.children) do
      if child.kind == "test" then run_test(child) else run_block(child) end
    end
  end
  for _, fn in ipairs(block.teardown) do
    local ok, e = pcall(fn)
    if not ok then
      local location, message = split_location(message_of(e), block.location)
      local name = (block.full_name ~= "" and (block.full_name .. " ") or "") .. "(teardown)"
      record_failure(name, location, message)
    end
  end
end

-- Runs one test file: `chunk` is the compiled file (nil when it failed to compile, with
-- `load_error` its message).
return function(chunk, path, load_error)
  file_path = path
  root = new_block(nil, "", path)
  current, running = root, nil
  report = { passed = 0, failed = 0, skipped = 0, failures = {} }
  if chunk == nil then
    local location, message = split_location(message_of(load_error), path)
    record_failure("(loading the file)", location, message)
    return report
  end
  local ok, err = pcall(chunk)
  current = root
  if not ok then
    local location, message = split_location(message_of(err), path)
    record_failure("(loading the file)", location, message)
    return report
  end
  run_block(root)
  return report
end
"""#
}
