-- pow with a number exponent, norm, var and std against PyTorch's values
-- (fixtures/pow_norm.py -> fixtures/pow_norm.txt). PyTorch's CPU pow computes x^3 as x * x * x,
-- x^-2 as 1 / (x * x), x^0.5 as sqrt, x^-0.5 as 1 / sqrt(x) and x^-1 as 1 / x in the element
-- type (x * x * x rounds twice: not the correctly rounded cube), so those are compared exactly,
-- but for x^0.5 (PyTorch's float32 sqrt is MKL's, not correctly rounded); other exponents call
-- pow (SLEEF's within 1 ulp there, glibc's here), compared within an ulp or two. A float32
-- norm adds squares in float in PyTorch's order, and var/std along a dim run
-- Welford's algorithm in double, so both are exact; the gradients of var/std, whose formulas
-- round differently from PyTorch's, are compared within a few ulps.
local fixture = require("pytorch_fixture")
local pt = fixture.load("pow_norm")
local recorded = pt.recorded
local ULPS = { rtol = 3e-7, atol = 0 }
local DOUBLE_ULPS = { rtol = 1e-15, atol = 0 }

--- n values in (-1.7, 1.7) from integers by one correctly rounded division, as the snippet's
--- `spread` builds them.
local function spread(n, dtype)
  return ((torch.arange(n) * 7919) % 10007 - 5003):to(dtype or torch.float32) / 3001
end

describe("pow with a number exponent", function()
  it("cubes as x * x * x, which differs from the correctly rounded cube", function()
    local x = recorded("cube input")
    assert.are.equal(12, pt.value("cube rounds twice"))
    pt.assert_tensor("cube", x ^ 3)
    pt.assert_tensor("cube", x:pow(3))
    pt.assert_tensor("cube float64", x:to(torch.float64) ^ 3)
  end)

  it("takes PyTorch's shortcuts on zeros, negatives, infinities and NaN", function()
    local s = recorded("special")
    for _, e in ipairs({ -2, 0.5, -0.5, -1, 2, 3, 0, 1, 2.5, -3 }) do
      local key = "special ^ " .. tostring(e)
      local options = (e == 2.5 or e == -3 or e == 0.5) and ULPS or nil
      pt.assert_tensor(key, s ^ e, options)
      pt.assert_tensor("special float64 ^ " .. tostring(e), s:to(torch.float64) ^ e,
        options and DOUBLE_ULPS or nil)
    end
  end)

  it("computes x^-0.5 as 1 / sqrt(x), x^0.5 as sqrt(x) and x^-2 as 1 / (x * x)", function()
    local x = recorded("positive")
    pt.assert_tensor("positive ^ -0.5", x ^ -0.5)
    -- PyTorch's float32 sqrt (MKL's) is an ulp below the correctly rounded root for about one
    -- float in six; LuaGrad's `sqrt` is correctly rounded, and x^0.5 is that `sqrt` on both sides.
    pt.assert_tensor("positive ^ 0.5", x ^ 0.5, ULPS)
    pt.assert_tensor("positive ^ -2", x ^ -2)
  end)

  it("keeps integer powers int64 and gives float32 for float exponents", function()
    local ints = torch.arange(-4, 5)
    for _, e in ipairs({ 3, 2, 0, 1, 5, 0.5, -0.5, -1.0, 2.0, 3.0 }) do
      -- Lua prints 2.0 as Python does, so the keys match.
      pt.assert_tensor("ints ^ " .. tostring(e), ints ^ e)
    end
    assert.are.equal(pt.text("ints ^ -1"), fixture.message_of(function() return ints ^ -1 end))
    assert.are.equal(pt.text("ints ^ -2"), fixture.message_of(function() return ints ^ -2 end))
    pt.assert_tensor("bools ^ 3", torch.tensor({ true, false }) ^ 3)
  end)

  it("gives the same values split over threads and on a strided input", function()
    local big = spread(65539)
    assert.are.equal(pt.value("big cube is x*x*x"), torch.equal(big ^ 3, big * big * big))
    pt.assert_tensor("big cube head", (big ^ 3)[{ { 1, 16 } }])
    pt.assert_tensor("big cube tail", (big ^ 3)[{ { -16, -1 } }])
    pt.assert_tensor("big ^ -2 tail", (big ^ -2)[{ { -16, -1 } }])
    pt.assert_tensor("big ^ -0.5 head", (big:abs() ^ -0.5)[{ { 1, 16 } }])
    pt.assert_tensor("strided cube", spread(60):reshape(6, 10):t() ^ 3)
  end)

  it("gives PyTorch's gradients (PowBackward0)", function()
    for _, e in ipairs({ 3, -2, 0.5, -0.5, -1, 2.5 }) do
      local x = recorded("positive"):requires_grad_()
      local y = x ^ e
      if e == 3 then assert.are.equal(pt.text("cube grad_fn"), y.grad_fn.name) end
      y:backward(torch.ones(64) * 0.75)
      -- x^(e-1) for e = -2 and 2.5 calls pow: an ulp or two.
      pt.assert_tensor("positive grad ^ " .. tostring(e), x.grad, (e == -2 or e == 2.5) and ULPS or nil)
    end
  end)
end)

describe("norm", function()
  local x = spread(256 * 1024):reshape(256, 1024)
  local x3 = spread(8 * 64 * 129):reshape(8, 64, 129)

  it("adds squares in float in PyTorch's order, over everything and over dims", function()
    pt.assert_tensor("norm all", x:norm())
    pt.assert_tensor("norm dim 2", x:norm(2, 2))
    pt.assert_tensor("norm dim 1", x:norm(2, 1))
    pt.assert_tensor("norm dim 2 keepdim", x[{ { 1, 4 } }]:norm(2, 2, { keepdim = true }))
    pt.assert_tensor("norm transposed dim 1", x:t():norm(2, 1))
    pt.assert_tensor("norm transposed all", x:t():norm())
    pt.assert_tensor("norm3 dims 2 3", x3:norm(2, { 2, 3 }))
    pt.assert_tensor("norm3 dims 1 2", x3:norm(2, { 1, 2 }))
    pt.assert_tensor("norm3 dim 2", x3:norm(2, 2))
    pt.assert_tensor("norm3 dim 1 3", x3:norm(2, { 1, 3 }))
    pt.assert_tensor("norm tail", spread(1003):norm())
  end)

  it("adds float64 squares in four lanes", function()
    pt.assert_tensor("norm float64 all", spread(256 * 1024, torch.float64):norm())
    pt.assert_tensor("norm float64 dim 2", spread(256 * 1024, torch.float64):reshape(256, 1024):norm(2, 2))
  end)

  it("handles infinities, NaN, empty and 0-d tensors", function()
    local inf, nan = math.huge, 0 / 0
    pt.assert_tensor("norm special", torch.tensor({ { 3.0, 4.0 }, { inf, 1.0 }, { nan, 1.0 }, { 0.0, 0.0 } }):norm(2, 2))
    pt.assert_tensor("norm empty", torch.zeros(0):norm())
    pt.assert_tensor("norm empty dim", torch.zeros(0, 3):norm(2, 1))
    pt.assert_tensor("norm 0-d", torch.tensor(-2.5):norm())
  end)

  it("gives PyTorch's other norms, adding in the element type one element at a time", function()
    pt.assert_tensor("norm p1 dim 2", x[{ { 1, 8 } }]:norm(1, 2))
    pt.assert_tensor("norm p1 dim 1", x:norm(1, 1))
    -- |x|^3 and the cube root by powf, as PyTorch's `compat_pow` in float.
    pt.assert_tensor("norm p3 dim 2", x[{ { 1, 8 } }]:norm(3, 2))
    pt.assert_tensor("norm p3 float64 dim 2", x[{ { 1, 8 } }]:to(torch.float64):norm(3, 2))
    pt.assert_tensor("norm pinf dim 1", x:norm(math.huge, 1)[{ { 1, 16 } }])
  end)

  it("gives PyTorch's gradients, 0 where the norm is 0", function()
    local xg = x:clone():requires_grad_()
    xg:norm(2, 2):sum():backward()
    pt.assert_tensor("norm dim 2 grad head", xg.grad[{ { 1, 2 } }])
    pt.assert_tensor("norm dim 2 grad last", xg.grad[-1])
    xg = x:clone():requires_grad_()
    xg:norm():backward()
    pt.assert_tensor("norm all grad head", xg.grad[1])
    local z = torch.tensor({ { 0.0, 0.0 }, { 3.0, -4.0 } }, { requires_grad = true })
    z:norm(2, 2):sum():backward()
    pt.assert_tensor("norm zero grad", z.grad)
  end)
end)

describe("var and std", function()
  local x = spread(256 * 1024):reshape(256, 1024)
  local x3 = spread(8 * 64 * 129):reshape(8, 64, 129)

  it("give PyTorch's values along dims (Welford in double)", function()
    pt.assert_tensor("var dim 2", x:var(2))
    pt.assert_tensor("std dim 2", x:std(2))
    pt.assert_tensor("var dim 1", x:var(1))
    pt.assert_tensor("std dim 1 correction 0", x:std(1, { correction = 0 }))
    pt.assert_tensor("var3 dims 2 3 keepdim", x3:var({ 2, 3 }, { keepdim = true }))
    pt.assert_tensor("std float64 dim 2", spread(256 * 1024, torch.float64):reshape(256, 1024):std(2))
    -- Of everything PyTorch takes two passes (the mean, then squared deviations).
    pt.assert_tensor("var all", x:var(), ULPS)
  end)

  it("give PyTorch's gradients within a few ulps", function()
    local xg = x:clone():requires_grad_()
    xg:var(2):sum():backward()
    pt.assert_tensor("var dim 2 grad head", xg.grad[{ { 1, 2 } }], { rtol = 1e-6, atol = 1e-9 })
    xg = x:clone():requires_grad_()
    xg:std(1):sum():backward()
    pt.assert_tensor("std dim 1 grad head", xg.grad[{ { 1, 2 } }], { rtol = 1e-6, atol = 1e-9 })
  end)
end)
