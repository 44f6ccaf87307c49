-- The SVG writer of luagrad.plot: turns a figure (plot.lua's Figure and Axes tables) into SVG
-- text. Units are points (1/72 inch), as in matplotlib's SVG backend, so a 3.5 x 2.5 inch
-- figure is 252 x 180. The look follows matplotlib's defaults: DejaVu Sans at 10 pt, 1.5 pt
-- lines, 0.8 pt black spines with outward ticks, light grey grid, a legend with a rounded
-- half-transparent frame in the place that covers the fewest points ("best").
-- Each element carries a class (line, marker, bar, xtick, ytick, legend-entry, ...) so that
-- tests and stylesheets can find it.
local ticks = require "luagrad.plot_ticks"

local svg = {}
local concat, format, max, min, abs = table.concat, string.format, math.max, math.min, math.abs

local FONT = 10                 -- matplotlib's font.size
local TICK_LENGTH, TICK_PAD = 3.5, 3.5
local LABEL_PAD = 4             -- axes.labelpad
local EDGE_PAD = 4              -- room kept at the edges of an axes' cell
local GRID_COLOR, FRAME_COLOR = "#b0b0b0", "#cccccc"
local FONT_FAMILY = "DejaVu Sans, Bitstream Vera Sans, Arial, Helvetica, sans-serif"

-- MARK: text

--- Text for an SVG document: &, <, >, " and ' escaped.
function svg.escape(text)
  return (tostring(text):gsub("[&<>\"']", {
    ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;",
  }))
end

-- Advance widths of DejaVu Sans in ems, for laying out labels before a renderer sees them.
local NARROW = { ["."] = 0.318, [","] = 0.318, [" "] = 0.318, [":"] = 0.337, ["i"] = 0.278,
  ["l"] = 0.278, ["j"] = 0.278, ["f"] = 0.352, ["t"] = 0.392, ["r"] = 0.411, ["("] = 0.39,
  [")"] = 0.39, ["-"] = 0.361, ["I"] = 0.295, ["'"] = 0.275, ["|"] = 0.337, ["="] = 0.838,
  ["m"] = 0.974, ["w"] = 0.818, ["W"] = 0.989, ["M"] = 0.863 }

--- The approximate width in points of `text` at `size` points (UTF-8 aware).
function svg.text_width(text, size)
  local width = 0
  for _, code in utf8.codes(tostring(text)) do
    local ch = code < 128 and string.char(code) or nil
    local em = NARROW[ch]
    if not em then
      if ch and ch:match("%d") then em = 0.636
      elseif ch and ch:match("%u") then em = 0.70
      elseif code == 0x2212 then em = 0.838
      else em = 0.60 end
    end
    width = width + em * size
  end
  return width
end

--- A coordinate with at most two decimals and no trailing zeros.
local function num(v)
  local text = format("%.2f", v):gsub("0+$", ""):gsub("%.$", "")
  if text == "-0" then return "0" end
  return text
end

local function text_element(out, x, y, content, attributes)
  out[#out + 1] = format('<text x="%s" y="%s"%s>%s</text>', num(x), num(y), attributes or "", content)
end

--- The width of a tick label (plain or with an exponent, as "10" with "−1" raised).
local function label_width(label)
  local width = svg.text_width(label.text, FONT)
  if label.exponent then width = width + svg.text_width(label.exponent, FONT * 0.7) end
  return width
end

local function label_content(label)
  local content = svg.escape(label.text)
  if label.exponent then
    content = content .. format('<tspan dy="-4" font-size="7">%s</tspan>', svg.escape(label.exponent))
  end
  return content
end

-- MARK: limits of an axes

--- The view limits along one axis ("x" or "y"): the axes' limits where set, else the data's
--- range widened by the margins (bars stick to 0 along y).
local function view_limits(axes, which, scale)
  local lo, hi, sticky = nil, nil, {}
  for _, series in ipairs(axes.series) do
    local values = series[which]
    if series.kind == "bars" then
      values = which == "x" and series.edges or series.heights
      if which == "y" then sticky[#sticky + 1] = 0; lo = lo and min(lo, 0) or 0; hi = hi and max(hi, 0) or 0 end
    end
    for _, v in ipairs(values) do
      if scale.valid(v) then
        lo = lo and min(lo, v) or v
        hi = hi and max(hi, v) or v
      end
    end
  end
  local auto_lo, auto_hi = ticks.autoscale(lo, hi, scale, sticky)
  local limits = axes[which .. "lim"] or {}
  return limits[1] or auto_lo, limits[2] or auto_hi
end

-- MARK: geometry

--- The rectangle of the axes inside its cell and its ticks, leaving room for tick labels,
--- axis labels and the title (a "tight" layout, as the book's figures are saved).
local function layout(axes, cell)
  local xs, ys = ticks.scale(axes.xscale), ticks.scale(axes.yscale)
  local x0, x1 = view_limits(axes, "x", xs)
  local y0, y1 = view_limits(axes, "y", ys)
  local box = { x = cell.x + 40, y = cell.y + 8, w = cell.w - 52, h = cell.h - 40 }
  local xt, yt
  for _ = 1, 2 do
    xt = ticks.locate(x0, x1, xs, box.w, FONT * 3)
    yt = ticks.locate(y0, y1, ys, box.h, FONT * 2)
    local widest = 0
    for _, label in ipairs(yt.labels) do widest = max(widest, label_width(label)) end
    local left = EDGE_PAD + widest + TICK_PAD + TICK_LENGTH + (axes.ylabel and FONT * 1.2 + LABEL_PAD or 0)
    local bottom = EDGE_PAD + FONT * 1.2 + TICK_PAD + TICK_LENGTH + (axes.xlabel and FONT * 1.2 + LABEL_PAD or 0)
    local top = EDGE_PAD + FONT * 0.8 + (axes.title and FONT * 1.2 * 1.2 + 6 or 0)
    local last = xt.labels[#xt.labels]
    local right = EDGE_PAD + max(FONT * 0.5, last and label_width(last) / 2 or 0)
    box = { x = cell.x + left, y = cell.y + top, w = max(1, cell.w - left - right), h = max(1, cell.h - top - bottom) }
  end
  local u0, u1, v0, v1 = xs.forward(x0), xs.forward(x1), ys.forward(y0), ys.forward(y1)
  local function px(x) return box.x + (xs.forward(x) - u0) / (u1 - u0) * box.w end
  local function py(y) return box.y + box.h - (ys.forward(y) - v0) / (v1 - v0) * box.h end
  return { box = box, xt = xt, yt = yt, px = px, py = py, xs = xs, ys = ys }
end

-- MARK: series

--- The path data of a line, broken wherever a value cannot be drawn (NaN, inf, <= 0 on a log
--- axis) as matplotlib breaks it, and the drawable points (for markers and the legend).
local function line_path(series, g)
  local parts, points, pen_down = {}, {}, false
  for i = 1, #series.y do
    local x, y = series.x[i], series.y[i]
    if x ~= nil and g.xs.valid(x) and g.ys.valid(y) then
      local px, py = g.px(x), g.py(y)
      parts[#parts + 1] = (pen_down and "L" or "M") .. num(px) .. " " .. num(py)
      points[#points + 1] = { px, py }
      pen_down = true
    else
      pen_down = false
    end
  end
  return concat(parts, " "), points
end

--- A marker of `style` ("o", ".", "s", "^", "v", "x", "+", "d", "*") centred at (x, y).
local function marker(out, style, x, y, size, color)
  local r = size / 2
  local fill = format('fill="%s" stroke="%s" stroke-width="1"', color, color)
  if style == "o" or style == "." then
    if style == "." then r = r / 2 end
    out[#out + 1] = format('<circle class="marker" cx="%s" cy="%s" r="%s" %s/>', num(x), num(y), num(r), fill)
  elseif style == "s" then
    out[#out + 1] = format('<rect class="marker" x="%s" y="%s" width="%s" height="%s" %s/>',
      num(x - r), num(y - r), num(2 * r), num(2 * r), fill)
  elseif style == "x" or style == "+" then
    local d = style == "x" and format("M%s %s L%s %s M%s %s L%s %s", num(x - r), num(y - r), num(x + r), num(y + r), num(x - r), num(y + r), num(x + r), num(y - r))
      or format("M%s %s L%s %s M%s %s L%s %s", num(x - r), num(y), num(x + r), num(y), num(x), num(y - r), num(x), num(y + r))
    out[#out + 1] = format('<path class="marker" d="%s" fill="none" stroke="%s" stroke-width="1.5"/>', d, color)
  else
    local shapes = {
      ["^"] = { 0, -1, 1, 1, -1, 1 }, ["v"] = { 0, 1, 1, -1, -1, -1 }, d = { 0, -1, 0.6, 0, 0, 1, -0.6, 0 },
      ["*"] = { 0, -1, 0.22, -0.31, 0.95, -0.31, 0.36, 0.12, 0.59, 0.81, 0, 0.38, -0.59, 0.81, -0.36, 0.12, -0.95, -0.31, -0.22, -0.31 },
    }
    local shape, coords = shapes[style] or shapes["^"], {}
    for i = 1, #shape, 2 do coords[#coords + 1] = num(x + shape[i] * r) .. "," .. num(y + shape[i + 1] * r) end
    out[#out + 1] = format('<polygon class="marker" points="%s" %s/>', concat(coords, " "), fill)
  end
end

local function stroke_attributes(series)
  local dash = series.dash and format(' stroke-dasharray="%s"', series.dash) or ""
  local cap = series.dash and "butt" or "square"
  return format('fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="%s"%s',
    series.color, num(series.linewidth), cap, dash)
end

--- Draws one series into `out`; returns the points it covers (for placing the legend).
local function draw_series(out, series, g)
  local covered = {}
  if series.kind == "bars" then
    local base = g.py(g.ys.valid(0) and 0 or (g.ys == ticks.scales.log and 1e-300 or 0))
    for i, height in ipairs(series.heights) do
      local left, right = g.px(series.edges[i]), g.px(series.edges[i + 1])
      if g.ys.valid(height) then
        local top = g.py(height)
        out[#out + 1] = format('<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"/>',
          num(left), num(min(top, base)), num(abs(right - left)), num(abs(base - top)), series.color)
        covered[#covered + 1] = { (left + right) / 2, top }
      end
    end
    return covered, {}
  end
  local d, points = line_path(series, g)
  if series.linestyle ~= "none" and d ~= "" then
    out[#out + 1] = format('<path class="line" d="%s" %s/>', d, stroke_attributes(series))
  end
  if series.marker then
    for _, p in ipairs(points) do marker(out, series.marker, p[1], p[2], series.markersize, series.color) end
  end
  -- Segments count against a legend place as well as vertices.
  local segments = {}
  for i = 2, #points do segments[#segments + 1] = { points[i - 1], points[i] } end
  return points, segments
end

-- MARK: axis decorations

local function draw_grid(out, g)
  local b = g.box
  for _, x in ipairs(g.xt.major) do
    out[#out + 1] = format('<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="0.8"/>',
      num(g.px(x)), num(b.y), num(g.px(x)), num(b.y + b.h), GRID_COLOR)
  end
  for _, y in ipairs(g.yt.major) do
    out[#out + 1] = format('<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="0.8"/>',
      num(b.x), num(g.py(y)), num(b.x + b.w), num(g.py(y)), GRID_COLOR)
  end
end

local function draw_ticks(out, g)
  local b = g.box
  local bottom, left = b.y + b.h, b.x
  for i, x in ipairs(g.xt.major) do
    local px = g.px(x)
    out[#out + 1] = format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="0.8"/>',
      num(px), num(bottom), num(px), num(bottom + TICK_LENGTH))
    text_element(out, px, bottom + TICK_LENGTH + TICK_PAD + FONT * 0.76, label_content(g.xt.labels[i]),
      ' class="xtick" text-anchor="middle"')
  end
  for i, y in ipairs(g.yt.major) do
    local py = g.py(y)
    out[#out + 1] = format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="0.8"/>',
      num(left), num(py), num(left - TICK_LENGTH), num(py))
    text_element(out, left - TICK_LENGTH - TICK_PAD, py + FONT * 0.36, label_content(g.yt.labels[i]),
      ' class="ytick" text-anchor="end"')
  end
  for _, x in ipairs(g.xt.minor) do
    out[#out + 1] = format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="0.6"/>',
      num(g.px(x)), num(bottom), num(g.px(x)), num(bottom + 2))
  end
  for _, y in ipairs(g.yt.minor) do
    out[#out + 1] = format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="0.6"/>',
      num(left), num(g.py(y)), num(left - 2), num(g.py(y)))
  end
end

local function draw_labels(out, axes, g, cell)
  local b = g.box
  if axes.xlabel then
    text_element(out, b.x + b.w / 2, b.y + b.h + TICK_LENGTH + TICK_PAD + FONT * 1.2 + LABEL_PAD + FONT * 0.76,
      svg.escape(axes.xlabel), ' class="xlabel" text-anchor="middle"')
  end
  if axes.ylabel then
    local x, y = cell.x + EDGE_PAD + FONT * 0.8, b.y + b.h / 2
    out[#out + 1] = format('<text class="ylabel" x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)">%s</text>',
      num(x), num(y), num(x), num(y), svg.escape(axes.ylabel))
  end
  if axes.title then
    text_element(out, b.x + b.w / 2, b.y - 6, svg.escape(axes.title), ' class="title" text-anchor="middle" font-size="12"')
  end
end

-- MARK: legend

--- How many covered points and segments fall in the rectangle r (the legend's "badness").
local function badness(r, points, segments)
  local count = 0
  local function inside(p) return p[1] >= r.x and p[1] <= r.x + r.w and p[2] >= r.y and p[2] <= r.y + r.h end
  for _, p in ipairs(points) do if inside(p) then count = count + 1 end end
  for _, s in ipairs(segments) do
    -- A segment crossing the box without a vertex inside: sample it.
    if not inside(s[1]) and not inside(s[2]) then
      for t = 0.25, 0.75, 0.25 do
        if inside({ s[1][1] + (s[2][1] - s[1][1]) * t, s[1][2] + (s[2][2] - s[1][2]) * t }) then count = count + 1; break end
      end
    end
  end
  return count
end

-- matplotlib's order of places for loc="best", as fractions of the free room (x, y from top).
local PLACES = {
  ["upper right"] = { 1, 0 }, ["upper left"] = { 0, 0 }, ["lower left"] = { 0, 1 }, ["lower right"] = { 1, 1 },
  ["right"] = { 1, 0.5 }, ["center left"] = { 0, 0.5 }, ["center right"] = { 1, 0.5 },
  ["lower center"] = { 0.5, 1 }, ["upper center"] = { 0.5, 0 }, ["center"] = { 0.5, 0.5 },
}
local BEST_ORDER = { "upper right", "upper left", "lower left", "lower right", "right", "center left",
  "center right", "lower center", "upper center", "center" }

local function draw_legend(out, entries, g, loc, points, segments)
  if #entries == 0 then return end
  local pad, row, spacing, handle, gap = 4, FONT * 1.15, 5, 20, 8
  local widest = 0
  for _, e in ipairs(entries) do widest = max(widest, svg.text_width(e.label, FONT)) end
  local w = 2 * pad + handle + gap + widest
  local h = 2 * pad + #entries * row + (#entries - 1) * spacing
  local b, margin = g.box, 5
  local function rect(place)
    local f = PLACES[place]
    return { x = b.x + margin + f[1] * (b.w - w - 2 * margin), y = b.y + margin + f[2] * (b.h - h - 2 * margin), w = w, h = h }
  end
  local r
  if loc == nil or loc == "best" then
    local least
    for _, place in ipairs(BEST_ORDER) do
      local candidate = rect(place)
      local score = badness(candidate, points, segments)
      if not least or score < least then r, least = candidate, score end
    end
  else
    if not PLACES[loc] then
      error(format("plot: unknown legend loc '%s' (expected 'best', 'upper right', ...)", tostring(loc)), 0)
    end
    r = rect(loc)
  end
  out[#out + 1] = format('<g class="legend"><rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="#ffffff" fill-opacity="0.8" stroke="%s" stroke-width="1"/>',
    num(r.x), num(r.y), num(r.w), num(r.h), FRAME_COLOR)
  for i, e in ipairs(entries) do
    local cy = r.y + pad + (i - 1) * (row + spacing) + row / 2
    local hx = r.x + pad
    out[#out + 1] = '<g class="legend-entry">'
    local series = e.series
    if series.kind == "bars" then
      out[#out + 1] = format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>', num(hx), num(cy - 3.5), num(handle), num(7), series.color)
    else
      if series.linestyle ~= "none" then
        out[#out + 1] = format('<path d="M%s %s L%s %s" %s/>', num(hx), num(cy), num(hx + handle), num(cy), stroke_attributes(series))
      end
      if series.marker then marker(out, series.marker, hx + handle / 2, cy, series.markersize, series.color) end
    end
    text_element(out, hx + handle + gap, cy + FONT * 0.36, svg.escape(e.label), ' class="legend-label"')
    out[#out + 1] = "</g>"
  end
  out[#out + 1] = "</g>"
end

-- MARK: the document

local function draw_axes(out, axes, cell, index)
  local g = layout(axes, cell)
  local b = g.box
  local clip = "clip" .. index
  out[#out + 1] = format('<g class="axes">')
  out[#out + 1] = format('<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>',
    clip, num(b.x), num(b.y), num(b.w), num(b.h))
  out[#out + 1] = format('<rect class="background" x="%s" y="%s" width="%s" height="%s" fill="#ffffff"/>',
    num(b.x), num(b.y), num(b.w), num(b.h))
  if axes.grid_on then draw_grid(out, g) end
  local points, segments, entries = {}, {}, {}
  out[#out + 1] = format('<g clip-path="url(#%s)">', clip)
  for _, series in ipairs(axes.series) do
    local p, s = draw_series(out, series, g)
    table.move(p, 1, #p, #points + 1, points)
    table.move(s, 1, #s, #segments + 1, segments)
    if series.label ~= nil and axes.legend_on then entries[#entries + 1] = { label = series.label, series = series } end
  end
  out[#out + 1] = "</g>"
  out[#out + 1] = format('<rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#000000" stroke-width="0.8" stroke-linecap="square"/>',
    num(b.x), num(b.y), num(b.w), num(b.h))
  draw_ticks(out, g)
  draw_labels(out, axes, g, cell)
  if axes.legend_on then draw_legend(out, entries, g, axes.legend_loc, points, segments) end
  out[#out + 1] = "</g>"
end

--- The SVG text of `figure` (plot.lua's Figure: width and height in inches, rows, cols, axes).
function svg.render(figure)
  local W, H = figure.width * 72, figure.height * 72
  local out = {
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>',
    format('<svg xmlns="http://www.w3.org/2000/svg" width="%spt" height="%spt" viewBox="0 0 %s %s" version="1.1">',
      num(W), num(H), num(W), num(H)),
    format('<g font-family="%s" font-size="%d" fill="#000000">', FONT_FAMILY, FONT),
    format('<rect class="figure" x="0" y="0" width="%s" height="%s" fill="#ffffff"/>', num(W), num(H)),
  }
  local cw, ch = W / figure.cols, H / figure.rows
  for index, axes in ipairs(figure.axes) do
    local cell = { x = (axes.col - 1) * cw, y = (axes.row - 1) * ch, w = cw, h = ch }
    draw_axes(out, axes, cell, index)
  end
  out[#out + 1] = "</g>"
  out[#out + 1] = "</svg>"
  return concat(out, "\n") .. "\n"
end

return svg
