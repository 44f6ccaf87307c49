-- The Lua side of `luagrad kernel`: how a cell's values are shown and what inspect says
-- (completion is the host's, shared with the REPL: ScriptHost.completions). Loaded once per kernel with the Swift callback that publishes display_data;
-- returns the table of functions the Swift side calls (JupyterKernel/LuaSide.swift).
local publish_display = ...
local kernel = {}

-- MARK: Showing values

-- The SVG text of `value` when it is a picture, else nil. A value shows as SVG when its
-- metatable has `__repr_svg` (a function returning the text), or when it is a
-- luagrad.plot figure (metatable named "plot.Figure", with a `svg` method).
local function svg_of(value)
  local mt = getmetatable(value)
  if type(mt) ~= "table" then return nil end
  local render = rawget(mt, "__repr_svg")
  if render == nil and rawget(mt, "__name") == "plot.Figure" then render = value.svg end
  if type(render) ~= "function" then return nil end
  local text = render(value)
  if type(text) ~= "string" then
    error("__repr_svg returned a " .. type(text) .. " (SVG text expected)", 0)
  end
  return text
end

-- The text of values as the REPL echoes them: `tostring` of each, separated by tabs.
local function echo_text(results)
  local texts = {}
  for i = 1, results.n do texts[i] = tostring(results[i]) end
  return table.concat(texts, "\t")
end

-- Runs a compiled cell; returns nothing when it gave no values, else the echo text and, for
-- a single picture, its SVG. The cell's errors pass through (with their traceback).
function kernel.run(cell)
  local results = table.pack(cell())
  if results.n == 0 then return end
  _G._ = results[1]
  return echo_text(results), results.n == 1 and svg_of(results[1]) or nil
end

-- `display(value, ...)`: shows each value now, as a cell's result would be shown.
function _G.display(...)
  local values = table.pack(...)
  for i = 1, values.n do
    local value = values[i]
    publish_display(tostring(value), svg_of(value))
  end
end

-- `torch.viz.svg(t)` without a file name: a graph that shows itself (`torch.viz.svg(t, path)`
-- still writes the file).
do
  local viz = torch and torch.viz
  local write_svg = viz and viz.svg
  if write_svg then
    local Graph = { __name = "viz.Graph" }
    Graph.__index = Graph
    function Graph.__repr_svg(graph)
      local path = os.tmpname()
      local ok, err = pcall(write_svg, graph.roots, path)
      local file = ok and io.open(path, "rb")
      local text = file and file:read("a")
      if file then file:close() end
      os.remove(path)
      if not ok then error(err, 0) end
      return text
    end
    function Graph.__tostring(graph) return "<autograd graph: display it, or torch.viz.dot(t) for its DOT text>" end
    viz.svg = function(roots, path, ...)
      if path == nil then return setmetatable({ roots = roots }, Graph) end
      return write_svg(roots, path, ...)
    end
  end
end

-- MARK: Inspection

-- The value of a dotted path ("torch.nn") from the globals, or nil; never raises.
local function resolve(path)
  local value = _G
  for name in path:gmatch("[^.:]+") do
    local ok, next_value = pcall(function() return value[name] end)
    if not ok then return nil end
    value = next_value
    if value == nil then return nil end
  end
  return value
end

-- `inspect(code, cursor)`: what `help` says about the name around byte `cursor`, or nil.
function kernel.inspect(code, cursor)
  local before = code:sub(1, cursor):match("[%a_][%w_%.:]*$") or ""
  local after = code:sub(cursor + 1):match("^[%w_]*") or ""
  local path = (before .. after):gsub("[.:]$", "")
  if path == "" then return nil end
  local value = resolve(path)
  if value == nil then return nil end
  local lines = {}
  local real_print = print
  print = function(...) lines[#lines + 1] = table.concat({ ... }, "\t") end
  local ok = pcall(help, value)
  print = real_print
  local text = table.concat(lines, "\n")
  if not ok or text == "" or text:match("^help: no documentation") then
    local shown, text_of_value = pcall(tostring, value)
    return path .. ": " .. type(value) .. (shown and "\n" .. text_of_value or "")
  end
  return text
end

return kernel
