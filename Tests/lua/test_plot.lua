-- luagrad.plot (issue 13): the SVG a figure writes, read back with patterns — series, colours
-- and dashes, legend entries, axis and tick labels at round numbers on linear and log axes,
-- limits, subplots, bars, markers, escaping, gaps at NaN — then rendered once by a real SVG
-- renderer (rsvg-convert) so that a file no viewer can open cannot pass.
local plot = require "luagrad.plot"
local ticks = require "luagrad.plot_ticks"
local program = require "luagrad_program"

-- MARK: reading SVG text

local function count(text, pattern)
  local n = 0
  for _ in text:gmatch(pattern) do n = n + 1 end
  return n
end

--- The contents of the <text> elements of `class`, exponents written as "10^−2".
local function texts(text, class)
  local out = {}
  for content in text:gmatch('<text [^>]*class="' .. class .. '"[^>]*>(.-)</text>') do
    out[#out + 1] = content:gsub('<tspan[^>]*>(.-)</tspan>', "^%1")
  end
  return out
end

--- The attributes of each line series (<path class="line" ...>), in drawing order.
local function lines(text)
  local out = {}
  for attributes in text:gmatch('<path class="line" ([^>]*)/>') do
    out[#out + 1] = {
      d = attributes:match('d="([^"]*)"'),
      stroke = attributes:match('stroke="([^"]*)"'),
      dash = attributes:match('stroke%-dasharray="([^"]*)"'),
    }
  end
  return out
end

local function f(x) return 3 * x ^ 2 - 4 * x end
local MINUS = "\u{2212}"

describe("plot.plot (d2l.plot)", function()
  local x = torch.arange(0, 3, 0.1)
  local text = plot.plot(x, { f(x), 2 * x - 3 }, "x", "f(x)", { legend = { "f(x)", "Tangent line (x=1)" } }):svg()

  it("draws the book's calculus figure: two series, legend, labels, round ticks", function()
    local series = lines(text)
    assert.are.equal(2, #series)
    assert.are.equal("#1f77b4", series[1].stroke)         -- "-": the first colour of the cycle
    assert.is_nil(series[1].dash)
    assert.are.equal("#bf00bf", series[2].stroke)         -- "m--"
    assert.are.equal("5.55 2.4", series[2].dash)
    assert.are.same({ "f(x)", "Tangent line (x=1)" }, texts(text, "legend%-label"))
    assert.are.equal(2, count(text, 'class="legend%-entry"'))
    assert.are.same({ "x" }, texts(text, "xlabel"))
    assert.are.same({ "f(x)" }, texts(text, "ylabel"))
    assert.are.same({ "0", "1", "2", "3" }, texts(text, "xtick"))
    assert.are.same({ "0", "5", "10" }, texts(text, "ytick"))
    assert.are.equal(4 + 3, count(text, 'class="grid"'))  -- set_axes turns the grid on
  end)

  it("is 3.5 x 2.5 inches by default, in points as matplotlib's SVG", function()
    assert.is_true(text:find('width="252pt" height="180pt"', 1, true) ~= nil)
    local big = plot.plot({ 1, 2 }, { figsize = { 6, 3 } }):svg()
    assert.is_true(big:find('width="432pt" height="216pt"', 1, true) ~= nil)
  end)

  it("takes d2l's formats and the colour cycle where a format names no colour", function()
    local y = {}
    for i = 1, 6 do y[i] = { i, i + 1, i + 2 } end
    local series = lines(plot.plot({ 0, 1, 2 }, y):svg())
    assert.are.equal(6, #series)
    local strokes, dashes = {}, {}
    for i, s in ipairs(series) do strokes[i], dashes[i] = s.stroke, s.dash or "" end
    -- "-", "m--", "g-.", "r:", then "-" with the cycle's next colours.
    assert.are.same({ "#1f77b4", "#bf00bf", "#008000", "#ff0000", "#ff7f0e", "#2ca02c" }, strokes)
    assert.are.same({ "", "5.55 2.4", "9.6 2.4 1.5 2.4", "1.5 2.48", "", "" }, dashes)
    local custom = lines(plot.plot({ 0, 1 }, { { 1, 2 }, { 2, 3 } }, { fmts = { "k:", "C3-." } }):svg())
    assert.are.equal("#000000", custom[1].stroke)
    assert.are.equal("#d62728", custom[2].stroke)
  end)

  it("treats a 2-D tensor as one series per row, and plot(Y) as x = 0, 1, ...", function()
    assert.are.equal(3, #lines(plot.plot(torch.arange(4.0), torch.ones(3, 4)):svg()))
    local only_y = plot.plot(torch.tensor({ 5.0, 6.0, 7.0 }), { xlim = { 0, 2 } }):svg()
    assert.are.equal(1, #lines(only_y))
    assert.are.equal(3, count(lines(only_y)[1].d, "[ML]"))
  end)

  it("honours limits: ticks cover exactly xlim and ylim", function()
    local limited = plot.plot({ 0, 1, 2 }, { 0, 1, 4 }, { xlim = { 0, 10 }, ylim = { -1, 1 } }):svg()
    assert.are.same({ "0", "2", "4", "6", "8", "10" }, texts(limited, "xtick"))
    assert.are.same({ MINUS .. "1.0", MINUS .. "0.5", "0.0", "0.5", "1.0" }, texts(limited, "ytick"))
  end)

  it("draws log axes with decade ticks and unlabeled minor ticks", function()
    local xs = 10 ^ torch.linspace(-2, 2, 50)
    local log = plot.plot(xs, xs, { xscale = "log", xlim = { 1e-2, 1e2 } }):svg()
    assert.are.same({ "10^" .. MINUS .. "2", "10^" .. MINUS .. "1", "10^0", "10^1", "10^2" }, texts(log, "xtick"))
    assert.is_true(count(log, 'stroke%-width="0.6"') >= 8 * 4)
  end)

  it("breaks a line at NaN and inf, and at values a log axis cannot show", function()
    local nan, inf = 0 / 0, math.huge
    local gapped = lines(plot.plot({ 1, 2, nan, 4, 5, inf, 7 }):svg())
    assert.are.equal(3, count(gapped[1].d, "M"))
    local log = lines(plot.plot({ 1, 2, 3, 4 }, { 1, -1, 10, 100 }, { yscale = "log" }):svg())
    assert.are.equal(2, count(log[1].d, "M"))
    local all_nan = plot.plot({ nan, nan }):svg()
    assert.are.equal(0, #lines(all_nan))
  end)

  it("gives an empty axes for empty data", function()
    local empty = plot.plot({}, { xlabel = "nothing" }):svg()
    assert.are.equal(1, #lines(empty) + 1)
    assert.are.same({ "nothing" }, texts(empty, "xlabel"))
    assert.are.same({ "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" }, texts(empty, "xtick"))
  end)

  it("escapes text for XML", function()
    local escaped = plot.plot({ 1, 2 }, { xlabel = "a < b & \"c\"", legend = { "<tag>" } }):svg()
    assert.are.same({ "a &lt; b &amp; &quot;c&quot;" }, texts(escaped, "xlabel"))
    assert.are.same({ "&lt;tag&gt;" }, texts(escaped, "legend%-label"))
    assert.is_nil(escaped:find("<tag>", 1, true))
  end)

  it("reports bad input as plot errors", function()
    assert.has_error(function() plot.plot({ 1, 2 }, { 1 }) end, "plot: x and y must have the same length, got 2 and 1")
    assert.has_error(function() plot.plot({ 1, 2 }, { 1, 2 }, { fmts = { "q-" } }) end)
    assert.has_error(function() plot.plot({ 1, "two" }) end)
    assert.has_error(function() plot.plot({ 1, 2 }, { xscale = "symlog" }) end)
    assert.has_error(function() plot.subplots(0, 1) end)
    local ok, message = pcall(plot.plot, { 1, 2 }, { 1, 2 }, { fmts = { "q-" } })
    assert.is_false(ok)
    assert.is_true(message:find("unrecognized character 'q' in format string 'q%-'") ~= nil)
  end)
end)

describe("the object API", function()
  it("draws subplots, scatter markers, histogram bars and a title", function()
    local fig, axes = plot.subplots(2, 3, { figsize = { 9, 5 } })
    assert.are.equal(2, #axes)
    assert.are.equal(3, #axes[1])
    axes[1][1]:plot({ 1, 2, 3 }, { 1, 4, 9 }, "r:", { label = "squares" }):legend()
    axes[1][2]:scatter(torch.arange(10.0), torch.arange(10.0), { label = "points" })
    local counts, edges = axes[2][1]:hist(torch.arange(100.0), { bins = 20 })
    axes[2][2]:set_title("empty")
    local text = fig:svg()
    assert.are.equal(6, count(text, '<g class="axes">'))
    assert.are.equal(10, count(text, '<circle class="marker"'))
    assert.are.equal(20, count(text, '<rect class="bar"'))
    assert.are.equal(20, #counts)
    assert.are.equal(21, #edges)
    assert.are.equal(5, counts[1])
    assert.are.same({ "empty" }, texts(text, "title"))
    assert.are.same({ "squares" }, texts(text, "legend%-label"))  -- only the axes with legend()
    local series = lines(text)
    assert.are.equal("#ff0000", series[1].stroke)
    assert.are.equal("1.5 2.48", series[1].dash)
  end)

  it("squeezes axes as matplotlib does", function()
    local _, one = plot.subplots()
    assert.are.equal(plot.Axes, getmetatable(one))
    local _, row = plot.subplots(1, 2)
    assert.are.equal(2, #row)
    assert.are.equal(plot.Axes, getmetatable(row[2]))
    local _, column = plot.subplots(3, 1)
    assert.are.equal(3, #column)
  end)

  it("draws markers from a format and a histogram starting at zero", function()
    local fig, ax = plot.subplots()
    ax:plot({ 1, 2, 3 }, "o")
    assert.are.equal(0, #lines(fig:svg()))
    assert.are.equal(3, count(fig:svg(), '<circle class="marker"'))
    local _, h = plot.subplots()
    h:hist({ 1, 1, 2, 3 }, { bins = 3 })
    assert.are.equal("0.0", texts(h.figure:svg(), "ytick")[1])
  end)
end)

describe("ticks", function()
  local linear, log = ticks.scale("linear"), ticks.scale("log")
  local function major(lo, hi, scale, length)
    return ticks.locate(lo, hi, scale, length or 200, 30).major
  end

  it("chooses 1-2-2.5-5 steps of a power of ten", function()
    assert.are.same({ 0, 0.2, 0.4, 0.6, 0.8, 1 }, major(0, 1, linear))
    assert.are.same({ 0, 20, 40, 60, 80, 100 }, major(-3, 103, linear))
    assert.are.same({ 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2 }, major(0, 2.2, linear, 270))
    assert.are.same({ 0, 0.5 }, major(0, 0.8, linear, 100))
    assert.are.same({ -3, -2, -1, 0, 1, 2, 3 }, major(-3.2, 3.2, linear, 210))
    assert.are.same({ 1000, 1002, 1004 }, major(1000, 1005, linear, 100))
  end)

  it("puts log ticks at decades", function()
    assert.are.same({ 1e-3, 1e-2, 1e-1, 1 }, major(5e-4, 2, log))
  end)

  it("widens data limits by 5%, not past a sticky zero", function()
    local lo, hi = ticks.autoscale(0, 10, linear)
    assert.near(-0.5, lo, 1e-12)
    assert.near(10.5, hi, 1e-12)
    lo = ticks.autoscale(0, 10, linear, { 0 })
    assert.are.equal(0, lo)
  end)
end)

-- MARK: files

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function temporary_directory()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. quote(dir)))
  return dir
end

local function listing(dir)
  local pipe = assert(io.popen("ls -A " .. quote(dir)))
  local names = {}
  for name in pipe:lines() do names[#names + 1] = name end
  pipe:close()
  return names
end

describe("saving", function()
  it("writes the SVG atomically and leaves no temporary file", function()
    local dir = temporary_directory()
    local fig = plot.plot({ 1, 2, 3 })
    assert.are.equal(dir .. "/a.svg", fig:save(dir .. "/a.svg"))
    fig:savefig(dir .. "/a.svg")  -- replacing works too
    local file = assert(io.open(dir .. "/a.svg", "rb"))
    assert.are.equal(fig:svg(), file:read("a"))
    file:close()
    assert.are.same({ "a.svg" }, listing(dir))
    local ok, message = pcall(fig.save, fig, dir .. "/missing/b.svg")
    assert.is_false(ok)
    assert.is_true(message:find("plot: cannot write '" .. dir .. "/missing/b.svg'", 1, true) ~= nil)
    os.execute("rm -rf " .. quote(dir))
  end)

  it("renders with rsvg-convert to a PNG of the figure's size", function()
    local has_renderer = os.execute("command -v rsvg-convert >/dev/null 2>&1")
    if not has_renderer then
      -- scripts/setup installs librsvg2-bin; CI must have it.
      assert.is_true(os.getenv("CI") ~= "true", "rsvg-convert is missing (scripts/setup installs librsvg2-bin)")
      return
    end
    local dir = temporary_directory()
    local fig, axes = plot.subplots(1, 2, { figsize = { 7, 2.5 } })
    local x = torch.linspace(0.1, 10, 40)
    axes[1]:plot(x, x:log(), "g-.", { label = "log & <ln>" }):legend()
    axes[2]:plot(x, x ^ 2):set_yscale("log")
    axes[2]:hist(x, { bins = 5 })
    fig:save(dir .. "/figure.svg")
    assert.is_true(os.execute("rsvg-convert -o " .. quote(dir .. "/figure.png") .. " " .. quote(dir .. "/figure.svg")))
    local png = assert(io.open(dir .. "/figure.png", "rb")):read("a")
    assert.are.equal("\137PNG\r\n\26\n", png:sub(1, 8))
    -- The IHDR chunk: width and height in pixels (rsvg-convert renders points at 96/72).
    local width, height = string.unpack(">I4I4", png, 17)
    assert.are.equal(672, width)
    assert.are.equal(240, height)
    os.execute("rm -rf " .. quote(dir))
  end)

  it("is require-able in the sandbox, where save is a clear error and svg works", function()
    local luagrad = program.path()
    local dir = temporary_directory()
    local script = assert(io.open(dir .. "/sandboxed.lua", "w"))
    script:write([[
      local plot = require "luagrad.plot"
      local fig = plot.plot({1, 2, 3}, {legend = {"a"}})
      print(#fig:svg() > 0)
      print(select(2, pcall(fig.save, fig, "out.svg")))
    ]])
    script:close()
    local pipe = assert(io.popen("cd " .. quote(dir) .. " && " .. quote(luagrad) .. " --sandbox sandboxed.lua 2>&1"))
    local output = pipe:read("a")
    pipe:close()
    assert.are.equal("true\nplot: cannot write 'out.svg': this host gives scripts no file access (sandbox); fig:svg() returns the text\n", output)
    assert.are.same({ "sandboxed.lua" }, listing(dir))
    os.execute("rm -rf " .. quote(dir))
  end)
end)
