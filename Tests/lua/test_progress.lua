-- luagrad.progress (issue 13): loops see their iterator's values unchanged; the bar shows
-- count, percentage, rate, ETA and the caller's fields, redraws at most every `interval`
-- seconds, ends with a final line, and stays silent when stderr is not a terminal (checked
-- through a pseudo-terminal made by `script` when it exists).
local progress = require "luagrad.progress"
local program = require "luagrad_program"

--- A file-like sink that keeps what is written, and a clock the test moves.
local function recorder()
  local sink = { text = "", writes = 0 }
  function sink:write(...)
    for i = 1, select("#", ...) do self.text = self.text .. select(i, ...) end
    self.writes = self.writes + 1
    return self
  end
  function sink:flush() return self end
  return sink
end

local function fake_clock()
  local now = 0
  return function() return now end, function(dt) now = now + dt end
end

--- The lines drawn so far, as the terminal would show them (each redraw replaces the last).
local function frames(text)
  local out = {}
  for frame in text:gmatch("\r([^\r]*)") do out[#out + 1] = (frame:gsub("\27%[K", ""):gsub("\n$", "")) end
  return out
end

describe("progress wrapping iterators", function()
  it("passes every value through, prepending nothing", function()
    local seen = {}
    for i, v in progress(ipairs({ "a", "b", "c" })) do seen[#seen + 1] = i .. v end
    assert.are.same({ "1a", "2b", "3c" }, seen)
    local keys = {}
    for k, v in progress(pairs({ x = 1 })) do keys[#keys + 1] = k .. v end
    assert.are.same({ "x1" }, keys)
  end)

  it("takes options after an iterator function", function()
    local n = 0
    local function three()
      n = n + 1
      if n <= 3 then return n, n * 10, n * 100 end
    end
    local got = {}
    for a, b, c in progress(three, { desc = "triples", total = 3, enabled = false }) do
      got[#got + 1] = a + b + c
    end
    assert.are.same({ 111, 222, 333 }, got)
  end)

  it("is silent when drawing is off", function()
    local sink = recorder()
    for _ in progress.bar({ enabled = false, file = sink }):wrap(ipairs({ 1, 2 })) do end
    assert.are.equal("", sink.text)
  end)

  it("rejects what is not an iterator", function()
    assert.has_error(function() progress(42) end, "progress: expected an iterator function, got number")
    assert.has_error(function() progress.bar{ total = -1 } end)
    assert.has_error(function() progress(ipairs({ 1 }), { total = 1 }) end,
      "progress: an iterator with state (pairs, ipairs) loses it before options; write progress.bar(options):wrap(ipairs(t))")
  end)
end)

describe("progress drawing", function()
  it("shows count, percentage, elapsed, ETA, rate and fields, then a final line", function()
    local sink, clock, advance = recorder(), fake_clock()
    local bar = progress.bar{ desc = "epoch 1", total = 4, enabled = true, file = sink, clock = clock }
    for _ in bar:wrap(ipairs({ 1, 2, 3, 4 })) do
      advance(1)
      bar:set{ loss = 0.25 }
    end
    local shown = frames(sink.text)
    assert.are.equal("epoch 1:   0%|                    | 0/4 [00:00<?, 0.00it/s]", shown[1])
    assert.are.equal("epoch 1:  50%|██████████          | 2/4 [00:02<00:02, 1.00it/s, loss=0.25]", shown[3])
    assert.are.equal("epoch 1: 100%|████████████████████| 4/4 [00:04<00:00, 1.00it/s, loss=0.25]", shown[#shown])
    assert.are.equal("\n", sink.text:sub(-1))
  end)

  it("counts without a total, and shows slow loops in seconds per item", function()
    local sink, clock, advance = recorder(), fake_clock()
    local bar = progress.bar{ enabled = true, file = sink, clock = clock, postfix = function() return { lr = 0.1 } end }
    for _ in bar:wrap(ipairs({ 1, 2 })) do advance(4) end
    local shown = frames(sink.text)
    assert.are.equal("2 it [00:08, 4.00s/it, lr=0.1]", shown[#shown])
  end)

  it("redraws at most once per interval", function()
    local sink, clock, advance = recorder(), fake_clock()
    local bar = progress.bar{ total = 100, enabled = true, file = sink, clock = clock }
    for _ = 1, 100 do
      advance(0.01)
      bar:update()
    end
    bar:close()
    local shown = frames(sink.text)
    -- One second of updates every 10 ms: about ten redraws and the final line, never 100.
    assert.is_true(#shown >= 10 and #shown <= 12, "redraws: " .. #shown)
  end)

  it("closes the bar when the loop is left by break", function()
    local sink, clock = recorder(), fake_clock()
    local bar = progress.bar{ total = 10, enabled = true, file = sink, clock = clock }
    for i in bar:wrap(ipairs({ 1, 2, 3, 4, 5 })) do
      if i == 3 then break end
    end
    assert.is_true(bar.closed)
    assert.are.equal("\n", sink.text:sub(-1))
    assert.are.equal(" 20%", frames(sink.text)[#frames(sink.text)]:sub(1, 4))
  end)
end)

describe("progress on a terminal", function()
  local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

  it("draws on a pseudo-terminal's stderr and nowhere else", function()
    if not os.execute("command -v script >/dev/null 2>&1") then return end
    local luagrad = assert(program.path())
    local code = 'local p = require "luagrad.progress"; for i in p.bar{}:wrap(ipairs({1, 2, 3})) do end; '
      .. 'for i in p(ipairs({1, 2})) do end; print("done")'
    -- Under `script`, stdin, stdout and stderr are the pseudo-terminal.
    local pipe = assert(io.popen("script -qec " .. quote(quote(luagrad) .. " -e " .. quote(code)) .. " /dev/null"))
    local on_terminal = pipe:read("a")
    pipe:close()
    assert.is_true(on_terminal:find("\r3 it [00:00, ", 1, true) ~= nil, on_terminal)
    assert.is_true(on_terminal:find("\r2 it [00:00, ", 1, true) ~= nil, on_terminal)
    -- stderr to a pipe: no bar at all.
    pipe = assert(io.popen(quote(luagrad) .. " -e " .. quote(code) .. " 2>&1"))
    local piped = pipe:read("a")
    pipe:close()
    assert.are.equal("done\n", piped)
  end)
end)
