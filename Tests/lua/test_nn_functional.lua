-- torch.nn.functional against real PyTorch: values, gradients, grad_fn names, printed forms,
-- reductions, dropout's mask and errors. Class labels are 1-based here (PyTorch's + 1).
-- Expected values: fixtures/nn_functional.txt, written by fixtures/nn_functional.py
-- (regenerate with Tests/lua/fixtures/regenerate nn_functional).
local pt = require("pytorch_fixture").load("nn_functional")
local F = torch.nn.functional

-- The fixture's inputs: sin(0.37 k - 1.1) over positions k, requiring grad.
local function leaf(shape, dtype)
  dtype = dtype or torch.float64
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  local x = (torch.arange(n, { dtype = dtype }):reshape(shape) * 0.37 - 1.1):sin()
  return x:detach():requires_grad_()
end

--- Checks `fn()` against the fixture's case `name`: value, grad_fn name, then the gradient of
--- its sum with respect to each of `inputs`.
local function case(name, fn, inputs, rtol, atol)
  local out = fn()
  local options = { rtol = rtol or 1e-12, atol = atol or 1e-15 }
  pt.assert_tensor(name, out:detach(), options)
  assert.are.equal(pt.text(name .. " grad_fn"), out.grad_fn.name)
  out:sum():backward()
  for i, x in ipairs(inputs) do pt.assert_tensor(name .. " grad " .. i, x.grad, options) end
end

--- Asserts that `fn` raises the fixture's message `name` (after `shift`), at this file's line.
local function raises(name, fn, shift)
  local expected = pt.text(name)
  if shift then expected = shift(expected) end
  local ok, message = pcall(fn)
  assert.is_false(ok, name .. " did not raise")
  assert.matches("test_nn_functional.lua:%d+: ", message)
  assert.are.equal(expected, message:sub(-#expected))
end

-- PyTorch's 0-based dimension in a broadcasting message, as Lua scripts number it.
local function one_based_dim(text)
  return (text:gsub("dimension (%d+)", function(n) return "dimension " .. (tonumber(n) + 1) end))
end

-- PyTorch's 0-based label in a message, as Lua scripts number it.
local function one_based(text)
  return (text:gsub("Target (%-?%d+)", function(n) return "Target " .. (tonumber(n) + 1) end))
end

describe("addmm and linear", function()
  it("match PyTorch's values, gradients and graph", function()
    local b, m1, m2 = leaf { 3 }, leaf { 2, 4 }, leaf { 4, 3 }
    case("addmm", function() return torch.addmm(b, m1, m2) end, { b, m1, m2 })
    b, m1, m2 = leaf { 2, 1 }, leaf { 2, 2 }, leaf { 2, 3 }
    case("addmm beta alpha", function() return b:addmm(m1, m2, { beta = 0.5, alpha = -2 }) end, { b, m1, m2 })
    local x, w, bias = leaf({ 3, 4 }, torch.float32), leaf({ 2, 4 }, torch.float32), leaf({ 2 }, torch.float32)
    case("linear", function() return F.linear(x, w, bias) end, { x, w, bias }, 1e-6)
    assert.are.equal(pt.text("linear str"), tostring(F.linear(x, w, bias)))
    x, w = leaf { 3, 4 }, leaf { 2, 4 }
    case("linear nobias", function() return F.linear(x, w) end, { x, w })
    x, w, bias = leaf { 2, 3, 4 }, leaf { 2, 4 }, leaf { 2 }
    case("linear 3d", function() return F.linear(x, w, bias) end, { x, w, bias })
    assert.are.equal(pt.text("linear 3d next"), F.linear(x, w, bias).grad_fn.next_functions[1][1].name)
    x = leaf { 4 }
    case("linear 1d", function() return F.linear(x, w, bias) end, { x, w, bias })
  end)

  it("raise PyTorch's errors", function()
    raises("linear shapes", function() F.linear(leaf { 3, 5 }, leaf { 2, 4 }, leaf { 2 }) end)
    raises("addmm shapes", function() torch.addmm(leaf { 3 }, leaf { 2, 4 }, leaf { 5, 3 }) end)
  end)
end)

describe("losses", function()
  it("match PyTorch for every reduction", function()
    for _, r in ipairs({ "mean", "sum", "none" }) do
      local x, t = leaf { 3, 4 }, leaf({ 3, 4 }):detach() * 2
      case("mse " .. r, function() return F.mse_loss(x, t, { reduction = r }) end, { x })
      x = leaf { 3, 4 }
      case("l1 " .. r, function() return F.l1_loss(x, t, { reduction = r }) end, { x })
      x = leaf { 3, 5 }
      case("nll " .. r, function() return F.nll_loss(x, torch.tensor { 1, 5, 3 }, { reduction = r }) end, { x })
      x = leaf { 3, 5 }
      case("ce " .. r, function() return F.cross_entropy(x, torch.tensor { 2, 1, 5 }, { reduction = r }) end, { x })
      x = leaf { 3, 5 }
      local probs = leaf({ 3, 5 }):detach():softmax(2)
      case("ce probs " .. r, function() return F.cross_entropy(x, probs, { reduction = r }) end, { x })
      x = leaf { 3, 5 }
      case("ce smooth " .. r, function()
        return F.cross_entropy(x, torch.tensor { 2, 1, 5 }, { reduction = r, label_smoothing = 0.2 })
      end, { x })
    end
  end)

  it("weight classes, ignore labels and take 1-d inputs", function()
    local wt = torch.tensor({ 0.2, 1.0, 3.0 }, { dtype = torch.float64 })
    local x = leaf { 4, 3 }
    case("nll weight ignore", function()
      return F.nll_loss(x, torch.tensor { 3, 2, 1, 2 }, { weight = wt, ignore_index = 2 })
    end, { x })
    x = leaf { 4, 3 }
    case("ce weight ignore smooth", function()
      return F.cross_entropy(x, torch.tensor { 3, 2, 1, 2 }, { weight = wt, ignore_index = 2, label_smoothing = 0.1 })
    end, { x })
    x = leaf { 4, 3 }
    case("ce ignore default", function() return F.cross_entropy(x, torch.tensor { 3, -100, 1, 2 }) end, { x })
    x = leaf { 5 }
    case("ce 1d", function() return F.cross_entropy(x, torch.tensor(4)) end, { x })
  end)

  it("print as PyTorch prints", function()
    local x = leaf({ 3, 4 }, torch.float32)
    assert.are.equal(pt.text("ce str"), tostring(F.cross_entropy(x, torch.tensor { 2, 1, 4 })))
    assert.are.equal(pt.text("mse str"), tostring(F.mse_loss(x, torch.zeros(3, 4))))
  end)

  it("raise PyTorch's errors, with 1-based labels", function()
    raises("nll out of range", function() F.nll_loss(leaf { 3, 4 }, torch.tensor { 1, 5, 2 }) end, one_based)
    assert.error_matches(function() F.nll_loss(leaf { 3, 4 }, torch.tensor { 1, 0, 2 }) end,
      "Target 0 is out of bounds.", 1, true)
    raises("ce bad reduction", function()
      F.cross_entropy(leaf { 3, 4 }, torch.tensor { 1, 2, 2 }, { reduction = "avg" })
    end)
    raises("nll batch", function() F.nll_loss(leaf { 3, 4 }, torch.tensor { 1, 2 }) end)
    raises("nll float target", function() F.nll_loss(leaf { 3, 4 }, torch.tensor { 0.0, 1.0, 1.0 }) end)
    assert.error_matches(function() F.mse_loss(leaf { 2 }, leaf { 2 }, { reductio = "sum" }) end,
      "mse_loss() got an unexpected keyword argument 'reductio'", 1, true)
  end)
end)

describe("leaky_relu, gelu and erf", function()
  it("match PyTorch's values, gradients and graph", function()
    local x = leaf { 3, 4 }
    case("leaky_relu", function() return F.leaky_relu(x) end, { x })
    x = leaf { 3, 4 }
    case("leaky_relu 0.2", function() return F.leaky_relu(x, 0.2) end, { x })
    for _, approximate in ipairs({ "none", "tanh" }) do
      x = leaf { 3, 4 }
      case("gelu " .. approximate, function() return F.gelu(x, { approximate = approximate }) end, { x })
      x = leaf({ 3, 4 }, torch.float32)
      -- The gradient composes float32 ops where PyTorch fuses them: rounding differs in the
      -- last place of terms that nearly cancel.
      case("gelu f32 " .. approximate, function() return F.gelu(x, { approximate = approximate }) end, { x }, 1e-6, 1e-7)
    end
    x = leaf { 5 }
    case("erf", function() return torch.erf(x) end, { x })
    x = leaf { 5 }
    case("erf", function() return x:erf() end, { x })
  end)

  it("differentiate twice as PyTorch does", function()
    for _, name in ipairs({ "gelu", "gelu tanh" }) do
      local x = leaf { 4 }
      local approximate = name == "gelu" and "none" or "tanh"
      local g = torch.autograd.grad(F.gelu(x, { approximate = approximate }):sum(), x, { create_graph = true })
      g:sum():backward()
      pt.assert_tensor(name .. " second", x.grad, { rtol = 1e-12, atol = 1e-15 })
    end
  end)

  it("print as PyTorch prints", function()
    local x = leaf({ 2, 3 }, torch.float32)
    assert.are.equal(pt.text("leaky_relu str"), tostring(F.leaky_relu(x)))
    assert.are.equal(pt.text("gelu str"), tostring(F.gelu(x, { approximate = "tanh" })))
  end)

  it("raise PyTorch's errors", function()
    raises("gelu approximate", function() F.gelu(leaf { 2 }, { approximate = "fast" }) end)
    raises("gelu long", function() F.gelu(torch.tensor { 1, 2 }) end)
    raises("leaky_relu long", function() F.leaky_relu(torch.tensor { 1, 2 }) end)
    assert.error_matches(function() F.leaky_relu(leaf { 2 }, { slope = 0.1 }) end,
      "leaky_relu() got an unexpected keyword argument 'slope'", 1, true)
  end)
end)

describe("huber and binary cross entropy", function()
  -- The fixture's probabilities: leaf values squeezed into (0.05, 0.95).
  local function prob(shape, dtype)
    return (leaf(shape, dtype):detach() * 0.45 + 0.5):requires_grad_()
  end

  it("match PyTorch for every reduction", function()
    for _, r in ipairs({ "mean", "sum", "none" }) do
      local x, t = leaf { 3, 4 }, leaf({ 3, 4 }):detach() * 2
      case("huber " .. r, function() return F.huber_loss(x, t, { reduction = r }) end, { x })
      x, t = leaf { 3, 4 }, (leaf({ 3, 4 }):detach() * 2):requires_grad_()
      case("huber delta " .. r, function() return F.huber_loss(x, t, { reduction = r, delta = 0.4 }) end, { x, t })
      x, t = prob { 3, 4 }, prob({ 4, 3 }):detach():t():contiguous():requires_grad_()
      case("bce " .. r, function() return F.binary_cross_entropy(x, t, { reduction = r }) end, { x, t })
      x, t = leaf { 3, 4 }, prob({ 4, 3 }):detach():t():contiguous():requires_grad_()
      case("bcel " .. r, function() return F.binary_cross_entropy_with_logits(x, t, { reduction = r }) end, { x, t })
    end
  end)

  it("weigh elements and positives, clamp logs and stay stable at extreme logits", function()
    local w = leaf({ 4 }):detach() + 1.5
    local x, t = prob { 3, 4 }, prob({ 3, 4 }):detach():flip(1)
    case("bce weight", function() return F.binary_cross_entropy(x, t, { weight = w }) end, { x })
    x, t = leaf { 3, 4 }, prob({ 3, 4 }):detach():flip(1):requires_grad_()
    case("bcel weights", function()
      return F.binary_cross_entropy_with_logits(x, t, { weight = w, pos_weight = w })
    end, { x, t })
    x, t = leaf { 3, 4 }, prob({ 3, 4 }):detach():flip(1):requires_grad_()
    case("bcel pos_weight", function()
      return F.binary_cross_entropy_with_logits(x, t, { pos_weight = w, reduction = "sum" })
    end, { x, t })
    x = torch.tensor({ 0.0, 1.0, 0.5, 1e-50 }, { dtype = torch.float64 }):requires_grad_()
    case("bce clamp", function()
      return F.binary_cross_entropy(x, torch.tensor({ 1.0, 0.0, 0.5, 1.0 }, { dtype = torch.float64 }), { reduction = "none" })
    end, { x })
    x = torch.tensor({ -200.0, -3.0, 0.0, 40.0 }, { dtype = torch.float64 }):requires_grad_()
    case("bcel extreme", function()
      return F.binary_cross_entropy_with_logits(x, torch.tensor({ 1.0, 0.0, 0.5, 0.0 }, { dtype = torch.float64 }),
        { reduction = "none" })
    end, { x })
  end)

  it("print as PyTorch prints", function()
    local x = prob({ 2, 3 }, torch.float32)
    assert.are.equal(pt.text("bce str"), tostring(F.binary_cross_entropy(x, torch.full({ 2, 3 }, 0.25))))
    assert.are.equal(pt.text("bcel str"), tostring(F.binary_cross_entropy_with_logits(x, torch.full({ 2, 3 }, 0.25))))
    assert.are.equal(pt.text("huber str"), tostring(F.huber_loss(x, torch.zeros(2, 3), { reduction = "none" })))
  end)

  it("raise PyTorch's errors", function()
    raises("bce range", function() F.binary_cross_entropy(torch.tensor { 0.5, 1.5 }, torch.tensor { 1.0, 0.0 }) end)
    raises("bce target range", function() F.binary_cross_entropy(torch.tensor { 0.5, 0.5 }, torch.tensor { 1.0, -0.5 }) end)
    raises("bce size", function() F.binary_cross_entropy(torch.tensor { 0.5, 0.2 }, torch.tensor { 1.0, 0.0, 1.0 }) end)
    raises("bce dtype", function()
      F.binary_cross_entropy(torch.tensor { 0.5, 0.2 }, torch.tensor({ 1.0, 0.0 }, { dtype = torch.float64 }))
    end)
    raises("bce weight shape", function()
      F.binary_cross_entropy(torch.full({ 2, 3 }, 0.5), torch.full({ 2, 3 }, 0.5), { weight = torch.ones(3, 3) })
    end)
    raises("bcel size", function()
      F.binary_cross_entropy_with_logits(torch.tensor { 0.5, 0.2 }, torch.tensor { 1.0, 0.0, 1.0 })
    end)
    raises("bcel pos_weight shape", function()
      F.binary_cross_entropy_with_logits(torch.tensor { 0.5, 0.2 }, torch.tensor { 1.0, 0.0 }, { pos_weight = torch.ones(3) })
    end, one_based_dim)
    raises("huber delta", function() F.huber_loss(torch.tensor { 0.5, 0.2 }, torch.tensor { 1.0, 0.0 }, { delta = 0 }) end)
  end)
end)

describe("dropout", function()
  it("draws PyTorch's mask and records MulBackward0", function()
    torch.manual_seed(5)
    local x = leaf({ 4, 6 }, torch.float32)
    local y = F.dropout(x, { p = 0.5, training = true })
    pt.assert_tensor("dropout", y:detach(), { rtol = 1e-6 })
    assert.are.equal(pt.text("dropout grad_fn"), y.grad_fn.name)
    torch.manual_seed(7)
    pt.assert_tensor("dropout 0.3", F.dropout(torch.ones(40), { p = 0.3 }))
  end)

  it("passes the input through when not training", function()
    local x = leaf { 3 }
    assert.is_true(rawequal(x, F.dropout(x, { p = 0.5, training = false })))
    assert.is_true(rawequal(x, F.dropout(x, 0)))
    -- PyTorch's positional `training` (and `inplace`): F.dropout(x, 0.5, self.training).
    assert.is_true(rawequal(x, F.dropout(x, 0.5, false)))
    assert.is_true(rawequal(x, F.dropout(x, 0.5, false, false)))
  end)

  it("takes PyTorch's positional training flag", function()
    torch.manual_seed(5)
    local y = F.dropout(leaf({ 4, 6 }, torch.float32), 0.5, true)
    pt.assert_tensor("dropout", y:detach(), { rtol = 1e-6 })
  end)

  it("rejects probabilities outside [0, 1]", function()
    raises("dropout p", function() F.dropout(leaf { 2 }, { p = 1.5 }) end)
  end)
end)

describe("one_hot", function()
  it("makes PyTorch's rows from 1-based labels", function()
    assert.are.equal(pt.text("one_hot"), tostring(F.one_hot(torch.tensor { 1, 3 }, 3)))
    assert.are.equal(pt.text("one_hot 2d"), tostring(F.one_hot(torch.tensor { { 1, 3 }, { 2, 2 } })))
    assert.are.equal(pt.text("one_hot empty"), tostring(F.one_hot(torch.tensor({}, { dtype = torch.int64 }), 4)))
  end)

  it("raises PyTorch's errors, counting labels from 1", function()
    raises("one_hot dtype", function() F.one_hot(torch.tensor { 0.5 }, 3) end)
    raises("one_hot empty infer", function() F.one_hot(torch.tensor({}, { dtype = torch.int64 })) end)
    -- PyTorch: "Class values must be non-negative." / "... smaller than num_classes." (0-based).
    assert.error_matches(function() F.one_hot(torch.tensor { 0, 2 }, 3) end, "Class values must be positive%.")
    assert.error_matches(function() F.one_hot(torch.tensor { 1, 4 }, 3) end, "Class values must not exceed num_classes%.")
  end)
end)
