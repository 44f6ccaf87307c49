-- luagrad.plot: the figures of "Dive into Deep Learning" as SVG files, drawn in Lua.
--
--   local plot = require "luagrad.plot"
--   plot.plot(x, {f(x), 2 * x - 3}, {xlabel = "x", ylabel = "f(x)",
--             legend = {"f(x)", "Tangent line (x=1)"}}):save("tangent.svg")
--
--   local fig, ax = plot.subplots(1, 2, {figsize = {7, 2.5}})
--   ax[1]:plot(x, y, "r:", {label = "loss"}); ax[1]:set_xlabel("epoch"); ax[1]:legend()
--   ax[2]:hist(samples, {bins = 20})
--   fig:savefig("figure.svg")          -- or fig:svg() for the text
--
-- The object API (Figure, Axes) follows matplotlib's; plot.plot, plot.set_axes and
-- plot.ProgressBoard are d2l's helpers on top of it. Data are tensors or Lua arrays of
-- numbers. docs/plotting.md has the whole tour.
local torch = require "luagrad"
local svg = require "luagrad.plot_svg"
local ticks = require "luagrad.plot_ticks"

local plot = {}
local format = string.format

local function raise(message, level) error("plot: " .. message, (level or 1) + 1) end

-- MARK: data

--- A Lua array of numbers from a tensor (0-d or 1-d) or an array; `what` names it in errors.
local function numbers(v, what)
  if torch.is_tensor(v) then
    if v:dim() > 1 then raise(format("%s must be 1-D, got a %d-D tensor", what, v:dim()), 3) end
    v = v:dim() == 0 and { v:item() } or v:detach():tolist()
  elseif type(v) ~= "table" then
    raise(format("%s must be a tensor or an array of numbers, got %s", what, type(v)), 3)
  end
  local out = {}
  for i = 1, #v do
    local x = v[i]
    if type(x) == "boolean" then x = x and 1 or 0 end
    if type(x) ~= "number" then raise(format("%s[%d] is a %s, not a number", what, i, type(x)), 3) end
    out[i] = x
  end
  return out
end

--- matplotlib's x for `plot(y)`: 0, 1, ..., n - 1, as the book's figures show.
local function indices(n)
  local out = {}
  for i = 1, n do out[i] = i - 1 end
  return out
end

--- d2l's has_one_axis: a 1-D (or 0-d) tensor, or an array whose first item is a number.
local function has_one_axis(v)
  if torch.is_tensor(v) then return v:dim() <= 1 end
  return type(v) == "table" and (type(v[1]) == "number" or type(v[1]) == "boolean")
end

--- A list of series from d2l's X or Y: one series, a 2-D tensor (one series per row) or a
--- table of series.
local function series_list(v)
  if has_one_axis(v) then return { v } end
  if torch.is_tensor(v) then
    if v:dim() ~= 2 then raise(format("a tensor of series must be 1-D or 2-D, got %d-D", v:dim()), 3) end
    return v:detach():tolist()
  end
  return v
end

local function is_options(v)
  return type(v) == "table" and not torch.is_tensor(v) and v[1] == nil and next(v) ~= nil
end

-- MARK: formats and colours

-- matplotlib's default colour cycle (tab10) and its one-letter colours.
plot.colors = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" }
local LETTERS = { b = "#0000ff", g = "#008000", r = "#ff0000", c = "#00bfbf", m = "#bf00bf",
  y = "#bfbf00", k = "#000000", w = "#ffffff" }
-- Dash patterns of matplotlib's line styles at the default 1.5 pt width.
local DASHES = { ["-"] = false, ["--"] = "5.55 2.4", ["-."] = "9.6 2.4 1.5 2.4", [":"] = "1.5 2.48" }
local MARKERS = { ["."] = true, o = true, s = true, ["^"] = true, v = true, x = true, ["+"] = true,
  d = true, D = true, ["*"] = true }

--- A colour: a letter ("r"), "C0".."C9", a "#rrggbb" or an SVG colour name.
local function color_of(c)
  if LETTERS[c] then return LETTERS[c] end
  local n = type(c) == "string" and c:match("^C(%d)$")
  if n then return plot.colors[tonumber(n) + 1] end
  if type(c) == "string" and c:match("^#?%w+$") then return c end
  raise(format("unknown colour %s", tostring(c)), 4)
end

--- Reads a matplotlib format string ("-", "m--", "g-.", "r:", "o", "k.-") into
--- {color, linestyle, marker}; fields the string leaves out are nil.
function plot.parse_format(fmt)
  local result, i = {}, 1
  while i <= #fmt do
    local two, one = fmt:sub(i, i + 1), fmt:sub(i, i)
    local cycle = fmt:match("^C%d", i)
    if two == "--" or two == "-." then
      result.linestyle, i = two, i + 2
    elseif one == "-" or one == ":" then
      result.linestyle, i = one, i + 1
    elseif cycle then
      result.color, i = color_of(cycle), i + 2
    elseif LETTERS[one] then
      result.color, i = LETTERS[one], i + 1
    elseif MARKERS[one] then
      result.marker, i = one == "D" and "d" or one, i + 1
    else
      raise(format("unrecognized character '%s' in format string '%s'", one, fmt), 3)
    end
  end
  return result
end

-- MARK: Axes

--- One plotting area: its series, labels, scales, limits and legend.
local Axes = {}
Axes.__index = Axes
Axes.__name = "plot.Axes"
plot.Axes = Axes

local function new_axes(figure, row, col)
  local ax = setmetatable({ figure = figure, row = row, col = col }, Axes)
  ax:cla()
  return ax
end

--- Clears the axes (series, labels, limits, scales, legend), keeping its place.
function Axes:cla()
  self.series, self.color_index = {}, 0
  self.xlabel, self.ylabel, self.title, self.xlim, self.ylim = nil, nil, nil, nil, nil
  self.xscale, self.yscale, self.grid_on, self.legend_on, self.legend_loc = "linear", "linear", false, false, nil
  return self
end

--- The next colour of the cycle, for a series that names none.
function Axes:_next_color()
  self.color_index = self.color_index + 1
  return plot.colors[(self.color_index - 1) % #plot.colors + 1]
end

--- `ax:plot(y)`, `ax:plot(x, y)`, `ax:plot(x, y, fmt)`, each with an optional trailing table
--- `{label=, color=, linestyle=, linewidth=, marker=, markersize=}`. Returns the axes.
function Axes:plot(...)
  local args, n = { ... }, select("#", ...)
  local options = {}
  if n > 0 and (is_options(args[n]) or (type(args[n]) == "table" and type(args[n - 1]) == "string")) then
    options, n = args[n], n - 1
  end
  local fmt = ""
  if n > 0 and type(args[n]) == "string" then fmt, n = args[n], n - 1 end
  local x, y
  if n == 1 then
    y = numbers(args[1], "y"); x = indices(#y)
  elseif n == 2 then
    x, y = numbers(args[1], "x"), numbers(args[2], "y")
  else
    raise(format("Axes:plot expects (y), (x, y) or (x, y, fmt), got %d data arguments", n), 2)
  end
  if #x ~= #y then raise(format("x and y must have the same length, got %d and %d", #x, #y), 2) end
  local style = plot.parse_format(fmt)
  local linestyle = options.linestyle or style.linestyle or (style.marker and "none" or "-")
  if linestyle ~= "none" and DASHES[linestyle] == nil then
    raise(format("unknown linestyle '%s' (expected '-', '--', '-.', ':' or 'none')", tostring(linestyle)), 2)
  end
  local marker = options.marker or style.marker
  if marker ~= nil and not MARKERS[marker] then raise(format("unknown marker '%s'", tostring(marker)), 2) end
  local color = options.color and color_of(options.color) or style.color or self:_next_color()
  self.series[#self.series + 1] = {
    kind = "line", x = x, y = y, color = color, linestyle = linestyle, marker = marker,
    dash = linestyle ~= "none" and DASHES[linestyle] or nil, linewidth = options.linewidth or 1.5,
    markersize = options.markersize or 6, label = options.label,
  }
  return self
end

--- `ax:scatter(x, y, {s=36, color=, marker="o", label=})`: markers without a line. `s` is the
--- marker's area in points², as matplotlib's.
function Axes:scatter(x, y, options)
  options = options or {}
  x, y = numbers(x, "x"), numbers(y, "y")
  if #x ~= #y then raise(format("x and y must have the same length, got %d and %d", #x, #y), 2) end
  local marker = options.marker or "o"
  if not MARKERS[marker] then raise(format("unknown marker '%s'", tostring(marker)), 2) end
  self.series[#self.series + 1] = {
    kind = "scatter", x = x, y = y, linestyle = "none", marker = marker,
    color = (options.color or options.c) and color_of(options.color or options.c) or self:_next_color(),
    markersize = math.sqrt(options.s or 36), label = options.label,
  }
  return self
end

--- `ax:hist(values, {bins=10, range={lo, hi}, density=false, color=, label=})`: a histogram
--- of equal-width bins, the last one closed as NumPy's. Returns counts and edges (arrays).
function Axes:hist(values, options)
  options = options or {}
  local data, finite = numbers(values, "values"), {}
  for _, v in ipairs(data) do if v == v and v > -math.huge and v < math.huge then finite[#finite + 1] = v end end
  local bins = options.bins or 10
  if math.type(bins) ~= "integer" or bins < 1 then raise("bins must be a positive integer", 2) end
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(finite) do lo, hi = math.min(lo, v), math.max(hi, v) end
  if options.range then lo, hi = options.range[1], options.range[2] end
  if lo > hi then lo, hi = 0, 1 end
  if lo == hi then lo, hi = lo - 0.5, hi + 0.5 end
  local edges, counts, width = {}, {}, (hi - lo) / bins
  for i = 0, bins do edges[i + 1] = lo + i * width end
  for i = 1, bins do counts[i] = 0 end
  for _, v in ipairs(finite) do
    if v >= lo and v <= hi then
      local i = math.min(bins, math.floor((v - lo) / width) + 1)
      counts[i] = counts[i] + 1
    end
  end
  local heights = {}
  for i, c in ipairs(counts) do heights[i] = options.density and c / (#finite * width) or c end
  self.series[#self.series + 1] = {
    kind = "bars", edges = edges, heights = heights, label = options.label,
    color = options.color and color_of(options.color) or self:_next_color(),
  }
  return heights, edges
end

function Axes:set_xlabel(text) self.xlabel = text ~= nil and tostring(text) or nil; return self end
function Axes:set_ylabel(text) self.ylabel = text ~= nil and tostring(text) or nil; return self end
function Axes:set_title(text) self.title = text ~= nil and tostring(text) or nil; return self end

local function limits(lo, hi, what)
  if type(lo) == "table" then lo, hi = lo[1], lo[2] end
  if lo ~= nil and type(lo) ~= "number" or hi ~= nil and type(hi) ~= "number" then
    raise(format("%s limits must be numbers", what), 3)
  end
  if lo ~= nil and hi ~= nil and lo == hi then raise(format("%s limits must differ, got %s and %s", what, lo, hi), 3) end
  return { lo, hi }
end

--- `ax:set_xlim(lo, hi)` or `ax:set_xlim{lo, hi}`; nil keeps that end automatic.
function Axes:set_xlim(lo, hi) self.xlim = limits(lo, hi, "x"); return self end
function Axes:set_ylim(lo, hi) self.ylim = limits(lo, hi, "y"); return self end
--- `ax:set_xscale("log")`: "linear" or "log".
function Axes:set_xscale(name) ticks.scale(name); self.xscale = name; return self end
function Axes:set_yscale(name) ticks.scale(name); self.yscale = name; return self end
--- `ax:grid()` or `ax:grid(false)`: major grid lines.
function Axes:grid(on) self.grid_on = on ~= false; return self end

--- `ax:legend()` shows the series' labels; `ax:legend{"a", "b"}` labels the series in order
--- first (as d2l's set_axes does). `{loc="upper left"}` places it; the default is "best".
function Axes:legend(labels, options)
  if is_options(labels) then labels, options = nil, labels end
  if labels ~= nil then
    if type(labels) ~= "table" then raise("legend labels must be an array of strings", 2) end
    for i, series in ipairs(self.series) do
      if labels[i] ~= nil then series.label = tostring(labels[i]) end
    end
  end
  self.legend_on, self.legend_loc = true, options and options.loc
  return self
end

-- MARK: Figure

--- A figure: a size in inches and a grid of axes.
local Figure = {}
Figure.__index = Figure
Figure.__name = "plot.Figure"
plot.Figure = Figure

--- Writes `text` to `path` atomically with torch.io.write_text (a temporary file renamed into
--- place, so a failure never leaves a torn file under the target name). A sandbox keeps that
--- function only when the host granted a directory, and checks the path against it.
local function write_atomically(path, text)
  if type(path) ~= "string" or path == "" then raise("savefig needs a file name", 3) end
  local write_text = type(torch.io) == "table" and torch.io.write_text
  if type(write_text) ~= "function" then
    raise(format("cannot write '%s': this host gives scripts no file access (sandbox); fig:svg() returns the text", path), 3)
  end
  local ok, message = pcall(write_text, path, text)
  if not ok then
    message = tostring(message)
    if not message:find("^cannot write") then message = format("cannot write '%s': %s", path, message) end
    raise(message, 3)
  end
end

--- The figure as SVG text.
function Figure:svg() return svg.render(self) end

--- Writes the figure as an SVG file (atomically); returns `path`.
function Figure:savefig(path)
  write_atomically(path, self:svg())
  return path
end
Figure.save = Figure.savefig

-- MARK: the module

--- `plot.subplots(rows, cols, {figsize={w, h}})`: a figure and its axes, as matplotlib's
--- (squeezed): one Axes, an array of them for one row or column, else `axes[row][col]`.
function plot.subplots(rows, cols, options)
  if is_options(rows) then rows, cols, options = nil, nil, rows end
  rows, cols, options = rows or 1, cols or 1, options or {}
  if math.type(rows) ~= "integer" or math.type(cols) ~= "integer" or rows < 1 or cols < 1 then
    raise("subplots needs positive integer rows and cols", 2)
  end
  local size = options.figsize or { 3.5, 2.5 }
  if type(size) ~= "table" or type(size[1]) ~= "number" or type(size[2]) ~= "number" or size[1] <= 0 or size[2] <= 0 then
    raise("figsize must be {width, height} in inches", 2)
  end
  local fig = setmetatable({ width = size[1], height = size[2], rows = rows, cols = cols, axes = {} }, Figure)
  local grid = {}
  for r = 1, rows do
    grid[r] = {}
    for c = 1, cols do
      local ax = new_axes(fig, r, c)
      fig.axes[#fig.axes + 1] = ax
      grid[r][c] = ax
    end
  end
  if rows == 1 and cols == 1 then return fig, grid[1][1] end
  if rows == 1 then return fig, grid[1] end
  if cols == 1 then
    local column = {}
    for r = 1, rows do column[r] = grid[r][1] end
    return fig, column
  end
  return fig, grid
end

--- `plot.figure{figsize={w, h}}`: a figure with one axes (`fig.axes[1]`).
function plot.figure(options)
  return (plot.subplots(1, 1, options))
end

--- d2l's set_axes: labels, limits, scales and legend in one call, with the grid on.
function plot.set_axes(ax, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
  ax:set_xlabel(xlabel); ax:set_ylabel(ylabel)
  ax:set_xscale(xscale or "linear"); ax:set_yscale(yscale or "linear")
  if xlim then ax:set_xlim(xlim) end
  if ylim then ax:set_ylim(ylim) end
  if legend and #legend > 0 then ax:legend(legend) end
  ax:grid()
  return ax
end

local D2L_FORMATS = { "-", "m--", "g-.", "r:" }

--- d2l's plot: `plot.plot(X, Y, {xlabel, ylabel, legend, xlim, ylim, xscale, yscale, fmts,
--- figsize, axes})`, also `plot.plot(X, Y, "x", "f(x)", {...})` as the book calls it, and
--- `plot.plot(Y)`. X and Y are one series or a table of them (a 2-D tensor is one per row);
--- one X serves every Y. Draws into `axes` when given, else a new figure; returns the figure.
function plot.plot(X, Y, ...)
  local rest = { ... }
  local options = {}
  if is_options(Y) and select("#", ...) == 0 then Y, options = nil, Y end
  local xlabel, ylabel = rest[1], rest[2]
  if type(rest[1]) ~= "string" then xlabel = nil end
  if type(rest[2]) ~= "string" then ylabel = nil end
  for i = 1, 3 do if is_options(rest[i]) then options = rest[i] end end
  xlabel, ylabel = options.xlabel or xlabel, options.ylabel or ylabel
  if X == nil then raise("plot needs data", 2) end
  local xs = series_list(X)
  local ys
  if Y == nil then
    ys, xs = xs, {}
  else
    ys = series_list(Y)
  end
  local ax = options.axes
  local fig
  if ax then
    fig = ax.figure
    ax:cla()
  else
    fig, ax = plot.subplots(1, 1, { figsize = options.figsize })
  end
  local fmts = options.fmts or D2L_FORMATS
  for i, y in ipairs(ys) do
    local fmt = fmts[i] or "-"
    if #xs == 0 then ax:plot(y, fmt) else ax:plot(xs[(i - 1) % #xs + 1], y, fmt) end
  end
  plot.set_axes(ax, xlabel, ylabel, options.xlim, options.ylim, options.xscale, options.yscale, options.legend)
  return fig
end

return plot
