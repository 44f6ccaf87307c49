-- Printing is character for character PyTorch's str(tensor) (DESIGN.md §2, "Printing").
-- Every expected text comes from fixtures/printing.py run by real PyTorch.
local pt = require("pytorch_fixture").load("printing")
local program = require "luagrad_program"

local nan, inf = 0 / 0, math.huge

-- Each entry builds in Lua the tensor that fixtures/printing.py builds under the same name.
local cases = {
  { "scalar float", function() return torch.tensor(3.5) end },
  { "scalar integer-valued float", function() return torch.tensor(28.0) end },
  { "scalar negative", function() return torch.tensor(-0.5) end },
  { "scalar int64", function() return torch.tensor(7) end },
  { "scalar negative int64", function() return torch.tensor(-42) end },
  { "scalar bool", function() return torch.tensor(true) end },
  { "scalar tiny", function() return torch.tensor(1e-10) end },
  { "scalar large", function() return torch.tensor(123456789.0) end },
  { "scalar float64", function() return torch.tensor(0.1, { dtype = torch.float64 }) end },
  { "scalar nan", function() return torch.tensor(nan) end },
  { "arange float", function() return torch.arange(4.0) end },
  { "arange int64", function() return torch.arange(4) end },
  { "arange negative int64", function() return torch.arange(-3, 3) end },
  { "float mixed", function() return torch.tensor({ 1.5, -2.25, 3.0 }) end },
  { "integer-valued aligned", function() return torch.tensor({ 0.0, 4.0, 8.0, 12.0 }) end },
  { "negative integer-valued", function() return torch.tensor({ -1.0, 10.0, -100.0 }) end },
  { "thirds", function() return torch.tensor({ 1 / 3, 2 / 3, -1 / 3 }) end },
  { "negative zero", function() return torch.tensor({ -0.0, 1.0 }) end },
  { "bool 1-d", function() return torch.tensor({ true, false, true }) end },
  { "float64 1-d", function() return torch.tensor({ 1.5, 2.5 }, { dtype = torch.float64 }) end },
  { "float64 zeros", function() return torch.zeros(3, { dtype = torch.float64 }) end },
  { "int64 large", function() return torch.tensor({ 123456789012, -5 }) end },
  { "large magnitudes", function() return torch.tensor({ 1e10, 1.0 }) end },
  { "tiny magnitudes", function() return torch.tensor({ 1e-5, 1.0 }) end },
  { "integer-valued above 1e8", function() return torch.tensor({ 1e9, 1.0 }) end },
  { "ratio above 1000", function() return torch.tensor({ 0.001, 1000.0 }) end },
  { "ratio below 1000", function() return torch.tensor({ 0.01, 5.0 }) end },
  { "wide float", function() return torch.tensor({ 1.0, 12345.678 }) end },
  { "nan and inf", function() return torch.tensor({ nan, inf, -inf, 1.0 }) end },
  { "nan only", function() return torch.tensor({ nan }) end },
  { "inf with integers", function() return torch.tensor({ inf, 2.0 }) end },
  { "2-d float", function() return torch.arange(6.0):reshape(2, 3) end },
  { "2-d int64", function() return torch.arange(12):reshape(3, 4) end },
  { "2-d negative floats", function() return torch.tensor({ { -1.5, 2.0 }, { 3.25, -4.0 } }) end },
  { "2-d bool", function() return torch.tensor({ { true, false }, { false, true } }) end },
  { "2-d int64 negative", function() return torch.arange(-4, 4):reshape(2, 4) end },
  { "3-d float", function() return torch.arange(24.0):reshape(2, 3, 4) end },
  { "4-d int64", function() return torch.arange(16):reshape(2, 2, 2, 2) end },
  { "4-d float scaled", function() return (torch.arange(24.0) / 7):reshape(1, 2, 3, 4) end },
  { "wrapped line", function() return torch.arange(30.0) end },
  { "1000 elements, not summarized", function() return torch.arange(1000) end },
  { "summarized 1-d float", function() return torch.arange(1001.0) end },
  { "summarized 1-d int64", function() return torch.arange(2000) end },
  { "summarized 2-d", function() return torch.arange(2000.0):reshape(40, 50) end },
  { "summarized 3-d", function() return torch.ones(11, 10, 10) end },
  { "empty", function() return torch.zeros(0) end },
  { "empty 2-d", function() return torch.zeros(2, 0) end },
  { "randn 3x4", function() torch.manual_seed(0); return torch.randn(3, 4) end },
  { "sci with negatives", function() return torch.tensor({ 1e-5, -1e10 }) end },
  { "1e-4", function() return torch.tensor({ 0.0001 }) end },
  { "ratio 123456 to 0.5", function() return torch.tensor({ 123456.0, 0.5 }) end },
  { "nan with decimals", function() return torch.tensor({ nan, 1.5, -0.25 }) end },
  { "integer-valued 1e20", function() return torch.tensor({ 1e20 }) end },
  { "float64 thirds", function() return torch.tensor({ 1 / 3, -2 / 3 }, { dtype = torch.float64 }) end },
  { "summarized sci", function() return torch.arange(2000.0) * 1e6 end },
  { "randn 3x30 wrapped rows", function() torch.manual_seed(1); return torch.randn(3, 30) end },
  { "summarized bool", function() return torch.ones(2000):eq(1) end },
  { "summarized int64 2-d", function() return torch.arange(3000):reshape(30, 100) end },
  { "empty int64", function() return torch.zeros(0, { dtype = torch.int64 }) end },
  { "empty bool", function() return torch.zeros(0, { dtype = torch.bool }) end },
  { "empty 2-d float64", function() return torch.zeros(2, 0, { dtype = torch.float64 }) end },
  { "int64 column of mixed widths", function() return torch.tensor({ { 1 }, { -10 }, { 100 } }) end },
}

-- Tensors that record gradients: the suffixes requires_grad=True, grad_fn=<...>, dtype=...
local function leaf() return torch.arange(4.0, { requires_grad = true }) end
local function matrix() return torch.arange(6.0):reshape(2, 3):requires_grad_(true) end
local function float64_leaf()
  return torch.tensor({ 1.5, -2.0 }, { dtype = torch.float64, requires_grad = true })
end
local graph_cases = {
  { "leaf requires_grad", leaf },
  { "scalar leaf requires_grad", function() return torch.tensor(2.0, { requires_grad = true }) end },
  { "float64 leaf requires_grad", function() return torch.ones(2, { dtype = torch.float64, requires_grad = true }) end },
  { "summarized leaf requires_grad", function() return torch.ones(2000, { requires_grad = true }) end },
  { "empty leaf requires_grad", function() return torch.zeros(0, { requires_grad = true }) end },
  { "float64 0-d grad_fn", function()
    return torch.tensor(1.5, { dtype = torch.float64, requires_grad = true }) * 2
  end },
  { "MulBackward0", function() return leaf() * 2 end },
  { "SumBackward0", function() return leaf():sum() end },
  { "AddBackward0", function() return leaf() + 1 end },
  { "SubBackward0", function() return leaf() - 1 end },
  { "DivBackward0", function() return leaf() / 3 end },
  { "PowBackward0", function() return leaf() ^ 2 end },
  { "ExpBackward0", function() return leaf():exp() end },
  { "DotBackward0", function() local x = leaf(); return torch.dot(x, x) end },
  { "MeanBackward0", function() return leaf():mean() end },
  { "NegBackward0", function() return -leaf() end },
  { "MulBackward0 scalar", function() local x = leaf(); return 2 * torch.dot(x, x) end },
  { "MmBackward0", function() return matrix():mm(torch.ones(3, 2)) end },
  { "float64 MulBackward0", function() return float64_leaf() * 2 end },
  { "float64 SumBackward0", function() return float64_leaf():sum() end },
}

describe("tostring(tensor) is PyTorch's str()", function()
  for _, case in ipairs(cases) do
    local name, make = case[1], case[2]
    it(name, function()
      assert.are.equal(pt.text(name), tostring(make()))
    end)
  end
end)

describe("tostring of tensors in a graph", function()
  for _, case in ipairs(graph_cases) do
    local name, make = case[1], case[2]
    it(name, function()
      assert.are.equal(pt.text(name), tostring(make()))
    end)
  end
end)

describe("torch.Size and dtypes", function()
  it("x.shape prints as torch.Size", function()
    assert.are.equal(pt.text("shape 2x3"), tostring(torch.zeros(2, 3).shape))
    assert.are.equal(pt.text("shape 0-d"), tostring(torch.tensor(1.0).shape))
    assert.are.equal(pt.text("shape 4-d"), tostring(torch.zeros(1, 2, 3, 4).shape))
  end)

  it("x.dtype prints as torch.<name>", function()
    assert.are.equal(pt.text("dtype float32"), tostring(torch.zeros(1).dtype))
    assert.are.equal(pt.text("dtype float64"), tostring(torch.zeros(1, { dtype = torch.float64 }).dtype))
    assert.are.equal(pt.text("dtype int64"), tostring(torch.arange(3).dtype))
    assert.are.equal(pt.text("dtype bool"), tostring(torch.tensor(true).dtype))
  end)

  it("x.shape is a table of sizes that compares with ==", function()
    local s = torch.zeros(2, 3).shape
    assert.are.equal(2, #s)
    assert.are.equal(2, s[1])
    assert.are.equal(3, s[2])
    assert.is_true(s == torch.Size({ 2, 3 }))
    assert.is_false(s == torch.Size({ 3, 2 }))
  end)

  it("the torch.* dtypes print as their names", function()
    assert.are.equal("torch.float32", tostring(torch.float32))
    assert.are.equal("torch.float64", tostring(torch.float64))
    assert.are.equal("torch.int64", tostring(torch.int64))
    assert.are.equal("torch.bool", tostring(torch.bool))
  end)
end)

describe("print", function()
  it("writes tostring of each argument, tab-separated, as the luagrad program", function()
    if not program.path() then return pending("needs io.popen and /proc to run the luagrad program") end
    local out, err, status = program.run("print(torch.arange(4.0), nil, true)\n" ..
      "print(torch.arange(6):reshape(2, 3))\n", "print.lua")
    assert.are.equal(pt.text("arange float") .. "\tnil\ttrue\n" .. pt.text("print 2-d int64") .. "\n", out)
    assert.are.equal("", err)
    assert.are.equal(0, status)
  end)
end)
