-- The math ops against real PyTorch: printed text, forward values, gradients and errors.
-- Every expectation comes from fixtures/ops_math.py (run by PyTorch into fixtures/ops_math.txt,
-- read with the shared pytorch_fixture); each case below builds in Lua what that script builds
-- under the same key. Dims and positions are 1-based here and 0-based there.

local pt = require("pytorch_fixture").load("ops_math")

-- Asserts dtype, shape and values (floats within rtol/atol, NaN equal to NaN).
local function check_values(key, actual, options)
  options = options or {}
  pt.assert_tensor(key .. " =", actual, { rtol = options.rtol or 1e-6, atol = options.atol or 1e-7 })
end

-- Positions: Lua's are PyTorch's plus one.
local function check_positions(key, actual)
  check_values(key, actual - 1)
end

-- The upstream gradient every case backpropagates: 1/4, 2/4, 3/4, ... in y's shape.
local function seed(y)
  local shape = {}
  for i, n in ipairs(y.shape) do shape[i] = n end
  return ((torch.arange(y:numel()) + 1) / 4):to(y.dtype):reshape(table.unpack(shape))
end

-- Checks str(y) and y's values and, when inputs are given, their gradients.
local function check(key, y, inputs, options)
  options = options or {}
  if not options.skip_text then assert.are.equal(pt.text(key), tostring(y), key .. ": printed text") end
  check_values(key, y, options)
  if inputs then
    y:backward(seed(y))
    for k, x in ipairs(inputs) do
      check_values(key .. " grad " .. k, x.grad, { rtol = options.grad_rtol or 1e-5, atol = 1e-6 })
    end
  end
end

-- Asserts that fn raises PyTorch's message for the case (positions-free messages only).
local function check_error(key, fn)
  assert.has_error(fn, pt.text(key .. " !"))
end

local nan, inf = 0 / 0, math.huge
local function leaf(data) return torch.tensor(data, { requires_grad = true }) end

local A = { { 1.5, -0.5, 2.0 }, { 0.25, -2.0, 3.5 } }
local P = { 0.5, 1.0, 2.5, 4.0 }
local U = { -0.75, -0.25, 0.1, 0.6 }
local R = { -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4, -0.6, 2.7 }
local I = torch.arange(6):reshape(2, 3)
local B = torch.tensor({ true, false, true })
local T = { { 3.0, 1.0, 3.0 }, { 2.0, 5.0, 5.0 } }
local Z = { { 2.0, 0.0, 3.0 }, { 0.0, 0.0, 1.0 }, { 1.0, 2.0, 3.0 } }
local S = { { 3.0, 1.0, 3.0, 2.0, 1.0, 3.0 }, { 0.5, -1.0, 0.5, 2.0, -1.0, 0.0 } }
local N = { 1.0, nan, 3.0, nan, -inf, 0.0 }

-- MARK: - Element-wise

describe("element-wise functions", function()
  it("compute PyTorch's values, text and gradients", function()
    for _, name in ipairs({ "log1p", "rsqrt", "log2", "log10" }) do
      local x = leaf(P); check(name, x[name](x), { x })
    end
    for _, name in ipairs({ "expm1", "exp2", "square" }) do
      local x = leaf(A); check(name, x[name](x), { x })
    end
    local x = leaf(U); check("tan", x:tan(), { x })
    check("log1p special", torch.tensor({ -1.0, -2.0, 0.0, inf, nan }):log1p())
  end)

  it("round down, up, to even and toward zero with zero gradients", function()
    for _, name in ipairs({ "floor", "ceil", "round", "trunc", "frac" }) do
      local x = leaf(R); check(name, x[name](x), { x })
    end
    local x = leaf({ 1.2345, 12.5, -0.125, 2.675 })
    check("round decimals 2", x:round({ decimals = 2 }), { x })
    check("round decimals -1", torch.tensor({ 1234.5, 15.0, 25.0, -35.0 }):round({ decimals = -1 }))
  end)

  it("keep or promote integer and bool dtypes as PyTorch does", function()
    check("floor int", I:floor())
    check("round int", I:round())
    check("square int", I:square())
    check("square bool", B:square())
    check("exp2 int", I:exp2())
    check("rsqrt int", I:rsqrt())
  end)

  it("reject the dtypes PyTorch rejects", function()
    check_error("floor bool", function() return B:floor() end)
    check_error("ceil bool", function() return B:ceil() end)
    check_error("round bool", function() return B:round() end)
    check_error("trunc bool", function() return B:trunc() end)
    check_error("frac int", function() return I:frac() end)
    check_error("frac bool", function() return B:frac() end)
    check_error("round int decimals", function() return I:round({ decimals = 1 }) end)
  end)
end)

describe("clamp", function()
  it("takes number bounds, either of them nil (ClampBackward1)", function()
    local x = leaf(A); check("clamp both", x:clamp(-1, 2), { x })
    x = leaf(A); check("clamp min", x:clamp(0), { x })
    x = leaf(A); check("clamp min", x:clamp({ min = 0 }), { x })
    x = leaf(A); check("clamp max", x:clamp({ max = 1 }), { x })
    x = leaf(A); check("clip", x:clip(-0.5, 0.5), { x })
    x = leaf(A); check("clip", torch.clip(x, -0.5, 0.5), { x })
  end)

  it("takes tensor bounds with broadcasting, differentiable in them (ClampBackward0)", function()
    local x, lo, hi = leaf(A), leaf({ { 0.0, 0.0, 2.5 } }), leaf({ { 1.0 }, { -1.0 } })
    check("clamp tensors", x:clamp(lo, hi), { x, lo, hi })
    x, lo = leaf(A), leaf({ 0.0, -1.0, 2.5 })
    check("clamp min tensor", x:clamp({ min = lo }), { x, lo })
    x, hi = leaf(A), leaf({ { 1.0 }, { -1.0 } })
    check("clamp max tensor", torch.clamp(x, { max = hi }), { x, hi })
  end)

  -- BUG (binder): the all-operands fast path in OpBindings.call rejects a nil operand instead
  -- of handing the call to ArgumentBinder, which applies the parameter's default.
  it("takes nil for min positionally", function()
    local x = leaf(A); check("clamp max", x:clamp(nil, 1), { x })
    local hi = leaf({ { 1.0 }, { -1.0 } })
    x = leaf(A); check("clamp max tensor", torch.clamp(x, nil, hi), { x, hi })
  end)

  it("splits the gradient at the bounds as PyTorch 2.15 does", function()
    local CX = { -1.0, 0.0, 2.0, 3.0, 1.0, 1.0 }
    local x = leaf(CX); check("clamp ties numbers", x:clamp(-1, 2), { x })
    x = leaf(CX); check("clamp ties min number", x:clamp(0), { x })
    local lo, hi = leaf({ -1.0, 1.0, 2.0, 3.0, 1.0, 2.0 }), leaf({ 2.0, 0.0, 2.0, 3.0, 1.0, 1.0 })
    x = leaf(CX); check("clamp ties tensors", x:clamp(lo, hi), { x, lo, hi })
    hi = leaf({ -1.0, 1.0, 2.0, 2.0, 1.0, 0.0 })
    x = leaf(CX); check("clamp ties max tensor", x:clamp({ max = hi }), { x, hi })
  end)

  it("promotes like PyTorch and propagates NaN", function()
    check("clamp int", I:clamp(1, 3))
    check("clamp int float bound", I:clamp(0.5, 3))
    check("clamp bool", B:clamp(0, 1))
    check("clamp nan bound", torch.tensor({ 1.0, 2.0 }):clamp({ min = nan }))
    check("clamp nan input", torch.tensor({ nan, 2.0 }):clamp(0, 1))
  end)

  it("needs a bound and rejects bad ones", function()
    check_error("clamp no bounds", function() return torch.clamp(torch.tensor(A)) end)
    check_error("clamp bool bounds", function() return B:clamp(false, true) end)
    assert.error_matches(function() return torch.tensor(A):clamp("a") end, "'clamp'", 1, true)
  end)
end)

describe("maximum and minimum", function()
  local MA, MB = { { 1.0, 5.0, 3.0 }, { 2.0, 2.0, 0.0 } }, { 2.0, 5.0, -1.0 }
  local MC = { { 0.0, 5.0, 4.0 }, { 3.0, 1.0, 0.0 } }

  it("broadcast, split the gradient on ties and are max/min of two tensors", function()
    local a, b = leaf(MA), leaf(MB); check("maximum", torch.maximum(a, b), { a, b })
    a, b = leaf(MA), leaf(MB); check("minimum", a:minimum(b), { a, b })
    a, b = leaf(MA), leaf(MC); check("max of two", torch.max(a, b), { a, b })
    a, b = leaf(MA), leaf(MC); check("min of two", a:min(b), { a, b })
  end)

  it("promote, propagate NaN and handle bools", function()
    check("maximum int float", torch.maximum(I, torch.tensor(1.5)))
    check("maximum nan", torch.maximum(torch.tensor({ 1.0, nan, 2.0 }), torch.tensor({ nan, 0.0, 3.0 })))
    check("minimum bool", torch.minimum(B, torch.tensor({ true, true, false })))
  end)

  it("reject shapes that do not broadcast and numbers", function()
    assert.has_error(function() return torch.maximum(torch.ones(2, 3), torch.ones(4)) end,
      "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 2")
    assert.error_matches(function() return torch.maximum(torch.ones(2), 2) end, "'maximum'", 1, true)
  end)
end)

describe("logical ops", function()
  it("give bool tensors", function()
    local L = torch.tensor({ 0.0, 1.5, nan, -inf, -0.0 })
    check("logical_or", torch.logical_or(L, torch.tensor({ 0.0, 0.0, 0.0, 0.0, 1.0 })))
    check("logical_xor", L:logical_xor(torch.tensor({ 1.0, 1.0, 0.0, 0.0, 1.0 })))
    check("logical_not", L:logical_not())
    check("logical_not int", torch.logical_not(I))
    check("isnan", L:isnan())
    check("isinf", L:isinf())
    check("isnan int", I:isnan())
  end)
end)

-- MARK: - Reductions

describe("prod", function()
  it("multiplies everything or along a dim", function()
    local x = leaf(A); check("prod", x:prod(), { x })
    x = leaf(A); check("prod dim", x:prod(2), { x })
    x = leaf(A); check("prod keepdim", x:prod(1, { keepdim = true }), { x })
  end)

  it("has exact gradients when inputs are zero", function()
    local x = leaf(Z); check("prod zeros dim", x:prod(2), { x })
    x = leaf({ { 2.0, 0.0, 3.0 }, { 4.0, 5.0, 6.0 } }); check("prod one zero", x:prod(), { x })
    x = leaf(Z); check("prod many zeros", x:prod(), { x })
  end)

  it("keeps integers as int64 and takes a dtype", function()
    check("prod int", I:prod(2))
    check("prod int keepdim", I:prod(2, true))
    check("prod bool", B:prod())
    check("prod dtype", I:prod({ dtype = torch.float32 }))
    check("prod empty", torch.zeros(0):prod())
  end)
end)

describe("var and std", function()
  it("use Bessel's correction by default, or correction / unbiased", function()
    local x = leaf(A); check("var", x:var(), { x })
    x = leaf(A); check("var dim", x:var(2), { x })
    x = leaf(A); check("var keepdim", x:var(1, { keepdim = true }), { x })
    x = leaf(A); check("var correction 0", x:var(2, { correction = 0 }), { x })
    x = leaf(A); check("var unbiased false", x:var({ unbiased = false }), { x })
    x = leaf(A); check("std", x:std(), { x })
    x = leaf(A); check("std dim keepdim", x:std(2, { keepdim = true }), { x })
    x = leaf(A); check("std dims", x:std({ 1, 2 }, { correction = 2 }), { x })
    check("var one element", torch.tensor({ 1.0 }):var())
  end)

  it("need floating point input", function()
    check_error("var int", function() return I:var() end)
    check_error("std int", function() return I:std() end)
  end)
end)

describe("max and min", function()
  it("of the whole tensor share the gradient between ties", function()
    local x = leaf(T); check("max", x:max(), { x })
    x = leaf(T); check("min", x:min(), { x })
  end)

  it("along a dim return values and 1-based positions of the first tie", function()
    local x = leaf(T)
    local v, i = x:max(2)
    check("max dim", v, { x }); check_positions("max dim indices", i)
    x = leaf(T)
    v, i = x:max(1, true)
    check("max dim keepdim", v, { x }); check_positions("max dim keepdim indices", i)
    x = leaf(T)
    v, i = torch.min(x, 2)
    check("min dim", v, { x }); check_positions("min dim indices", i)
  end)

  it("pick the first NaN, and work on integers and bools", function()
    local v, i = torch.tensor(N):max(1)
    check("max nan", v); check_positions("max nan indices", i)
    v, i = torch.tensor(N):min(1)
    check("min nan", v); check_positions("min nan indices", i)
    v, i = I:max(2)
    check("max int", v); check_positions("max int indices", i)
    check("max bool", B:max())
  end)

  it("argmax and argmin give 1-based positions", function()
    local t = torch.tensor(T)
    check_positions("argmax", t:argmax())
    check_positions("argmax dim", t:argmax(2))
    check_positions("argmax keepdim", t:argmax(1, true))
    check_positions("argmax keepdim no dim", t:argmax({ keepdim = true }))
    check_positions("argmin", torch.argmin(t))
    check_positions("argmin dim", t:argmin(2))
    check_positions("argmax nan", torch.tensor(N):argmax())
    check_positions("argmin nan", torch.tensor(N):argmin())
    check_positions("argmax int", I:argmax(1))
  end)

  it("reject empty reductions, bools for argmax and bad dims", function()
    check_error("max empty", function() return torch.zeros(0):max() end)
    check_error("min empty", function() return torch.zeros(0):min() end)
    check_error("argmax empty", function() return torch.zeros(0):argmax() end)
    check_error("argmax bool", function() return B:argmax() end)
    -- PyTorch counts dims from 0 in these messages; Lua from 1.
    assert.has_error(function() return torch.zeros(2, 0):max(2) end,
      "max(): Expected reduction dim 2 to have non-zero size.")
    assert.has_error(function() return torch.ones(2, 3):max(3) end,
      "Dimension out of range (expected to be in range of [-2, -1] or [1, 2], but got 3)")
    assert.error_matches(function() return torch.ones(2, 3):max("a") end, "'max'", 1, true)
    assert.error_matches(function() return torch.ones(2, 3):argmax(0) end, "'argmax'", 1, true)
  end)
end)

describe("amax and amin", function()
  it("reduce over dims and share the gradient between ties", function()
    local x = leaf(T); check("amax", x:amax(), { x })
    x = leaf(T); check("amax dim", x:amax(2), { x })
    x = leaf(T); check("amin dims keepdim", x:amin({ 1, 2 }, true), { x })
    x = leaf(T); check("amin dim", x:amin(1), { x })
    check("amax int", I:amax(2))
    check_error("amax empty", function() return torch.zeros(0):amax() end)
  end)
end)

describe("logsumexp", function()
  it("is stable and differentiable", function()
    local x = leaf(A); check("logsumexp", x:logsumexp(2), { x })
    x = leaf(A); check("logsumexp dims keepdim", x:logsumexp({ 1, 2 }, true), { x })
    check("logsumexp int", I:logsumexp(2))
    check("logsumexp infinities", torch.tensor({ { -inf, -inf }, { inf, 1.0 } }):logsumexp(2))
    assert.error_matches(function() return torch.ones(2):logsumexp() end, "logsumexp", 1, true)
  end)
end)

describe("all and any", function()
  it("test truth overall or along dims", function()
    check("all", I:all())
    check("all dim", I:all(2))
    check("any", torch.tensor(A):any())
    check("any dim keepdim", I:any(1, true))
    check("all empty", torch.zeros(0):all())
    check("any empty", torch.zeros(0):any())
    check("all bool", B:all())
  end)
end)

-- MARK: - Scans

describe("cumsum and cumprod", function()
  it("run along a dim with PyTorch's dtypes and gradients", function()
    local x = leaf(A); check("cumsum", x:cumsum(2), { x })
    x = leaf(A); check("cumsum dim 0", torch.cumsum(x, 1), { x })
    check("cumsum int", I:cumsum(2))
    check("cumsum bool", B:cumsum(1))
    check("cumsum dtype", torch.tensor(A):cumsum(2, { dtype = torch.float64 }))
    x = leaf(A); check("cumprod", x:cumprod(2), { x })
    x = leaf(Z); check("cumprod zeros", x:cumprod(2), { x })
    check("cumprod int", I:cumprod(2))
  end)

  it("need a dim and a numeric dtype", function()
    check_error("cumsum dtype bool", function() return torch.tensor(A):cumsum(2, { dtype = torch.bool }) end)
    check_error("cumprod dtype bool", function() return torch.tensor(A):cumprod(2, { dtype = torch.bool }) end)
    assert.error_matches(function() return torch.ones(3):cumsum() end, "cumsum", 1, true)
    assert.has_error(function() return torch.ones(3):cumprod(2) end,
      "Dimension out of range (expected to be in range of [-1, -1] or [1, 1], but got 2)")
  end)
end)

describe("softmax and log_softmax", function()
  it("normalize along a dim", function()
    local x = leaf(A); check("softmax", x:softmax(2), { x })
    x = leaf(A); check("softmax dim 0", x:softmax(1), { x })
    x = leaf(A); check("log_softmax", x:log_softmax(2), { x })
    check("softmax dtype", I:softmax(2, { dtype = torch.float64 }))
    check("softmax function", torch.softmax(torch.tensor(A), -1))
  end)

  it("reject integers without a dtype", function()
    check_error("softmax int", function() return I:softmax(2) end)
    check_error("softmax int dim 0", function() return I:softmax(1) end)
    check_error("log_softmax bool", function() return B:log_softmax(1) end)
    assert.error_matches(function() return torch.ones(3):softmax(0) end, "'softmax'", 1, true)
  end)
end)

-- MARK: - Sorting

describe("sort", function()
  it("returns values and 1-based positions, ties in PyTorch's order", function()
    local x = leaf(S)
    local v, i = x:sort(2)
    check("sort", v, { x }); check_positions("sort indices", i)
    x = leaf(S)
    v, i = x:sort(2, true)
    check("sort descending", v, { x }); check_positions("sort descending indices", i)
    v, i = torch.tensor(S):sort(1)
    check("sort dim 0", v); check_positions("sort dim 0 indices", i)
    v, i = torch.sort(torch.tensor(S), { stable = true, descending = true })
    check("sort stable", v); check_positions("sort stable indices", i)
    v, i = torch.ones(40):sort()
    check_positions("sort ties indices", i)
    v, i = torch.tensor({ 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1 }):sort({ descending = true })
    check("sort int ties", v); check_positions("sort int ties indices", i)
    v, i = torch.tensor(N):sort()
    check("sort nan", v); check_positions("sort nan indices", i)
    v, i = B:sort()
    check("sort bool", v); check_positions("sort bool indices", i)
  end)
end)

describe("topk", function()
  it("returns the k largest or smallest with 1-based positions", function()
    local x = leaf(S)
    local v, i = x:topk(3)
    check("topk", v, { x }); check_positions("topk indices", i)
    x = leaf(S)
    v, i = x:topk(2, { largest = false })
    check("topk smallest", v, { x }); check_positions("topk smallest indices", i)
    v, i = torch.tensor(S):topk(1, 1)
    check("topk dim 0", v); check_positions("topk dim 0 indices", i)
    v, i = torch.tensor({ 1.0, 5.0, 3.0, 2.0, 4.0, 0.0, 6.0 }):topk(3, { sorted = false })
    check("topk unsorted", v); check_positions("topk unsorted indices", i)
    v, i = torch.ones(100):topk(3)
    check_positions("topk ties indices", i)
    v, i = torch.tensor(N):topk(2)
    check("topk nan", v); check_positions("topk nan indices", i)
  end)

  it("rejects k out of range and bools", function()
    check_error("topk too many", function() return torch.tensor(S):topk(7) end)
    assert.has_error(function() return torch.tensor(S):topk(-1) end, "selected index k out of range")
    check_error("topk bool", function() return B:topk(1) end)
    assert.error_matches(function() return torch.tensor(S):topk(1.5) end, "'topk'", 1, true)
  end)
end)

-- MARK: - Linear algebra

describe("outer, bmm and batched matmul", function()
  local BA = { { { 1.0, 2.0, 0.5 }, { -1.0, 0.0, 3.0 } }, { { 2.0, -2.0, 1.0 }, { 0.5, 0.25, -0.5 } } }
  local BB = { { { 1.0, -1.0 }, { 0.5, 2.0 }, { 3.0, 0.0 } }, { { -0.5, 1.0 }, { 1.5, 2.5 }, { 0.0, -2.0 } } }

  it("outer (ger) multiplies vectors", function()
    local a, b = leaf({ 1.0, 2.0, 3.0 }), leaf({ 0.5, -1.0 })
    check("outer", torch.outer(a, b), { a, b })
    a, b = leaf({ 1.0, 2.0, 3.0 }), leaf({ 0.5, -1.0 })
    check("ger", a:ger(b), { a, b })
    check("outer int float", torch.outer(torch.arange(2), torch.tensor({ 1.5, -2.0 })))
    check_error("outer 2-d", function() return torch.outer(torch.ones(2, 2), torch.ones(2)) end)
  end)

  it("bmm multiplies batches of matrices", function()
    local a, b = leaf(BA), leaf(BB)
    check("bmm", torch.bmm(a, b), { a, b })
    check_error("bmm 2-d", function() return torch.bmm(torch.ones(2, 3), torch.ones(3, 2)) end)
    check_error("bmm sizes", function() return torch.bmm(torch.ones(2, 3, 4), torch.ones(2, 5, 6)) end)
    check_error("bmm dtypes", function()
      return torch.ones(2, 3, 4):bmm(torch.ones(2, 4, 6, { dtype = torch.float64 }))
    end)
  end)

  it("matmul broadcasts batch dims", function()
    -- Values and gradients; the printed grad_fn is PyTorch's once matmul uses matmulBatched.
    local a, b = leaf(BA), leaf(BB[1])
    check("matmul 3d 2d", torch.matmul(a, b), { a, b }, { skip_text = true })
    a, b = leaf({ { BA[1] }, { BA[2] } }), leaf({ BB[1], BB[2], BB[1] })
    check("matmul broadcast", a:matmul(b), { a, b }, { skip_text = true })
    a, b = leaf({ 1.0, -1.0, 2.0 }), leaf(BB)
    check("matmul 1d 3d", torch.matmul(a, b), { a, b }, { skip_text = true })
    a, b = leaf(BA), leaf({ 1.0, -1.0, 2.0 })
    check("matmul 3d 1d", torch.matmul(a, b), { a, b }, { skip_text = true })
    a, b = leaf(BA[1]), leaf(BB)
    check("matmul 2d 3d", torch.matmul(a, b), { a, b }, { skip_text = true })
    assert.has_error(function() return torch.matmul(torch.ones(2, 3, 4), torch.ones(3, 4, 6)) end,
      "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1")
  end)
end)

-- MARK: - Second order

describe("second-order gradients", function()
  it("pass gradgradcheck through the scatter, gather and flip of the formulas", function()
    local x = torch.tensor({ { 0.5, -1.25, 2.0, 0.75 }, { 1.5, 0.25, -0.5, 3.0 } },
      { dtype = torch.float64, requires_grad = true })
    assert.is_true(torch.autograd.gradgradcheck(function(t) return (t:sort(2)) end, { x }))
    assert.is_true(torch.autograd.gradgradcheck(function(t) return (t:topk(2)) end, { x }))
    assert.is_true(torch.autograd.gradgradcheck(function(t) return (t:max(1)) end, { x }))
    assert.is_true(torch.autograd.gradgradcheck(function(t) return t:cumsum(2) end, { x }))
    local z = torch.tensor({ { 2.0, 0.0, 3.0 }, { 0.0, 1.5, 1.0 } }, { dtype = torch.float64, requires_grad = true })
    assert.is_true(torch.autograd.gradgradcheck(function(t) return t:prod(2) end, { z }))
    assert.is_true(torch.autograd.gradgradcheck(function(t) return t:cumprod(2) end, { z }))
    -- Third order through sort: the gradient of the gather its scatter's backward records.
    local function grad_of_sort(t)
      local v = t:sort(2)
      local g = torch.autograd.grad((v * v):sum(), { t }, { create_graph = true })
      return g
    end
    assert.is_true(torch.autograd.gradgradcheck(grad_of_sort, { x }))
  end)
end)
