-- Reads what real PyTorch printed for a test file: `fixtures/NAME.txt` beside the test,
-- produced by `fixtures/NAME.py` (see fixtures/README.md). The file is a list of sections,
-- each a line `### KEY` followed by its text; `prelude.py` writes them.
--
--   local fixture = require "pytorch_fixture"
--   local pt = fixture.load("printing")          -- fixtures/printing.txt next to this test
--   assert.are.equal(pt.text("arange"), tostring(torch.arange(4.0)))
--   pt.assert_tensor("exp", x:exp())              -- dtype, shape and values (see below)

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

  --- The expected tensor of a section written by prelude.py's tensor(): a LuaGrad tensor
  --- with PyTorch's dtype and values, plus its description {dtype=, shape=, values=}.
  function pt.tensor(key)
    local d = pt.value(key)
    local dtype = assert(torch[d.dtype:match("^torch%.(.+)$")], d.dtype)
    local t = torch.tensor(d.values, { dtype = dtype })
    if #d.shape ~= t.ndim then t = t:reshape(table.unpack(d.shape)) end
    return t, d
  end

  --- Asserts that `actual` has the section's dtype and shape and its values: exactly, or
  --- within `options` (`{rtol=, atol=}`, torch.allclose's defaults when `options.close`).
  function pt.assert_tensor(key, actual, options)
    local expected, d = pt.tensor(key)
    if not torch.is_tensor(actual) then fail(key .. ": expected a tensor, got " .. tostring(actual)) end
    if tostring(actual.dtype) ~= d.dtype then
      fail(key .. ": expected dtype " .. d.dtype .. ", got " .. tostring(actual.dtype))
    end
    local shape = shape_of(actual)
    if show_list(shape) ~= show_list(d.shape) then
      fail(key .. ": expected shape " .. show_list(d.shape) .. ", got " .. show_list(shape))
    end
    local close
    if options and (options.close or options.rtol or options.atol) then
      close = torch.allclose(actual:double(), expected:double(),
        { rtol = options.rtol or 1e-05, atol = options.atol or 1e-08, equal_nan = true })
    else
      close = torch.equal(actual, expected) or
        torch.allclose(actual:double(), expected:double(), { rtol = 0, atol = 0, equal_nan = true })
    end
    if not close then
      fail(key .. ": values differ from PyTorch's\nexpected:\n" .. tostring(expected) ..
        "\ngot:\n" .. tostring(actual))
    end
  end

  return pt
end

return M
