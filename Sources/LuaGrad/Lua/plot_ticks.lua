-- Scales, limits and ticks for luagrad.plot: the arithmetic behind an axis, with no drawing.
-- It follows matplotlib's defaults so that a figure looks like the book's: data limits widened
-- by 5% on each side, major ticks at 1-2-2.5-5 multiples of a power of ten chosen from the
-- axis length (MaxNLocator), decades and unlabeled 2..9 minor ticks on log axes (LogLocator),
-- and labels with as few decimals as the ticks need, using a real minus sign.
local ticks = {}

local floor, log10, abs, huge = math.floor, math.log10 or function(x) return math.log(x, 10) end, math.abs, math.huge

-- MARK: scales

--- A scale maps data values to a linear space where the axis is drawn: identity or log10.
--- `valid(v)` says whether a value can be drawn at all (a log axis drops v <= 0).
local scales = {
  linear = {
    forward = function(v) return v end,
    inverse = function(u) return u end,
    valid = function(v) return v == v and v > -huge and v < huge end,
  },
  log = {
    forward = function(v) return log10(v) end,
    inverse = function(u) return 10 ^ u end,
    valid = function(v) return v == v and v > 0 and v < huge end,
  },
}

--- The scale called `name` ("linear" or "log"), or an error naming the choices.
function ticks.scale(name)
  local scale = scales[name or "linear"]
  if not scale then
    error(string.format("plot: unknown scale '%s' (expected 'linear' or 'log')", tostring(name)), 3)
  end
  return scale
end

-- MARK: limits

--- The view interval for data spanning [lo, hi] (already checked against the scale), widened
--- by matplotlib's 5% margins in the scale's space. `sticky` values (a histogram's 0) are not
--- crossed by the margin. Empty data gives matplotlib's default (0, 1) or (1, 10) on log axes.
function ticks.autoscale(lo, hi, scale, sticky)
  if lo == nil then
    return scale == scales.log and 1 or 0, scale == scales.log and 10 or 1
  end
  local a, b = scale.forward(lo), scale.forward(hi)
  if a == b then
    -- One value: matplotlib widens a flat range by a tenth of its size (or by 1 at zero).
    local pad = a == 0 and 1 or abs(a) * 0.1
    if scale == scales.log then pad = 1 end
    a, b = a - pad, b + pad
  else
    local margin = (b - a) * 0.05
    a, b = a - margin, b + margin
  end
  local vlo, vhi = scale.inverse(a), scale.inverse(b)
  for _, s in ipairs(sticky or {}) do
    if lo >= s and vlo < s then vlo = s end
    if hi <= s and vhi > s then vhi = s end
  end
  return vlo, vhi
end

-- MARK: linear ticks

-- matplotlib's AutoLocator steps, extended one decade down and up (MaxNLocator._staircase).
local STEPS = { 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20 }

--- Major tick positions for the view [vmin, vmax] with at most `nbins` intervals: the
--- largest-but-one round step that still gives two ticks inside the view, as MaxNLocator does.
local function linear_ticks(vmin, vmax, nbins)
  if vmax < vmin then vmin, vmax = vmax, vmin end
  local span = vmax - vmin
  if span == 0 then return { vmin } end
  -- Far from zero, ticks are counted from an offset so the steps stay meaningful.
  local mean = (vmin + vmax) / 2
  local offset = 0
  if abs(mean) / span >= 100 then offset = (mean < 0 and -1 or 1) * 10 ^ floor(log10(abs(mean))) end
  local scale = 10 ^ floor(log10(span / nbins))
  local lo, hi = vmin - offset, vmax - offset
  local raw = span / nbins
  local chosen = #STEPS
  for i, step in ipairs(STEPS) do
    if step * scale >= raw then chosen = i; break end
  end
  local result
  for i = chosen, 1, -1 do
    local step = STEPS[i] * scale
    local base = floor(lo / step) * step
    -- Closeness tolerance as matplotlib's _Edge_integer: a tick within 1e-10 steps counts.
    local first = floor((lo - base) / step + 1e-10)
    local last = math.ceil((hi - base) / step - 1e-10)
    local positions, inside = {}, 0
    for k = first, last do
      local v = k * step + base
      if abs(v) < step * 1e-10 then v = 0 end
      -- 3 * 0.2 is 0.6000000000000001: keep the round number the tick stands for.
      positions[#positions + 1] = tonumber(string.format("%.12g", v + offset))
      if v >= lo - step * 1e-10 and v <= hi + step * 1e-10 then inside = inside + 1 end
    end
    result = positions
    if inside >= 2 then break end
  end
  return result
end

-- MARK: labels

--- The fewest decimals (up to 10) that print every value in `values` exactly.
local function decimals_for(values)
  for d = 0, 10 do
    local ok = true
    for _, v in ipairs(values) do
      local text = string.format("%." .. d .. "f", v)
      if abs(tonumber(text) - v) > abs(v) * 1e-9 + 1e-12 then ok = false; break end
    end
    if ok then return d end
  end
  return 10
end

--- A number as matplotlib prints it on an axis: "−" (U+2212) for negatives, never "-0".
local function with_minus(text)
  if text:match("^%-0%.?0*$") then return text:sub(2) end
  return (text:gsub("^%-", "\u{2212}"))
end

--- Labels for linear ticks: the same number of decimals for all, as ScalarFormatter does.
local function linear_labels(values)
  local d = decimals_for(values)
  local labels = {}
  for i, v in ipairs(values) do labels[i] = { text = with_minus(string.format("%." .. d .. "f", v)) } end
  return labels
end

-- MARK: log ticks

--- Decade ticks for a log view and the 2..9 minor ticks between them. When the view holds
--- more decades than `nbins`, every n-th decade is labeled and minor ticks are dropped,
--- as LogLocator does.
local function log_ticks(vmin, vmax, nbins)
  local lo, hi = log10(vmin), log10(vmax)
  if hi < lo then lo, hi = hi, lo end
  local first, last = floor(lo), math.ceil(hi)
  local stride = math.max(1, math.ceil((last - first + 1) / math.max(nbins, 1)))
  local major, labels, minor = {}, {}, {}
  for e = first - first % stride, last, stride do
    major[#major + 1] = 10 ^ e
    labels[#labels + 1] = { text = "10", exponent = with_minus(tostring(e)) }
  end
  if stride == 1 then
    for e = first, last do
      for m = 2, 9 do minor[#minor + 1] = m * 10 ^ e end
    end
  end
  return major, labels, minor
end

-- MARK: the axis

--- Everything an axis shows: `{major = {values}, labels = {{text, exponent?}}, minor = {values}}`
--- for the view [vmin, vmax] on `scale`, for an axis `length` points long whose labels stand
--- `label_size` points apart (matplotlib: 3 font sizes along x, 2 along y).
function ticks.locate(vmin, vmax, scale, length, label_size)
  local nbins = math.max(1, math.min(9, floor(length / label_size)))
  local major, labels, minor
  if scale == scales.log then
    major, labels, minor = log_ticks(vmin, vmax, nbins)
  else
    major = linear_ticks(vmin, vmax, nbins)
    labels, minor = linear_labels(major), {}
  end
  -- Keep what lies inside the view (with a little tolerance for rounding).
  local lo, hi = math.min(vmin, vmax), math.max(vmin, vmax)
  local tol = (scale.forward(hi) - scale.forward(lo)) * 1e-9
  local function inside(v)
    local u = scale.forward(v)
    return u >= scale.forward(lo) - tol and u <= scale.forward(hi) + tol
  end
  local result = { major = {}, labels = {}, minor = {} }
  for i, v in ipairs(major) do
    if inside(v) then
      result.major[#result.major + 1] = v
      result.labels[#result.labels + 1] = labels[i]
    end
  end
  for _, v in ipairs(minor) do
    if inside(v) then result.minor[#result.minor + 1] = v end
  end
  return result
end

ticks.scales = scales
return ticks
