-- Runs the Lua examples of the documentation: `luagrad test docs`.
--
-- Every ```lua block of the files below runs as a test, in a fresh global environment (a table
-- that falls back on _G) with `print` captured. When a ```text block follows it (blank lines
-- apart), the captured output must equal that block exactly. A block right after the line
-- `<!-- not run -->` is skipped (fragments that only show syntax).

local FILES = {
  "../README.md", "getting-started.md", "tensors.md", "autograd.md", "lua-api.md",
  "porting-from-pytorch.md", "embedding.md", "testing.md", "architecture.md", "plotting.md", "files.md",
}

local here = debug.getinfo(1, "S").source:match("^@(.*)$") or "docs/examples_test.lua"
local dir = here:match("^(.*)/[^/]*$") or "."

-- The examples of one Markdown file: {line=, code=, expected=} in order.
local function examples(path)
  local file = assert(io.open(path, "r"))
  local lines = {}
  for line in file:lines() do lines[#lines + 1] = line end
  file:close()

  local found, i = {}, 1
  -- The block starting at the fence on line `i`: its text and the line after its closing fence.
  local function block(start)
    local body = {}
    local j = start + 1
    while j <= #lines and not lines[j]:match("^```%s*$") do
      body[#body + 1] = lines[j]
      j = j + 1
    end
    return table.concat(body, "\n"), j + 1
  end
  local function previous_text(k)
    k = k - 1
    while k >= 1 and lines[k]:match("^%s*$") do k = k - 1 end
    return lines[k] or ""
  end
  while i <= #lines do
    if lines[i]:match("^```lua%s*$") then
      local skip = previous_text(i):match("^<!%-%- not run %-%->$") ~= nil
      local code, after = block(i)
      local example = { line = i, code = code }
      local k = after
      while k <= #lines and lines[k]:match("^%s*$") do k = k + 1 end
      if k <= #lines and lines[k]:match("^```text%s*$") then
        example.expected, after = block(k)
      end
      if not skip then found[#found + 1] = example end
      i = after
    else
      i = i + 1
    end
  end
  return found
end

-- Runs `code` with print captured; returns the output (or raises the example's error).
local function run(code, name)
  local out = {}
  local env = setmetatable({}, { __index = _G })
  env.print = function(...)
    local parts = table.pack(...)
    for k = 1, parts.n do parts[k] = tostring(parts[k]) end
    out[#out + 1] = table.concat(parts, "\t", 1, parts.n) .. "\n"
  end
  -- Named as if saved to example.lua and run, so messages read as a reader would see them.
  local chunk, err = load(code, "=example.lua", "t", env)
  if not chunk then error(name .. ": " .. err, 0) end
  local grad_enabled, saved_print = torch.is_grad_enabled(), _G.print
  _G.print = env.print -- help() prints with the global print
  local ok, failure = pcall(chunk)
  _G.print = saved_print
  torch.set_grad_enabled(grad_enabled)
  if not ok then error(name .. ": " .. tostring(failure), 0) end
  return (table.concat(out):gsub("\n$", ""))
end

for _, file in ipairs(FILES) do
  describe(file, function()
    local ok, found = pcall(examples, dir .. "/" .. file)
    if not ok then
      it("can be read", function() error(found, 0) end)
      found = {}
    end
    for _, example in ipairs(found) do
      local name = file:gsub("^%.%./", "") .. ":" .. example.line
      it("example at line " .. example.line, function()
        local output = run(example.code, name)
        if example.expected then assert.are.equal(example.expected, output) end
      end)
    end
  end)
end
