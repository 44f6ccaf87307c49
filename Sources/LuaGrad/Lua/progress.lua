-- luagrad.progress: a progress bar for long loops, on stderr when it is a terminal.
--
--   local progress = require "luagrad.progress"
--   for X, y in progress(loader:iter(), {desc = "epoch 1", total = #loader}) do ... end
--
--   local bar = progress.bar{desc = "epoch 1", total = #loader}
--   for X, y in bar:wrap(loader:iter()) do
--     ...
--     bar:set{loss = l:item()}           -- shown after the rate: "loss=0.2500"
--   end
--
-- The wrapped loop sees exactly the values the iterator yields (nothing prepended). The bar
-- shows the count (and percentage, with `total`), the elapsed time, the ETA, the rate and the
-- caller's fields:  epoch 1:  45%|█████████           | 45/100 [00:02<00:03, 19.80it/s, loss=0.2500]
-- It redraws at most 10 times a second and ends with a final line when the loop ends (also
-- on `break` or an error: the bar is the loop's to-be-closed value). When stderr is not a
-- terminal (a pipe, a log file, the sandbox) it prints nothing.
local torch = require "luagrad"

local progress = {}
local format, floor = string.format, math.floor

local Bar = {}
Bar.__index = Bar
Bar.__name = "progress.Bar"
progress.Bar = Bar

--- Whether stderr is a terminal this script may write to.
local function stderr_is_terminal()
  return type(io) == "table" and io.stderr ~= nil and type(torch.utils) == "table"
    and type(torch.utils._isatty) == "function" and torch.utils._isatty(2)
end

--- A new bar. Options: `desc` (text before the bar), `total` (expected count; gives the
--- percentage and ETA), `postfix` (a function returning a table of fields or a string, asked
--- at each redraw), `interval` (seconds between redraws, 0.1), `enabled` (draw or not; the
--- default is whether stderr is a terminal), `file` (where to draw, io.stderr), `clock` (a
--- function returning seconds, torch.wallclock).
function progress.bar(options)
  options = options or {}
  if type(options) ~= "table" then error("progress: options must be a table, got " .. type(options), 2) end
  local total = options.total
  if total ~= nil and (type(total) ~= "number" or total < 0) then
    error("progress: total must be a non-negative number, got " .. tostring(total), 2)
  end
  local enabled = options.enabled
  if enabled == nil then enabled = stderr_is_terminal() end
  local clock = options.clock or torch.wallclock
  local bar = setmetatable({
    desc = options.desc, total = total, n = 0, fields = {}, postfix = options.postfix,
    interval = options.interval or 0.1, enabled = enabled and true or false,
    file = options.file or (type(io) == "table" and io.stderr or nil), clock = clock, closed = false,
  }, Bar)
  bar.start = clock()
  bar.last_draw = -math.huge
  return bar
end

-- MARK: counting

--- Counts `n` more items (1 by default) and redraws when the interval has passed.
function Bar:update(n)
  self.n = self.n + (n or 1)
  if self.enabled then
    local now = self.clock()
    if now - self.last_draw >= self.interval then self:draw(now) end
  end
  return self
end

--- Sets caller fields shown after the rate, in the order first set: `bar:set{loss = 0.25}`.
--- Numbers show with 4 significant digits; nil removes a field.
function Bar:set(fields)
  if type(fields) ~= "table" then error("progress: set expects a table of fields, got " .. type(fields), 2) end
  local order = self.order or {}
  self.order = order
  local names = {}
  for name in pairs(fields) do names[#names + 1] = tostring(name) end
  table.sort(names)
  for _, name in ipairs(names) do
    if self.fields[name] == nil then order[#order + 1] = name end
    self.fields[name] = fields[name]
  end
  return self
end

--- Draws the final line (once) and stops drawing.
function Bar:close()
  if self.closed then return end
  self.closed = true
  if self.enabled then
    self:draw(self.clock())
    self.file:write("\n")
    self.file:flush()
  end
end

Bar.__close = Bar.close

-- MARK: drawing

--- Seconds as tqdm shows them: "01:05", or "1:02:03" past an hour.
local function clock_text(seconds)
  if seconds ~= seconds or seconds == math.huge then return "?" end
  seconds = floor(seconds + 0.5)
  local h, m, s = floor(seconds / 3600), floor(seconds % 3600 / 60), seconds % 60
  if h > 0 then return format("%d:%02d:%02d", h, m, s) end
  return format("%02d:%02d", m, s)
end

local function field_text(value)
  if math.type(value) == "float" then return format("%.4g", value) end
  if torch.is_tensor(value) then return format("%.4g", value:item()) end
  return tostring(value)
end

--- The caller's fields as "a=1, b=2": those set with `set`, then the postfix function's.
function Bar:_postfix()
  local parts = {}
  for _, name in ipairs(self.order or {}) do
    if self.fields[name] ~= nil then parts[#parts + 1] = name .. "=" .. field_text(self.fields[name]) end
  end
  if self.postfix then
    local extra = self.postfix()
    if type(extra) == "table" then
      local names = {}
      for name in pairs(extra) do names[#names + 1] = tostring(name) end
      table.sort(names)
      for _, name in ipairs(names) do parts[#parts + 1] = name .. "=" .. field_text(extra[name]) end
    elseif extra ~= nil then
      parts[#parts + 1] = tostring(extra)
    end
  end
  return table.concat(parts, ", ")
end

local WIDTH = 20
local BLOCKS = { "▏", "▎", "▍", "▌", "▋", "▊", "▉" }

--- The bar's line (without the carriage return) at time `now`.
function Bar:line(now)
  local elapsed = math.max(0, now - self.start)
  local rate = elapsed > 0 and self.n / elapsed or 0
  local speed
  if rate >= 1 or rate == 0 then speed = format("%.2fit/s", rate) else speed = format("%.2fs/it", 1 / rate) end
  local postfix = self:_postfix()
  local tail = speed .. (postfix ~= "" and ", " .. postfix or "")
  local head = self.desc and (tostring(self.desc) .. ": ") or ""
  if not self.total then
    return format("%s%d it [%s, %s]", head, self.n, clock_text(elapsed), tail)
  end
  local fraction = self.total > 0 and math.min(1, self.n / self.total) or 1
  local cells = fraction * WIDTH
  local full = floor(cells)
  local partial = floor((cells - full) * 8)
  local bar = string.rep("█", full) .. (full < WIDTH and partial > 0 and BLOCKS[partial] or "")
  bar = bar .. string.rep(" ", WIDTH - full - ((full < WIDTH and partial > 0) and 1 or 0))
  local remaining = rate > 0 and (self.total - self.n) / rate or math.huge
  return format("%s%3d%%|%s| %d/%d [%s<%s, %s]", head, floor(fraction * 100), bar, self.n, self.total,
    clock_text(elapsed), clock_text(math.max(0, remaining)), tail)
end

--- Redraws the line in place ("\r", the line, then clear to the end of the terminal line).
function Bar:draw(now)
  now = now or self.clock()
  self.last_draw = now
  self.file:write("\r", self:line(now), "\27[K")
  self.file:flush()
end

-- MARK: wrapping iterators

--- `for ... in bar:wrap(f, s, control)`: the iterator's values, unchanged, counting each item
--- when the loop asks for the next one (so the count is of finished items); the bar closes
--- when the iterator ends or the loop is left.
function Bar:wrap(f, s, control)
  if type(f) ~= "function" and not (getmetatable(f) and getmetatable(f).__call) then
    error("progress: expected an iterator function, got " .. type(f), 2)
  end
  local started = false
  local function step()
    if started then
      self:update(1)
    else
      started = true
      if self.enabled then self:draw() end
    end
    local results = table.pack(f(s, control))
    control = results[1]
    if control == nil then
      self:close()
      return nil
    end
    return table.unpack(results, 1, results.n)
  end
  return step, nil, nil, self
end

--- `progress(f, s, control)` wraps any generic-for iterator; `progress(f, options)` takes
--- options after an iterator that is a single function (such as `loader:iter()`). For an
--- iterator with state and options both, use `progress.bar(options):wrap(ipairs(t))`.
local IPAIRS = ipairs({})
setmetatable(progress, {
  __call = function(_, ...)
    local f, second = ...
    -- Two arguments whose second is a plain table: an iterator function and options. (An
    -- iterator from pairs or ipairs always comes as three values.)
    if select("#", ...) == 2 and type(second) == "table" and getmetatable(second) == nil then
      if f == next or f == IPAIRS then
        -- progress(ipairs(t), options): Lua kept only ipairs' first value.
        error("progress: an iterator with state (pairs, ipairs) loses it before options; "
          .. "write progress.bar(options):wrap(ipairs(t))", 2)
      end
      return progress.bar(second):wrap(f)
    end
    return progress.bar():wrap(...)
  end,
})

return progress
