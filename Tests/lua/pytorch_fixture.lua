-- Reads what real PyTorch printed for a test file: `fixtures/NAME.txt` beside the test,
-- produced by `fixtures/NAME.py` (see fixtures/README.md). The file is a list of sections,
-- each a line `### KEY` followed by its text; `prelude.py` writes them.
--
--   local fixture = require "pytorch_fixture"
--   local pt = fixture.load("printing")          -- fixtures/printing.txt next to this test
--   assert.are.equal(pt.text("arange"), tostring(torch.arange(4.0)))
--   pt.assert_tensor("exp", x:exp(), {rtol = 1e-6}) -- dtype, shape and values (see below)
--   assert.are.equal(fixture.one_based(pt.text("bad dim")), fixture.message_of(f))

local M = {}

-- The directory of the Lua file `level` frames up the stack (1 = the caller of this function).
local function directory_of_caller(level)
  local source = debug.getinfo(level + 1, "S").source
  return source:match("^@(.*)[/\\][^/\\]*$") or "."
end

-- Splits a fixture file into its `### KEY` sections (text without the final newline).
local function parse(path)
  local file = assert(io.open(path, "r"))
  local content = file:read("a")
  file:close()
  local sections, key, lines = {}, nil, {}
  local function close_section()
    if key then sections[key] = table.concat(lines, "\n") end
  end
  for line in (content:gsub("\n$", "") .. "\n"):gmatch("(.-)\n") do
    local heading = line:match("^### (.+)$")
    if heading then
      close_section()
      key, lines = heading, {}
    elseif key then
      lines[#lines + 1] = line
    end
  end
  close_section()
  return sections
end

-- Raises a failure positioned at the test line that called the helper (two frames up).
local function fail(message)
  error(message, 3)
end

-- The shape of a tensor as a plain table.
local function shape_of(t)
  local shape = {}
  for i, n in ipairs(t.shape) do shape[i] = n end
  return shape
end

local function show_list(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = tostring(v) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- The elements of nested tables (or a lone value) in order.
local function flatten(value, into)
  into = into or {}
  if type(value) == "table" then
    for _, v in ipairs(value) do flatten(v, into) end
  else
    into[#into + 1] = value
  end
  return into
end

-- A number or boolean as Lua would read it back (%.17g round-trips doubles).
local function repr(v)
  if math.type(v) == "float" then return string.format("%.17g", v) end
  return tostring(v)
end

-- Whether `got` matches `expected`: equal, both nan, or |got - expected| <= atol + rtol * |expected|.
local function close_enough(got, expected, rtol, atol)
  if got == expected then return true end
  if type(got) ~= "number" or type(expected) ~= "number" then return false end
  if got ~= got and expected ~= expected then return true end
  if expected == math.huge or expected == -math.huge then return false end
  return math.abs(got - expected) <= atol + rtol * math.abs(expected)
end

--- Loads `fixtures/NAME.txt` beside the calling test file.
function M.load(name)
  local path = directory_of_caller(2) .. "/fixtures/" .. name .. ".txt"
  local sections = parse(path)
  local pt = {}

  --- The verbatim text of a section (PyTorch's str()).
  function pt.text(key)
    local text = sections[key]
    if text == nil then fail("no section '" .. key .. "' in " .. path) end
    return text
  end

  --- A section holding a Lua literal (number, boolean, nil, table), evaluated.
  function pt.value(key)
    local chunk = assert(load("return " .. pt.text(key), "=" .. key, "t", { math = math }))
    return chunk()
  end

  --- The description of a tensor section written by prelude.py's tensor():
  --- {dtype = "torch.float32", shape = {2, 3}, values = nested tables or a number}.
  function pt.tensor(key)
    return pt.value(key)
  end

  --- Asserts that `actual` has the section's dtype, shape and values: exactly, or within
  --- `options` (`{rtol=, atol=}` as torch.allclose; nan matches nan, inf matches inf).
  --- Values are compared through `tolist()`, as Lua numbers, not through LuaGrad's kernels.
  function pt.assert_tensor(key, actual, options)
    local d = pt.tensor(key)
    if not torch.is_tensor(actual) then fail(key .. ": expected a tensor, got " .. tostring(actual)) end
    if tostring(actual.dtype) ~= d.dtype then
      fail(key .. ": expected dtype " .. d.dtype .. ", got " .. tostring(actual.dtype) ..
        "\ngot:\n" .. tostring(actual))
    end
    local shape = shape_of(actual)
    if show_list(shape) ~= show_list(d.shape) then
      fail(key .. ": expected shape " .. show_list(d.shape) .. ", got " .. show_list(shape))
    end
    local expected, got = flatten(d.values), flatten(actual:tolist())
    local rtol = options and options.rtol or 0
    local atol = options and options.atol or 0
    for i = 1, #expected do
      if not close_enough(got[i], expected[i], rtol, atol) then
        fail(string.format("%s: values differ from PyTorch's at flat index %d: expected %s, got %s" ..
          " (rtol=%s, atol=%s)\nexpected:\n%s\ngot:\n%s", key, i, repr(expected[i]), repr(got[i]),
          rtol, atol, pt.text(key), tostring(actual)))
      end
    end
  end

  --- The tensor a section recorded, rebuilt from its exact values (float32 unless `dtype`
  --- says otherwise), so a test does not depend on the two random generators agreeing.
  function pt.recorded(key, dtype)
    return torch.tensor(pt.tensor(key).values, { dtype = dtype or torch.float32 })
  end

  --- Asserts that each zero of `actual` has the sign of the section's zero at that place
  --- (`assert_tensor` compares as Lua numbers, where -0.0 == 0.0).
  function pt.assert_zero_signs(key, actual)
    local expected, got = flatten(pt.tensor(key).values), flatten(actual:tolist())
    for i = 1, #expected do
      local e, g = expected[i], got[i]
      if e == 0 and g == 0 and (1 / e > 0) ~= (1 / g > 0) then
        fail(string.format("%s: the zero at flat index %d is %s, PyTorch's is %s", key, i, repr(g), repr(e)))
      end
    end
  end

  return pt
end

--- The message of the error `fn(...)` raises, without the position Lua puts in front (a test
--- compares it with PyTorch's message).
function M.message_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return (tostring(err):gsub("^[^:\n]*:%d+: ", ""))
end

--- PyTorch's message with its 0-based "index N" and "dimension N" shifted to Lua's 1-based ones.
function M.one_based(text)
  return (text:gsub("index (%d+)", function(n) return "index " .. (tonumber(n) + 1) end)
    :gsub("dimension (%d+)", function(n) return "dimension " .. (tonumber(n) + 1) end))
end

return M
