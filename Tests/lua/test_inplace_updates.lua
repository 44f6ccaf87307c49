-- addcmul, addcdiv, lerp and the in-place updates optimizers use: values, gradients, grad_fn
-- names and errors from PyTorch (fixtures/inplace_updates.py, same names).
local pt = require("pytorch_fixture").load("inplace_updates")

local THIS_FILE = debug.getinfo(1, "S").source:sub(2)

-- Asserts that `fn` raises PyTorch's text for `name`, positioned in this file.
local function expect_error(name, fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  assert.matches("^" .. THIS_FILE:gsub("%p", "%%%0") .. ":%d+: " .. pt.text(name):gsub("%p", "%%%0") .. "$", err)
end

describe("addcmul, addcdiv and lerp", function()
  local a, b, c
  before_each(function()
    a = torch.tensor({ 1.0, -2.0, 3.0 }, { requires_grad = true })
    b = torch.tensor({ 0.5, 4.0, -1.5 }, { requires_grad = true })
    c = torch.tensor({ 2.0, -0.25, 0.75 }, { requires_grad = true })
  end)

  it("addcmul", function()
    local r = torch.addcmul(a, b, c, { value = 0.5 })
    assert.are.equal(pt.text("addcmul"), tostring(r))
    r:sum():backward()
    assert.are.equal(pt.text("addcmul grad b"), tostring(b.grad))
  end)

  it("addcdiv", function()
    local r = torch.addcdiv(a, b, c, { value = -2 })
    assert.are.equal(pt.text("addcdiv"), tostring(r))
    ;(r * torch.tensor({ 1.0, 2.0, 3.0 })):sum():backward()
    assert.are.equal(pt.text("addcdiv grad a"), tostring(a.grad))
    assert.are.equal(pt.text("addcdiv grad b"), tostring(b.grad))
    assert.are.equal(pt.text("addcdiv grad c"), tostring(c.grad))
  end)

  it("lerp with number and tensor weights", function()
    assert.are.equal(pt.text("lerp small"), tostring(torch.lerp(a, b, 0.3)))
    assert.are.equal(pt.text("lerp large"), tostring(torch.lerp(a, b, 0.8)))
    local w = torch.tensor({ 0.1, 0.6, -0.7 }, { requires_grad = true })
    local r = torch.lerp(a, b, w)
    assert.are.equal(pt.text("lerp tensor"), tostring(r))
    ;(r * r):sum():backward()
    assert.are.equal(pt.text("lerp grad a"), tostring(a.grad))
    assert.are.equal(pt.text("lerp grad b"), tostring(b.grad))
    assert.are.equal(pt.text("lerp grad w"), tostring(w.grad))
  end)

  it("integer addcmul and the dtype errors", function()
    local one = torch.ones(2, { dtype = torch.int64 })
    assert.are.equal(pt.text("addcmul ints"), tostring(torch.addcmul(one, one, torch.full({ 2 }, 2), { value = 3 })))
    expect_error("lerp dtype", function() torch.lerp(torch.ones(2), torch.ones(2, { dtype = torch.float64 }), 0.5) end)
    expect_error("addcdiv ints", function() torch.addcdiv(one, one, one) end)
    expect_error("exp_ int", function() torch.ones(2, { dtype = torch.int64 }):exp_() end)
  end)
end)

describe("in-place updates", function()
  local x
  before_each(function() x = torch.tensor({ { 0.5, -1.5 }, { 2.0, 0.25 } }) end)

  it("write PyTorch's values and return the tensor", function()
    local y = x:clone()
    assert.are.equal(y, y:addcmul_(torch.tensor({ 1.0, 2.0 }), torch.tensor({ { 3.0 }, { -1.0 } }), { value = 0.25 }))
    assert.are.equal(pt.text("addcmul_ broadcast"), tostring(y))
    assert.are.equal(pt.text("addcdiv_"), tostring(x:clone():addcdiv_(torch.ones(2, 2), torch.tensor({ 4.0, -8.0 }))))
    assert.are.equal(pt.text("lerp_"), tostring(x:clone():lerp_(torch.zeros(2, 2), 0.25)))
    assert.are.equal(pt.text("clamp_"), tostring(x:clone():clamp_({ min = 0.0, max = 1.0 })))
    assert.are.equal(pt.text("clamp_ min"), tostring(x:clone():clamp_({ min = 0.3 })))
    assert.are.equal(pt.text("relu_"), tostring(x:clone():relu_()))
    assert.are.equal(pt.text("exp_"), tostring(x:clone():exp_()))
    assert.are.equal(pt.text("sqrt_"), tostring(x:clone():abs_():sqrt_()))
    assert.are.equal(pt.text("neg_"), tostring(x:clone():neg_()))
    assert.are.equal(pt.text("mul_ add_ alpha"), tostring(x:clone():mul_(3):add_(torch.ones(2, 2), { alpha = -0.5 })))
    assert.are.equal(pt.text("sigmoid_ tanh_"), tostring(x:clone():sigmoid_():tanh_()))
    assert.are.equal(pt.text("pow_"), tostring(x:clone():pow_(2)))
  end)

  it("are recorded on non-leaves and refused on leaves that require grad", function()
    local s = torch.tensor({ 1.0, 2.0 }, { requires_grad = true })
    local t = s * 1
    t:addcmul_(s, s, { value = 2 })
    assert.are.equal(pt.text("addcmul_ grad_fn"), t.grad_fn.name)
    t:clamp_({ max = 10.0 })
    assert.are.equal(pt.text("clamp_ grad_fn"), t.grad_fn.name)
    t:exp_()
    assert.are.equal(pt.text("exp_ grad_fn"), t.grad_fn.name)
    t:sum():backward()
    assert.are.equal(pt.text("in-place chain grad"), tostring(s.grad))
    expect_error("leaf", function() s:addcmul_(s, s) end)
    expect_error("leaf exp_", function() s:exp_() end)
  end)

  it("work on leaves under no_grad, as optimizer steps do", function()
    local s = torch.tensor({ 1.0, 2.0 }, { requires_grad = true })
    torch.no_grad(function()
      s:addcdiv_(torch.ones(2), torch.tensor({ 2.0, 4.0 }), { value = -1 })
      s:lerp_(torch.zeros(2), 0.5)
    end)
    assert.are.equal(pt.text("no_grad leaf update"), tostring(s))
  end)
end)

describe("add_ and sub_ with alpha", function()
  -- One rounding, as PyTorch's kernel (fmadd): a scaled copy added after rounding differed in
  -- the last bit of several of these elements.
  local function bits(t)
    local out = {}
    for i = 1, t:numel() do out[i] = string.format("%.9g", t[i]:item()) end
    return table.concat(out, " ")
  end

  it("round like PyTorch's in-place update", function()
    torch.manual_seed(0)
    local x = torch.randn(16)
    local y = torch.randn(16)
    local z = x:clone()
    z:add_(y, { alpha = 0.37 })
    assert.are.equal(pt.text("add_ alpha bits"), bits(z))
    z:sub_(y, { alpha = -0.1 })
    assert.are.equal(pt.text("sub_ alpha bits"), bits(z))
  end)
end)
