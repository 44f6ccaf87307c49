-- The layout ops from Lua: results, printed text and gradients against PyTorch's
-- (fixtures/ops_layout.py -> fixtures/ops_layout.txt), and bad arguments.
-- Dims and positions are 1-based here; the fixture's PyTorch snippets are 0-based.

local fixture = require("pytorch_fixture").load("ops_layout")
local pt = fixture.text

-- Distinct weights per element, as the fixture's weights(y).
local function weights(y)
  return torch.arange(y:numel() * 1.0):reshape(y.shape)
end

-- The result's text, then the gradient of sum(result * weights) for each input.
local function case(name, f, ...)
  local inputs = { ... }
  for _, t in ipairs(inputs) do t.grad = nil end
  local y = f()
  assert.are.equal(pt(name), tostring(y))
  local loss = (y * weights(y)):sum()
  loss:backward()
  for k, t in ipairs(inputs) do
    assert.are.equal(pt(name .. " grad" .. k), tostring(t.grad))
  end
end

-- Each result of a multi-result op, then the gradients of all of them weighted.
local function pieces(name, f, ...)
  local inputs = { ... }
  for _, t in ipairs(inputs) do t.grad = nil end
  local ys = { f() }
  assert.are.equal(pt(name .. " count"), tostring(#ys))
  local total = 0
  for k, y in ipairs(ys) do
    assert.are.equal(pt(name .. " " .. k), tostring(y))
    total = total + (y * weights(y)):sum()
  end
  total:backward()
  for k, t in ipairs(inputs) do
    assert.are.equal(pt(name .. " grad" .. k), tostring(t.grad))
  end
end

-- The message of the error `f` raises (without its `file:line: ` prefix).
local function error_of(f)
  local ok, err = pcall(f)
  assert.is_false(ok, "expected an error")
  return (tostring(err):gsub("^[^:]*:%d+: ", ""))
end

-- PyTorch's message with the 0-based numbers after each `word ` shifted to 1-based.
local function one_based(text, ...)
  for _, word in ipairs({ ... }) do
    text = text:gsub(word .. " (%-?%d+)", function(n)
      n = tonumber(n)
      return word .. " " .. (n >= 0 and n + 1 or n)
    end)
    text = text:gsub(word .. " %((%d+)%)", function(n) return word .. " (" .. (tonumber(n) + 1) .. ")" end)
  end
  return text
end

local x, m, a, b, s, v
before_each(function()
  x = torch.arange(24.0):reshape(2, 3, 4):requires_grad_(true)
  m = torch.arange(12.0):reshape(3, 4):requires_grad_(true)
  a = torch.arange(6.0):reshape(2, 3):requires_grad_(true)
  b = (torch.arange(6.0):reshape(2, 3) * 10):requires_grad_(true)
  s = (torch.arange(10.0):reshape(2, 5) + 100):requires_grad_(true)
  v = torch.tensor(-1.5, { requires_grad = true })
end)

describe("views", function()
  it("transpose, swapaxes", function()
    case("transpose", function() return x:transpose(1, 3) end, x)
    case("swapaxes", function() return x:swapaxes(-1, 1) end, x)
    case("transpose", function() return torch.transpose(x, 3, 1) end, x)
  end)

  it("permute, as varargs or a table", function()
    case("permute", function() return x:permute(3, 1, 2) end, x)
    case("permute", function() return x:permute { 3, 1, 2 } end, x)
    case("permute", function() return torch.permute(x, { -1, 1, 2 }) end, x)
  end)

  it("movedim", function()
    case("movedim", function() return x:movedim(1, -1) end, x)
    case("movedim pairs", function() return x:movedim({ 1, 2 }, { 3, 1 }) end, x)
  end)

  it("narrow (start is a position, negative from the end)", function()
    case("narrow", function() return x:narrow(3, 2, 2) end, x)
    case("narrow negative start", function() return m:narrow(2, -2, 2) end, m)
  end)

  it("views share memory with their base", function()
    local t = torch.arange(6.0):reshape(2, 3)
    local view = t:transpose(1, 2)
    view[{ 1, 2 }] = 100
    assert.are.equal(100, t[{ 2, 1 }]:item())
    t:narrow(2, 3, 1):fill_(-1)
    assert.are.same({ { 0.0, 1.0, -1.0 }, { 100.0, 4.0, -1.0 } }, t:tolist())
  end)
end)

describe("joining, repeating, reversing", function()
  it("stack", function()
    case("stack", function() return torch.stack({ a, b }, 2) end, a, b)
    case("stack last", function() return torch.stack({ a, b }, -1) end, a, b)
    assert.are.equal(pt("float64 stack"), tostring(torch.stack { torch.ones(2), torch.zeros(2):double() }))
  end)

  it("repeat (a Lua keyword: x['repeat'](x, ...)) and tile", function()
    case("repeat", function() return a["repeat"](a, 2, 1, 2) end, a)
    case("repeat", function() return a["repeat"](a, { 2, 1, 2 }) end, a)
    case("tile", function() return a:tile(2) end, a)
  end)

  it("flip", function()
    case("flip", function() return x:flip { 1, 3 } end, x)
    case("flip last", function() return m:flip(-1) end, m)
  end)
end)

describe("several results", function()
  it("chunk", function()
    pieces("chunk", function() return x:chunk(3, 3) end, x)
    assert.are.equal(pt("chunk grad_fn"), x:chunk(2, 3).grad_fn.name)
  end)

  it("split by size and by a table of sizes", function()
    pieces("split", function() return x:split(2, 2) end, x)
    pieces("split sizes", function() return x:split({ 1, 3 }, 3) end, x)
    pieces("split sizes", function() return torch.split(x, { 1, 3 }, { dim = 3 }) end, x)
    local _, second = x:split({ 1, 3 }, 3)
    assert.are.equal(pt("split sizes grad_fn"), second.grad_fn.name)
  end)

  it("unbind", function()
    pieces("unbind", function() return m:unbind(2) end, m)
    assert.are.equal(pt("unbind grad_fn"), m:unbind().grad_fn.name)
  end)

  it("pieces share one grad_fn, as in PyTorch", function()
    local p, q = x:chunk(2, 3)
    assert.are.equal(p.grad_fn, q.grad_fn)
  end)
end)

describe("positions (1-based)", function()
  it("index_select", function()
    case("index_select", function() return x:index_select(2, torch.tensor { 3, 1, 3 }) end, x)
    case("index_select last", function() return m:index_select(1, torch.tensor { -1 }) end, m)
    case("index_select last", function() return m:index_select(1, { 3 }) end, m)
  end)

  it("index_add and index_add_", function()
    case("index_add", function()
      return m:index_add(1, torch.tensor { 1, 3, 1 }, s[{ {}, { 1, 4 } }]["repeat"](s[{ {}, { 1, 4 } }], 2, 1)[{ { 1, 3 } }])
    end, m, s)
    case("index_add_", function()
      local c = m * 1
      c:index_add_(2, torch.tensor { 4, 4 }, s[{ {}, { 1, 2 } }]["repeat"](s[{ {}, { 1, 2 } }], 2, 1)[{ { 1, 3 } }])
      return c
    end, m, s)
  end)

  it("gather", function()
    local index = torch.tensor { { { 1, 4 }, { 2, 2 }, { 3, 1 } }, { { 4, 4 }, { 1, 2 }, { 3, 3 } } }
    case("gather", function() return x:gather(3, index) end, x)
    case("gather", function() return torch.gather(x, -1, index) end, x)
  end)

  it("gather into a mean of everything, as a classifier's loss ends", function()
    -- The mean's one gradient value seen over its input, added into zeros at the picked
    -- positions (a position picked twice adds up); the same with create_graph, which runs
    -- the formulas as recorded ops.
    local picks = torch.tensor { { { 1, 4, 4 }, { 2, 2, 2 }, { 3, 1, 1 } }, { { 4, 4, 4 }, { 1, 2, 1 }, { 3, 3, 3 } } }
    for _, create_graph in ipairs { false, true } do
      x.grad = nil
      x:gather(3, picks):mean():backward { create_graph = create_graph }
      assert.are.equal(pt("gather mean grad"), tostring(x.grad:detach()))
      x.grad = nil
      local loss = -torch.log_softmax(x / 7, 3):gather(3, picks):mean()
      loss:backward { create_graph = create_graph }
      assert.are.equal(pt("log_softmax gather mean grad"), tostring(x.grad:detach()))
      local d = torch.arange(12.0, { dtype = torch.float64 }):reshape(4, 3):div(5):requires_grad_()
      local labels = torch.tensor { { 3 }, { 1 }, { 2 }, { 2 } }
      loss = -torch.log_softmax(d, 2):gather(2, labels):mean()
      loss:backward { create_graph = create_graph }
      assert.are.equal(pt("log_softmax gather mean grad float64"), tostring(d.grad:detach()))
    end
  end)

  it("scatter, scatter with a value, scatter_add, scatter_", function()
    local src = function() return s[{ {}, { 1, 4 } }] end
    case("scatter", function() return m:scatter(1, torch.tensor { { 1, 2, 3, 1 }, { 3, 1, 2, 2 } }, src()) end, m, s)
    case("scatter value", function() return m:scatter(2, torch.tensor { { 1 }, { 4 }, { 2 } }, 7.5) end, m)
    case("scatter_add", function() return m:scatter_add(1, torch.tensor { { 1, 1, 3, 1 }, { 1, 1, 2, 2 } }, src()) end, m, s)
    case("scatter_", function()
      local c = m * 1
      local column = s[{ {}, { 1, 1 } }]
      c:scatter_(2, torch.tensor { { 4 }, { 3 }, { 2 } }, column["repeat"](column, 2, 1)[{ { 1, 3 } }])
      return c
    end, m, s)
  end)

  it("int64 and bool tensors", function()
    local n = torch.arange(12):reshape(3, 4)
    assert.are.equal(pt("int64 index_select"), tostring(n:index_select(2, torch.tensor { 4, 1 })))
    assert.are.equal(pt("int64 flip"), tostring(n:flip(1)))
    assert.are.equal(pt("int64 scatter_add"), tostring(n:scatter_add(2, torch.tensor { { 1, 1, 1 } }, torch.tensor { { 5, 6, 7 } })))
    local _, _, third = n:gt(5):unbind(2)
    assert.are.equal(pt("bool unbind"), tostring(third))
  end)
end)

describe("masks", function()
  it("masked_fill with a number or a 0-d tensor, and masked_fill_", function()
    case("masked_fill", function() return m:masked_fill(m:gt(5), -1.0) end, m)
    case("masked_fill tensor", function() return m:masked_fill(torch.tensor { true, false, true, false }, v) end, m, v)
    case("masked_fill_", function()
      local c = m * 1
      c:masked_fill_(m:lt(3), 9.0)
      return c
    end, m)
    assert.are.equal(pt("int64 masked_fill"), tostring(torch.arange(12):reshape(3, 4):masked_fill(torch.arange(12):reshape(3, 4):gt(8), 2.5)))
  end)

  it("masked_select and masked_scatter", function()
    case("masked_select", function() return m:masked_select(m:gt(5)) end, m)
    case("masked_select broadcast", function() return m:masked_select(torch.tensor { false, true, true, false }) end, m)
    case("masked_scatter", function() return m:masked_scatter(m:gt(6), s) end, m, s)
  end)
end)

describe("clone", function()
  it("keeps the strides of a dense tensor, as PyTorch's preserve_format", function()
    local c = torch.arange(6.0):reshape(2, 3)
    local y = c:t():clone()
    assert.are.equal(pt("clone t"), tostring(y))
    assert.are.same(fixture.value("clone t stride"), y:stride())
    assert.are.equal(fixture.value("clone t is_contiguous"), y:is_contiguous())
    assert.are.same(fixture.value("clone permute stride"),
                    torch.arange(24.0):reshape(2, 3, 4):permute(2, 3, 1):clone():stride())
    assert.are.same(fixture.value("clone t of 1-row stride"), torch.arange(3.0):reshape(1, 3):t():clone():stride())
    assert.are.equal(pt("view of clone t"), error_of(function() return y:view(6) end))
  end)

  it("is contiguous for a tensor with gaps or repeats, or when asked", function()
    local c = torch.arange(6.0):reshape(2, 3)
    assert.are.same(fixture.value("clone slice stride"), c[{ {}, { 1, 2 } }]:clone():stride())
    assert.are.same(fixture.value("clone expand stride"), torch.ones(3):expand(2, 3):clone():stride())
    assert.are.same(fixture.value("clone t contiguous_format stride"),
                    c:t():clone({ memory_format = torch.contiguous_format }):stride())
    assert.are.same(fixture.value("contiguous t stride"), c:t():contiguous():stride())
    assert.are.equal("preserve_format", torch.preserve_format)
    assert.has_error(function() c:clone { memory_format = "channels_last" } end)
  end)

  it("passes the gradient through", function()
    local w = torch.arange(6.0, { requires_grad = true })
    local v = w:reshape(2, 3):t():clone()
    assert.are.equal(pt("clone grad_fn"), v.grad_fn.name)
    ;(v * weights(v)):sum():backward()
    assert.are.equal(pt("clone t grad"), tostring(w.grad))
  end)
end)

describe("0-d and non-contiguous inputs", function()
  it("treat a 0-d tensor as one element", function()
    local z = torch.tensor(5.0, { requires_grad = true })
    assert.are.equal(pt("0-d transpose"), tostring(z:transpose(1, -1)))
    assert.are.equal(pt("0-d flip"), tostring(z:flip(1)))
    assert.are.equal(pt("0-d index_select"), tostring(z:index_select(1, torch.tensor { 1 })))
    assert.are.equal(pt("0-d gather"), tostring(z:gather(1, torch.tensor(1))))
    assert.are.equal(pt("0-d scatter"), tostring(z:scatter(1, torch.tensor(1), 2.0)))
    assert.are.equal(pt("0-d repeat"), tostring(z["repeat"](z, 2, 3)))
    assert.are.equal(pt("0-d stack"), tostring(torch.stack { z, z }))
    assert.are.equal(pt("0-d masked_fill"), tostring(z:masked_fill(torch.tensor { true, false }, 1.0)))
  end)

  it("read strided inputs in logical order", function()
    local mt = m:t()
    assert.are.equal(pt("transposed gather"), tostring(mt:gather(1, torch.tensor { { 1, 2, 3 }, { 3, 2, 1 } })))
    assert.are.equal(pt("transposed masked_select"), tostring(mt:masked_select(mt:gt(6))))
    assert.are.equal(pt("transposed scatter"), tostring(mt:scatter(1, torch.tensor { { 2, 1, 3 } }, mt)))
    assert.are.equal(pt("transposed index_select"), tostring(mt:index_select(2, torch.tensor { 3, 1 })))
  end)
end)

describe("bad arguments", function()
  local z
  before_each(function() z = torch.tensor(5.0) end)

  it("give PyTorch's messages, with 1-based dims and positions", function()
    local cases = {
      { "permute duplicate", function() x:permute(1, 1, 2) end },
      { "permute count", function() x:permute(2, 1) end },
      { "narrow negative length", function() m:narrow(2, 2, -1) end },
      { "narrow too long", function() m:narrow(2, 4, 2) end, "start" },
      { "narrow 0-d", function() z:narrow(1, 1, 1) end },
      { "stack empty", function() torch.stack {} end },
      { "stack unequal", function() torch.stack { a, a[1] } end, "entry" },
      { "repeat too few", function() x["repeat"](x, 2, 2) end },
      { "repeat negative", function() a["repeat"](a, -1, 1) end },
      { "flip repeated", function() x:flip(2, 2) end, "dim" },
      { "chunk zero", function() m:chunk(0) end },
      { "chunk 0-d", function() z:chunk(2) end },
      { "split negative", function() m:split(-1) end },
      { "split zero", function() m:split(0) end },
      { "split sizes sum", function() m:split { 1, 1 } end, "dimension" },
      { "split sizes negative", function() m:split { 4, -1 } end },
      { "unbind 0-d", function() z:unbind() end, "as" },
      { "index_select out of range", function() m:index_select(1, torch.tensor { 4 }) end },
      { "index_select matrix", function() m:index_select(1, torch.tensor { { 1 } }) end },
      { "gather out of range", function() m:gather(2, torch.tensor { { 5 } }) end, "index", "dimension" },
      { "gather ndim", function() m:gather(2, torch.tensor { 1 }) end },
      { "gather size", function() m:gather(1, torch.tensor { { 1, 2, 3, 4, 1 } }) end, "dimension" },
      { "scatter shape", function() m:scatter(2, torch.tensor { { 1, 2, 3, 4, 1 } }, m) end, "dimension" },
      { "scatter dtype", function() m:scatter(2, torch.tensor { { 1 } }, m:double()) end },
      { "scatter out of range", function() m:scatter(1, torch.tensor { { 4 } }, 1.0) end, "index", "dimension" },
      { "index_add shape", function() m:index_add(1, torch.tensor { 1 }, torch.ones(1, 3)) end },
      { "index_add count", function() m:index_add(1, torch.tensor { 1 }, torch.ones(2, 4)) end, "dim:" },
      { "masked_fill long mask", function() m:masked_fill(torch.tensor { 1, 0, 1, 0 }, 1.0) end },
      { "masked_fill value dims", function() m:masked_fill(m:gt(5), torch.tensor { 1.0, 2.0 }) end },
      { "masked_fill broadcast", function() m:masked_fill(torch.tensor { true, false }, 1.0) end, "dimension" },
      { "masked_select long mask", function() m:masked_select(torch.tensor { 1, 0, 1, 0 }) end },
      { "masked_scatter short source", function() m:masked_scatter(m:gt(5), torch.ones(3)) end },
    }
    for _, c in ipairs(cases) do
      local expected = one_based(pt(c[1]), table.unpack(c, 3))
      assert.are.equal(expected, error_of(c[2]))
    end
  end)

  it("show dim lists 1-based", function()
    assert.are.equal("movedim: repeated dim in `source` ([1, 1])", error_of(function() x:movedim({ 1, 1 }, { 2, 3 }) end))
    assert.are.equal("movedim: Invalid source or destination dims: source ([1, 2] dims) should contain the same number of dims as destination ([2] dims)",
      error_of(function() x:movedim({ 1, 2 }, { 2 }) end))
  end)

  it("reject dims and positions out of range, with Lua's ranges", function()
    assert.are.equal("Dimension out of range (expected to be in range of [-3, -1] or [1, 3], but got 4)",
      error_of(function() x:transpose(1, 4) end))
    assert.are.equal("Dimension out of range (expected to be in range of [-4, -1] or [1, 4], but got 5)",
      error_of(function() torch.stack({ x, x }, 5) end))
    assert.are.equal("start out of range (expected to be in range of [-4, -1] or [1, 5], but got 6)",
      error_of(function() m:narrow(2, 6, 0) end))
    assert.matches("positions and dims count from 1", error_of(function() m:narrow(2, 0, 1) end))
    assert.matches("position 0 is out of range", error_of(function() m:index_select(1, torch.tensor { 0 }) end))
  end)

  it("name the op for wrong types", function()
    assert.matches("transpose", error_of(function() x:transpose("a", 1) end))
    assert.matches("index_select", error_of(function() m:index_select(1, torch.tensor { 1.5 }) end))
    assert.matches("stack", error_of(function() torch.stack { x, 3 } end))
    assert.matches("chunk", error_of(function() m:chunk(1.5) end))
    assert.matches("split", error_of(function() m:split(1.5) end))
    assert.matches("masked_fill", error_of(function() m:masked_fill(m:gt(1), "x") end))
    assert.matches("gather", error_of(function() m:gather(1) end))
  end)

  it("refuse a split that gives no tensors, and return many pieces as many values", function()
    assert.matches("unbind", error_of(function() torch.zeros(0, 3):unbind() end))
    assert.are.equal(100, select("#", torch.zeros(100):split(1)))
    assert.are.equal(16, select("#", torch.zeros(16):unbind()))
  end)
end)
