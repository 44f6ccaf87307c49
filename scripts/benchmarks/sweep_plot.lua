-- Draws the cost curves of `scripts/bench --sweep`: LuaGrad time / PyTorch time against size,
-- one panel per family (element-wise, matmul, training step), log-scaled sizes.
--   luagrad sweep_plot.lua DATA SVG     (DATA: lines `kind size luagrad pytorch ratio`)
local plot = require "luagrad.plot"
local data, svg = arg[1], arg[2]
local series, order = {}, {}
for line in io.lines(data) do
  local kind, size, ratio = line:match("^(%S+)%s+(%S+)%s+%S+%s+%S+%s+(%S+)")
  if kind then
    if not series[kind] then series[kind] = {x = {}, y = {}}; order[#order + 1] = kind end
    table.insert(series[kind].x, tonumber(size))
    table.insert(series[kind].y, tonumber(ratio))
  end
end
local panels = {
  {title = "element-wise", xlabel = "elements", kinds = {"add", "relu", "add_"}},
  {title = "matmul (n × n)", xlabel = "n", kinds = {"matmul"}},
  {title = "MLP training step", xlabel = "batch", kinds = {"train"}},
}
local fig, axes = plot.subplots(1, 3, {figsize = {11, 3.2}})
for i, panel in ipairs(panels) do
  local ax = axes[i]
  local lo, hi = math.huge, -math.huge
  for _, kind in ipairs(panel.kinds) do
    local s = series[kind]
    if s then
      ax:plot(s.x, s.y, "-", {marker = "o", markersize = 3, label = kind})
      lo, hi = math.min(lo, s.x[1]), math.max(hi, s.x[#s.x])
    end
  end
  if lo < hi then ax:plot({lo, hi}, {1, 1}, "k:", {label = "PyTorch"}) end
  ax:set_xscale("log")
  ax:set_xlabel(panel.xlabel)
  if i == 1 then ax:set_ylabel("LuaGrad time / PyTorch time") end
  ax:set_title(panel.title)
  ax:set_ylim(0, nil)
  ax:grid(true)
  ax:legend()
end
fig:savefig(svg)
