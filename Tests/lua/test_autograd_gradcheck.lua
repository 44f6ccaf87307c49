-- gradcheck and gradgradcheck (issue 4 item 7): float64 finite differences with PyTorch's
-- tolerances, passing for the ops, failing (false with raise_exception=false, an error
-- otherwise) for wrong gradients, options, and assert.gradcheck of `luagrad test`.
-- Expected results: fixtures/autograd_gradcheck.py (same names).
local pt = require("pytorch_fixture").load("autograd_gradcheck")
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

local X = { 0.5, -1.2, 2.0 }
local P = { 0.6, 1.3, 2.1 }
local B = { { 0.5, -1.2, 2.0 }, { 1.5, 0.3, -0.7 } }
local M = { { 0.3, -0.8 }, { 1.2, 0.5 }, { -0.4, 0.9 } }

local function leaf(v) return torch.tensor(v, { dtype = torch.float64, requires_grad = true }) end

--- One fresh float64 leaf per table of values.
local function leaves(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = leaf(v) end
  return out
end

local passing = {
  { "exp", function(x) return x:exp() end, { X } },
  { "sin cos", function(x) return x:sin() * x:cos() end, { X } },
  { "tanh", function(x) return x:tanh() end, { X } },
  { "sigmoid", function(x) return x:sigmoid() end, { X } },
  { "log sqrt", function(p) return p:log() + p:sqrt() end, { P } },
  { "pow", function(p, x) return p ^ x end, { P, X } },
  { "div", function(x, p) return x / p end, { X, P } },
  { "norm", function(x) return x:norm() end, { X } },
  { "matmul", function(b, m) return torch.matmul(b, m) end, { B, M } },
  { "sum mean dims", function(b) return b:sum(1) * b:mean(2, { keepdim = true }) end, { B } },
  { "two outputs", function(x, p) return x * p, (x + p):exp() end, { X, P } },
}

describe("gradcheck and gradgradcheck pass for the ops", function()
  for _, case in ipairs(passing) do
    it(case[1], function()
      assert.are.equal(pt.value("gradcheck " .. case[1]), gradcheck(case[2], leaves(case[3])))
      assert.are.equal(pt.value("gradgradcheck " .. case[1]), gradgradcheck(case[2], leaves(case[3])))
    end)
  end

  it("as assert.gradcheck", function()
    assert.gradcheck(function(x) return x:sin() * x:cos() end, leaves({ X }))
    assert.is_not.gradcheck(function(x)
      local h = x * 1
      h:register_hook(function(g) return g * 1.01 end)
      return h ^ 2
    end, leaves({ X }))
  end)
end)

--- f(x) = x^2 whose gradient a hook makes 1% too large.
local function scaled_by_hook(x)
  local h = x * 1
  h:register_hook(function(g) return g * 1.01 end)
  return h ^ 2
end

--- f(x) = x^3 whose gradient a hook detaches: right first derivative, wrong second.
local function detached_by_hook(x)
  local h = x * 1
  h:register_hook(function(g) return g:detach() end)
  return h ^ 3
end

describe("wrong gradients", function()
  it("gradcheck returns false with raise_exception=false, passes with a looser atol", function()
    assert.are.equal(pt.value("hook wrong first"), gradcheck(scaled_by_hook, leaves({ X }), { raise_exception = false }))
    assert.are.equal(pt.value("hook wrong first atol"),
      gradcheck(scaled_by_hook, leaves({ X }), { atol = 5e-2, raise_exception = false }))
  end)

  it("gradgradcheck catches a wrong second derivative that gradcheck misses", function()
    assert.are.equal(pt.value("hook wrong second first order"),
      gradcheck(detached_by_hook, leaves({ X }), { raise_exception = false }))
    assert.are.equal(pt.value("hook wrong second"),
      gradgradcheck(detached_by_hook, leaves({ X }), { raise_exception = false }))
  end)

  it("raises a Jacobian mismatch by default (positions 1-based)", function()
    local first_line = pt.text("wrong first message")
      :gsub("output (%d+)", function(n) return "output " .. (tonumber(n) + 1) end)
      :gsub("input (%d+)", function(n) return "input " .. (tonumber(n) + 1) end)
    assert.error_matches(function() gradcheck(scaled_by_hook, leaves({ X })) end, first_line, 1, true)
  end)
end)

describe("wrong gradients of custom functions", function()
  local WrongFirst = torch.autograd.Function{
    name = "WrongFirst",
    forward = function(ctx, x) ctx:save_for_backward(x); return x ^ 2 end,
    backward = function(ctx, g) local x = ctx.saved_tensors[1]; return g * (2 * x + 1e-2) end,
  }
  local WrongSecond = torch.autograd.Function{
    name = "WrongSecond",
    forward = function(ctx, x) ctx:save_for_backward(x); return x ^ 3 end,
    backward = function(ctx, g) local x = ctx.saved_tensors[1]; return g * 3 * x:detach() ^ 2 end,
  }

  -- BUG: these raise "Trying to backward through the graph a second time": a custom
  -- function's saved tensors are freed despite retain_graph (see test_autograd_custom.lua).
  it("gradcheck returns false, or true with a looser atol", function()
    assert.are.equal(pt.value("wrong first"), gradcheck(WrongFirst.apply, leaves({ X }), { raise_exception = false }))
    assert.are.equal(pt.value("wrong first atol"),
      gradcheck(WrongFirst.apply, leaves({ X }), { atol = 2e-2, raise_exception = false }))
    assert.are.equal(pt.value("wrong second first order"),
      gradcheck(WrongSecond.apply, leaves({ X }), { raise_exception = false }))
  end)

  it("gradgradcheck returns false for a wrong second derivative", function()
    assert.are.equal(pt.value("wrong second"), gradgradcheck(WrongSecond.apply, leaves({ X }), { raise_exception = false }))
  end)
end)

describe("inputs", function()
  -- BUG: LuaGrad's message says "none of the them" (PyTorch 2.15: "none of them").
  it("none requiring grad is an error", function()
    assert.error_matches(function() gradcheck(function(x) return x:exp() end, { torch.tensor(X, { dtype = torch.float64 }) }) end,
      pt.text("no input requires grad"), 1, true)
  end)

  it("none requiring grad is an error", function()
    assert.has_error(function() gradcheck(function(x) return x:exp() end, { torch.tensor(X, { dtype = torch.float64 }) }) end)
  end)

  it("float32 inputs fail the check", function()
    assert.are.equal(pt.value("float32 exp"),
      gradcheck(function(x) return x:exp() end, { torch.tensor(X, { requires_grad = true }) }, { raise_exception = false }))
  end)

  it("constant tensors are passed through unperturbed", function()
    assert.are.equal(pt.value("constant input"),
      gradcheck(function(x, c) return x * c end, { leaf(X), torch.tensor(P, { dtype = torch.float64 }) }))
  end)

  -- BUG: LuaGrad's gradcheck accepts only tensors in its input table ("expected a Tensor").
  it("a number among the inputs is passed through", function()
    assert.are.equal(pt.value("non-tensor input"), gradcheck(function(x, k) return x * k end, { leaf(X), 3.0 }))
  end)
end)
