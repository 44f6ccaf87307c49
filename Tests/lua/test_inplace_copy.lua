-- x:copy_(src): broadcasting, dtype conversion, any destination layout, sources that share the
-- destination's memory, the version counter, PyTorch's errors, and the recorded path. Without
-- a graph to record, copy_ writes the source straight into the tensor; a source sharing its
-- memory in a layout that cannot be compared cheaply, or a dual source, takes the general path
-- (a copy first). Both must agree with PyTorch.
-- Expected values: fixtures/inplace_copy.py (same names; Python's positions count from 0).
local fixture = require("pytorch_fixture")
local pt = fixture.load("inplace_copy")
local message_of, one_based = fixture.message_of, fixture.one_based

describe("copy_ broadcasts its source", function()
  local cases = {
    { "same shape", function() return torch.zeros(2, 3):copy_(torch.arange(6.0):reshape(2, 3)) end },
    { "broadcast row", function() return torch.zeros(2, 3):copy_(torch.tensor({ 1.0, 2.0, 3.0 })) end },
    { "broadcast column", function() return torch.zeros(2, 3):copy_(torch.tensor({ { 1.0 }, { 2.0 } })) end },
    { "broadcast 0-d", function() return torch.zeros(3):copy_(torch.tensor(2.5)) end },
    { "number", function() return torch.zeros(3):copy_(3) end },
    { "empty", function() return torch.zeros(0, 3):copy_(torch.ones(3)) end },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      assert.are.equal(pt.text(case[1]), tostring(case[2]()))
    end)
  end

  it("returns the tensor itself", function()
    local x = torch.zeros(3)
    assert.are.equal(x, x:copy_(torch.ones(3)))
    assert.is_true(rawequal(x, x:copy_(torch.ones(3))))
  end)
end)

describe("copy_ converts to the tensor's dtype", function()
  local long, double = { dtype = torch.int64 }, { dtype = torch.float64 }
  local cases = {
    { "int64 from float", function() return torch.zeros(4, long):copy_(torch.tensor({ 1.7, -2.7, 3.5, -0.5 })) end },
    { "bool from float", function() return torch.zeros(3, { dtype = torch.bool }):copy_(torch.tensor({ 0.0, -2.7, 0.5 })) end },
    { "float from int64", function() return torch.zeros(3):copy_(torch.tensor({ 16777217, -2, 3 }, long)) end },
    { "float from bool", function() return torch.zeros(2):copy_(torch.tensor({ true, false })) end },
    { "float64 from float", function() return torch.zeros(2, double):copy_(torch.tensor({ 0.1, 1 / 3 })) end },
    { "float from float64", function() return torch.zeros(2):copy_(torch.tensor({ 0.1, 1 / 3 }, double)) end },
    { "int64 from float64", function() return torch.zeros(2, long):copy_(torch.tensor({ 2.0 ^ 40 + 0.5, -7.9 }, double)) end },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      pt.assert_tensor(case[1], case[2]())
    end)
  end
end)

describe("copy_ writes any layout", function()
  it("into a transposed tensor", function()
    local e = torch.zeros(3, 4)
    e:t():copy_(torch.arange(12.0):reshape(4, 3))
    assert.are.equal(pt.text("transposed destination"), tostring(e))
  end)

  it("into a column", function()
    local e = torch.zeros(3, 4)
    e[{ {}, 2 }]:copy_(torch.tensor({ 1.0, 2.0, 3.0 }))
    assert.are.equal(pt.text("column destination"), tostring(e))
  end)

  it("broadcast into a slice of a transposed tensor", function()
    local e = torch.zeros(4, 3)
    e:t()[{ { 2, 3 } }]:copy_(torch.tensor({ { 1.0 }, { 2.0 } }))
    assert.are.equal(pt.text("broadcast into a transposed slice"), tostring(e))
  end)

  it("from a transposed source", function()
    assert.are.equal(pt.text("transposed source"), tostring(torch.zeros(3, 2):copy_(torch.arange(6.0):reshape(2, 3):t())))
  end)

  it("through a view into its base", function()
    local base = torch.zeros(2, 3)
    base[2]:copy_(torch.tensor({ 7.0, 8.0, 9.0 }))
    assert.are.equal(pt.text("a view's base"), tostring(base))
  end)

  it("of 784 x 256 floats, contiguous and transposed", function()
    local src = torch.randn(784, 256)
    local dst = torch.zeros(784, 256)
    dst:copy_(src)
    assert.is_true(torch.equal(dst, src))
    local t = torch.zeros(256, 784)
    t:t():copy_(src)
    assert.is_true(torch.equal(t:t(), src))
    local d = torch.zeros(784, 256, { dtype = torch.float64 }):copy_(src)
    assert.is_true(torch.equal(d:float(), src))
  end)
end)

describe("copy_ from memory the tensor shares", function()
  it("self: unchanged, the version still counts", function()
    local x = torch.arange(3.0)
    local v = x._version
    x:copy_(x)
    assert.are.equal(pt.text("self"), tostring(x))
    assert.are.equal(pt.value("self version"), x._version - v)
  end)

  it("a view of self", function()
    local x = torch.arange(3.0)
    x:copy_(x:view(3))
    assert.are.equal(pt.text("a view of self"), tostring(x))
  end)

  it("an expanded tensor from itself", function()
    local x = torch.zeros(1):expand(3)
    x:copy_(x)
    assert.are.equal(pt.text("expanded self"), tostring(x))
  end)

  it("one half from the other", function()
    local x = torch.arange(6.0)
    x[{ { 1, 3 } }]:copy_(x[{ { 4, 6 } }])
    assert.are.equal(pt.text("half from the other half"), tostring(x))
  end)

  it("a column from another column", function()
    local x = torch.arange(6.0):reshape(2, 3)
    x[{ {}, 1 }]:copy_(x[{ {}, 3 }])
    assert.are.equal(pt.text("column from another column"), tostring(x))
  end)

  it("each copy_ bumps the version once", function()
    local x = torch.zeros(3)
    local v = x._version
    x:copy_(torch.ones(3))
    x:copy_(torch.ones(3, { dtype = torch.int64 }))
    assert.are.equal(pt.value("version after two"), x._version - v)
  end)
end)

describe("copy_ errors", function()
  local a, b, d = torch.arange(6.0), torch.arange(4.0):reshape(2, 2), torch.arange(3.0)
  local cases = {
    { "expanded destination", function() torch.zeros(3):expand(3, 3):copy_(torch.ones(3, 3)) end },
    { "expanded size-1 destination", function() torch.zeros(1):expand(3):copy_(torch.ones(3)) end },
    { "shifted self", function() a[{ { 2, 6 } }]:copy_(a[{ { 1, 5 } }]) end },
    { "transposed self", function() b:copy_(b:t()) end },
    { "element of self", function() d:copy_(d[2]) end },
    { "shape mismatch", function() torch.zeros(2, 3):copy_(torch.ones(2)) end },
    { "broadcast to more dims", function() torch.zeros(3):copy_(torch.ones(2, 3)) end },
    { "into 0-d", function() torch.zeros({}):copy_(torch.ones(1)) end },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      assert.are.equal(one_based(pt.text(case[1])), message_of(case[2]))
    end)
  end

  it("a refused copy leaves the tensor and its version as they were", function()
    local x = torch.arange(6.0)
    local v = x._version
    message_of(function() x[{ { 2, 6 } }]:copy_(x[{ { 1, 5 } }]) end)
    assert.are.equal(v, x._version)
    assert.is_true(torch.equal(x, torch.arange(6.0)))
  end)
end)

describe("copy_ with grad enabled", function()
  it("refuses a leaf that requires grad, and copies into it under no_grad", function()
    local w = torch.zeros(3, { requires_grad = true })
    assert.are.equal(pt.text("leaf requiring grad"), message_of(function() w:copy_(torch.ones(3)) end))
    torch.no_grad(function() w:copy_(torch.tensor({ 1.0, 2.0, 3.0 })) end)
    assert.are.equal(pt.text("leaf under no_grad"), tostring(w))
  end)

  it("records CopyBackwards and sums the gradient over the broadcast", function()
    local s = torch.tensor({ 1.0, 2.0, 3.0 }, { requires_grad = true })
    local y = torch.zeros(2, 3)
    y:copy_(s * 2)
    -- PyTorch's CopyBackwards is hand-written, so its name carries the namespace.
    assert.are.equal(pt.text("recorded grad_fn"), y.grad_fn.name)
    local loss = (y * torch.tensor({ { 1.0 }, { 2.0 } })):sum()
    loss:backward()
    assert.are.equal(pt.text("recorded grad"), tostring(s.grad))
  end)

  it("refuses an overlapping copy while recording", function()
    local r = torch.arange(6.0, { requires_grad = true }) * 1
    assert.are.equal(pt.text("recorded shifted self"), message_of(function() r[{ { 2, 6 } }]:copy_(r[{ { 1, 5 } }]) end))
  end)

  it("carries a dual source's tangent", function()
    local fwAD = torch.autograd.forward_ad
    local tangent = fwAD.dual_level(function()
      local t = torch.zeros(2)
      t:copy_(fwAD.make_dual(torch.tensor({ 1.0, 2.0 }), torch.tensor({ 3.0, 4.0 })))
      local _, tg = fwAD.unpack_dual(t)
      return tg
    end)
    assert.are.equal(pt.text("dual source tangent"), tostring(tangent))
  end)
end)
