-- x[key] for tensor keys: int64 positions (1-based, negatives from the end) along dim 1 and
-- bool masks, read and assigned. A contiguous tensor and a contiguous 1-d key take a path that
-- reads the 1-based positions as they are (Indexing.view); other layouts, a recorded op and
-- bad positions take the general one. Both must give PyTorch's results and messages.
-- Expected values: fixtures/indexing_keys.py (the same keys in Python's 0-based spelling).
local fixture = require("pytorch_fixture")
local pt = fixture.load("indexing_keys")
local message_of, one_based = fixture.message_of, fixture.one_based

local function long(list) return torch.tensor(list, { dtype = torch.int64 }) end

describe("tensor keys", function()
  local x = torch.arange(12.0):reshape(3, 4)
  local cases = {
    { "x[{3, 1}]", function() return x[long { 3, 1 }] end },
    { "x[{-1, 2}]", function() return x[long { -1, 2 }] end },
    { "x[{2, 2, 2}]", function() return x[long { 2, 2, 2 }] end },
    { "x[empty]", function() return x[torch.zeros(0, { dtype = torch.int64 })] end },
    { "x[{{1, 2}, {3, 1}}]", function() return x[long { { 1, 2 }, { 3, 1 } }] end },
    { "x[column {3, 2}]", function() return x[long { { 3, 1 }, { 2, 1 } }[{ {}, 1 }]] end },
    { "x:t()[{4, 1}]", function() return x:t()[long { 4, 1 }] end },
    { "v[{5, 1, -2}]", function() return torch.arange(5.0)[long { 5, 1, -2 }] end },
    { "f1[{10, 1}]", function() return torch.arange(10.0):reshape(10, 1)[long { 10, 1 }] end },
    { "f2[{2, 5}]", function() return torch.arange(10.0):reshape(5, 2)[long { 2, 5 }] end },
    { "d2[{3, 1}]", function() return torch.arange(6.0, { dtype = torch.float64 }):reshape(3, 2)[long { 3, 1 }] end },
    { "i3[{2}]", function() return torch.arange(9):reshape(3, 3)[long { 2 }] end },
    { "b[{2, 1}]", function() return torch.tensor({ { true, false }, { false, true } })[long { 2, 1 }] end },
    { "e[{2, 1}]", function() return torch.zeros(3, 0)[long { 2, 1 }] end },
    { "x[mask]", function() return x[x:gt(5)] end },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      assert.are.equal(pt.text(case[1]), tostring(case[2]()))
    end)
  end

  it("a key is read afresh each time and the result is a copy", function()
    local key = long { 1, 2 }
    local rows = x[key]
    key[1] = 3
    assert.are.equal(pt.text("x[{3, 1}]"):match("^[^\n]+"), tostring(x[key]):match("^[^\n]+"))
    rows:fill_(0)
    assert.are.equal(1.0, x[{ 1, 2 }]:item())
  end)

  it("records IndexBackward0 and scatters the gradient back", function()
    local p = torch.arange(6.0):reshape(3, 2):requires_grad_()
    local r = p[long { 3, 1, 3 }]
    assert.are.equal(pt.text("grad_fn p[{3, 1, 3}]"), r.grad_fn.name)
    ;(r * torch.tensor({ { 1.0 }, { 2.0 }, { 3.0 } })):sum():backward()
    assert.are.equal(pt.text("grad p[{3, 1, 3}]"), tostring(p.grad))
  end)

  it("assigns rows", function()
    local y = torch.zeros(3, 2)
    y[long { 3, 1 }] = torch.tensor({ { 1.0, 2.0 }, { 3.0, 4.0 } })
    assert.are.equal(pt.text("y[{3, 1}] = rows"), tostring(y))
  end)

  it("gives PyTorch's messages for positions out of range, 1-based", function()
    assert.are.equal(one_based(pt.text("x[{4}]")), message_of(function() return x[long { 4 }] end))
    assert.are.equal(one_based(pt.text("x[{-4}]")), message_of(function() return x[long { -4 }] end))
    assert.are.equal(one_based(pt.text("x[{1, 4}]")), message_of(function() return x[long { 1, 4 }] end))
    assert.are.equal(one_based(pt.text("x[{{1, 4}}]")), message_of(function() return x[long { { 1, 4 } }] end))
    assert.are.equal(one_based(pt.text("x[{1, 4}]")), message_of(function() return x:t():t()[long { 1, 4 }] end))
    assert.are.equal(one_based(pt.text("x[{4}] = 1")), message_of(function() x[long { 4 }] = 1 end))
  end)

  it("gives PyTorch's message for a key of another dtype", function()
    assert.are.equal(pt.text("x[float key]"), message_of(function() return x[torch.tensor({ 1.0 })] end))
    assert.are.equal(pt.text("x[float key]"), message_of(function() x[torch.tensor({ 1.0 })] = 1 end))
  end)

  it("rejects position 0, which Lua's positions never name", function()
    assert.are.equal("position 0 is out of range: positions count from 1", message_of(function() return x[long { 2, 0 }] end))
    assert.are.equal("position 0 is out of range: positions count from 1", message_of(function() x[long { 0 }] = 1 end))
  end)
end)
