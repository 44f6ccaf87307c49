-- Indexing, slicing and assignment (DESIGN.md §2): 1-based, inclusive ranges, negative
-- indices from the end; item, tolist, #, numel, size; keyword tables; require.
-- Expected tensors: fixtures/indexing.py (the same selections, in Python's 0-based spelling).
local pt = require("pytorch_fixture").load("indexing")

describe("reading", function()
  local x = torch.arange(12.0):reshape(3, 4)
  local cases = {
    { "x[1]", function() return x[1] end },
    { "x[3]", function() return x[3] end },
    { "x[-1]", function() return x[-1] end },
    { "x[{2, 3}]", function() return x[{ 2, 3 }] end },
    { "x[{-1, -1}]", function() return x[{ -1, -1 }] end },
    { "x[{{1, 2}, 3}]", function() return x[{ { 1, 2 }, 3 }] end },
    { "x[{{2, 3}, {2, 4}}]", function() return x[{ { 2, 3 }, { 2, 4 } }] end },
    { "x[{{}, 2}]", function() return x[{ {}, 2 }] end },
    { "x[{{}, -1}]", function() return x[{ {}, -1 }] end },
    { "x[{2, {}}]", function() return x[{ 2, {} }] end },
    { "x[{{-2, -1}, {}}]", function() return x[{ { -2, -1 }, {} }] end },
    { "x[{{1, 1}, {}}]", function() return x[{ { 1, 1 }, {} }] end },
    { "x[{1}]", function() return x[{ 1 }] end },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      assert.are.equal(pt.text(case[1]), tostring(case[2]()))
    end)
  end

  it("1-d and 3-d tensors", function()
    local v = torch.arange(5)
    assert.are.equal(pt.text("v[2]"), tostring(v[2]))
    assert.are.equal(pt.text("v[{{2, 4}}]"), tostring(v[{ { 2, 4 } }]))
    assert.are.equal(pt.text("v[-2]"), tostring(v[-2]))
    local c = torch.arange(24):reshape(2, 3, 4)
    assert.are.equal(pt.text("c[{2, {}, 3}]"), tostring(c[{ 2, {}, 3 }]))
    assert.are.equal(pt.text("c[{{}, {}, {2, 3}}]"), tostring(c[{ {}, {}, { 2, 3 } }]))
    assert.are.equal(pt.text("c[{-1, -1, -1}]"), tostring(c[{ -1, -1, -1 }]))
  end)

  it("x[i] is a view: writing into it writes into x", function()
    local w = torch.zeros(2, 3)
    w[2]:fill_(7)
    assert.are.equal(pt.text("w[2]:fill_(7)"), tostring(w))
    w[{ {}, 1 }]:add_(1)
    assert.are.equal(pt.text("w[{{}, 1}]:add_(1)"), tostring(w))
  end)

  it("selecting every element gives 0-d tensors, whose item is a Lua number", function()
    local x2 = torch.arange(12.0):reshape(3, 4)
    assert.are.equal(0, x2[{ 2, 3 }].ndim)
    assert.are.equal(6.0, x2[{ 2, 3 }]:item())
    assert.are.equal(6, torch.arange(12):reshape(3, 4)[{ 2, 3 }]:item())
  end)
end)

describe("assignment writes in place", function()
  it("numbers and tensors into elements, rows, columns and blocks", function()
    local y = torch.arange(12.0):reshape(3, 4)
    local before = y
    y[{ 1, 2 }] = 17
    assert.are.equal(pt.text("y[{1, 2}] = 17"), tostring(y))
    y[{ { 1, 2 }, {} }] = 12
    assert.are.equal(pt.text("y[{{1, 2}, {}}] = 12"), tostring(y))
    y[3] = torch.tensor({ 1.0, 2.0, 3.0, 4.0 })
    assert.are.equal(pt.text("y[3] = tensor"), tostring(y))
    y[{ {}, -1 }] = torch.tensor({ -1.0, -2.0, -3.0 })
    assert.are.equal(pt.text("y[{{}, -1}] = tensor"), tostring(y))
    y[{ { 2, 3 }, { 2, 3 } }] = torch.tensor({ 10.0, 20.0 })
    assert.are.equal(pt.text("y[{{2, 3}, {2, 3}}] = broadcast row"), tostring(y))
    assert.is_true(rawequal(before, y))
    local z = torch.zeros(2, 3, { dtype = torch.int64 })
    z[{ 2, 3 }] = 5
    assert.are.equal(pt.text("int64 z[{2, 3}] = 5"), tostring(z))
  end)

  it("into a view of another tensor", function()
    local base = torch.zeros(2, 2)
    local row = base[1]
    row[2] = 3
    assert.are.equal("tensor([[0., 3.],\n        [0., 0.]])", tostring(base))
  end)
end)

describe("gradients flow through indexing", function()
  it("x[i]: SelectBackward0", function()
    local p = torch.arange(12.0):reshape(3, 4):requires_grad_(true)
    local s = p[2]
    assert.are.equal(pt.text("grad_fn p[2]"), s.grad_fn.name)
    ;(s * 2):sum():backward()
    pt.assert_tensor("grad p[2]", p.grad)
  end)

  it("x[{{1, 2}, 3}]", function()
    local p = torch.arange(12.0):reshape(3, 4):requires_grad_(true)
    local q = p[{ { 1, 2 }, 3 }]
    assert.are.equal(pt.text("grad_fn p[{{1, 2}, 3}]"), q.grad_fn.name)
    ;(q * q):sum():backward()
    pt.assert_tensor("grad p[{{1, 2}, 3}]", p.grad)
  end)

  it("single elements, negative indices", function()
    local p = torch.arange(12.0):reshape(3, 4):requires_grad_(true)
    local r = p[{ 2, 3 }] * 5 + p[{ -1, -1 }]
    r:backward()
    pt.assert_tensor("grad p[{2, 3}]*5 + p[{-1, -1}]", p.grad)
  end)

  it("gradcheck through slices", function()
    local p = torch.randn({ 3, 4, dtype = torch.float64, requires_grad = true })
    assert.gradcheck(function(t) return t[{ { 2, 3 }, { 1, -2 } }] * t[{ { 1, 2 }, { 2, 4 } }] end, { p })
  end)
end)

describe("item, tolist, #, numel, size", function()
  it("item gives Lua numbers of the right subtype and booleans", function()
    assert.are.equal(pt.value("item float"), torch.tensor(2.5):item())
    assert.are.equal("float", math.type(torch.tensor(2.5):item()))
    assert.are.equal(pt.value("item int"), torch.tensor(7):item())
    assert.are.equal("integer", math.type(torch.tensor(7):item()))
    assert.are.equal(pt.value("item bool"), torch.tensor(true):item())
    assert.are.equal(pt.value("item 1x1"), torch.tensor({ { 3.25 } }):item())
  end)

  it("tolist gives nested tables (a number for 0-d)", function()
    assert.are.same(pt.value("tolist 2-d"), torch.arange(6.0):reshape(2, 3):tolist())
    assert.are.same(pt.value("tolist int"), torch.arange(4):tolist())
    assert.are.equal("integer", math.type(torch.arange(4):tolist()[2]))
    assert.are.same(pt.value("tolist bool"), torch.tensor({ true, false }):tolist())
    assert.are.equal(pt.value("tolist 0-d"), torch.tensor(1.5):tolist())
    assert.are.same(pt.value("tolist float32 0.1"), torch.tensor({ 0.1 }):tolist())
  end)

  it("#x is the size of dim 1; numel, size, ndim", function()
    local z = torch.zeros(3, 5)
    assert.are.equal(pt.value("len"), #z)
    assert.are.equal(pt.value("numel"), z:numel())
    assert.are.equal(pt.value("numel"), torch.numel(z))
    local c = torch.zeros(3, 5, 2)
    local size = c:size()
    assert.are.equal("torch.Size([3, 5, 2])", tostring(size))
    local list = {}
    for k, n in ipairs(size) do list[k] = n end
    assert.are.same(pt.value("size"), list)
    assert.are.equal(pt.value("size(1)"), c:size(1))
    assert.are.equal(pt.value("size(-1)"), c:size(-1))
    assert.are.equal(pt.value("ndim"), c.ndim)
    assert.are.equal(pt.value("ndim"), c:dim())
    assert.are.equal(3, #c)
  end)
end)

describe("keyword tables", function()
  it("torch.randn{2, 3, requires_grad=true}", function()
    torch.manual_seed(3)
    assert.are.equal(pt.text("randn{2, 3, requires_grad=true}"), tostring(torch.randn{ 2, 3, requires_grad = true }))
  end)

  it("torch.randn{requires_grad=true} is 0-d", function()
    torch.manual_seed(5)
    local a = torch.randn{ requires_grad = true }
    assert.are.equal(pt.text("randn{requires_grad=true}"), tostring(a))
    assert.are.equal(0, a.ndim)
  end)

  it("x:sum(dim, {keepdim=true}) with 1-based and negative dims", function()
    local m = torch.arange(6.0):reshape(2, 3)
    assert.are.equal(pt.text("sum(1, keepdim)"), tostring(m:sum(1, { keepdim = true })))
    assert.are.equal(pt.text("sum(2, keepdim)"), tostring(m:sum(2, { keepdim = true })))
    assert.are.equal(pt.text("sum(-1)"), tostring(m:sum(-1)))
    assert.are.equal(pt.text("sum(2, keepdim)"), tostring(m:sum{ 2, keepdim = true }))
  end)

  it("torch.arange(4.0, {requires_grad=true})", function()
    assert.are.equal(pt.text("arange(4.0, requires_grad)"), tostring(torch.arange(4.0, { requires_grad = true })))
  end)

  it("sizes as varargs or a table, with dtype and requires_grad", function()
    assert.are.equal(pt.text("zeros{2, 3}"), tostring(torch.zeros{ 2, 3 }))
    assert.are.equal(pt.text("zeros{2, 3}"), tostring(torch.zeros(2, 3)))
    assert.are.equal(pt.text("ones{2, dtype=float64}"), tostring(torch.ones{ 2, dtype = torch.float64 }))
    assert.are.equal(pt.text("ones{2, dtype=float64}"), tostring(torch.ones(2, { dtype = torch.float64 })))
    assert.are.equal(pt.text("full({2, 2}, 7)"), tostring(torch.full({ 2, 2 }, 7)))
    assert.are.equal(pt.text("full({2}, 1.5, requires_grad)"), tostring(torch.full({ 2 }, 1.5, { requires_grad = true })))
    assert.are.equal(pt.text("tensor(list, dtype=float64)"), tostring(torch.tensor({ 1, 2 }, { dtype = torch.float64 })))
    assert.are.equal(pt.text("tensor(list, requires_grad)"), tostring(torch.tensor({ 1.0, 2.0 }, { requires_grad = true })))
  end)
end)

describe("the module", function()
  it("require 'luagrad' and require 'torch' give the global torch", function()
    assert.are.equal(torch, require("luagrad"))
    assert.are.equal(torch, require("torch"))
    assert.is_true(rawequal(require("luagrad"), require("torch")))
  end)

  it("dtypes and functions are fields of the module", function()
    for _, name in ipairs({ "float32", "float64", "int64", "bool" }) do
      assert.is_not_nil(torch[name], name)
    end
    for _, name in ipairs({ "zeros", "ones", "full", "rand", "randn", "arange", "tensor", "dot", "matmul",
      "mm", "mv", "no_grad", "enable_grad", "set_grad_enabled", "manual_seed", "allclose", "equal" }) do
      assert.is_function(torch[name], name)
    end
    assert.is_function(torch.autograd.grad)
  end)
end)
