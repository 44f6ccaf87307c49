-- Version counters and in-place errors (issue 4 item 6): a tensor saved for backward and then
-- changed in place fails at backward with PyTorch's exact message (type, shape, the grad_fn
-- that made it, both versions); in-place ops on leaves and on views of leaves; what stays
-- allowed; the counters themselves. Values and texts: fixtures/autograd_versions.py.
local pt = require("pytorch_fixture").load("autograd_versions")

local X = { 0.5, -1.2, 2.0 }

local function leaf(dtype)
  return torch.tensor(X, { dtype = dtype or torch.float32, requires_grad = true })
end

-- Cases whose message differs from PyTorch's (see the BUG lines).
local KNOWN_BUGS = {}

--- Declares a test that `make()` builds a graph, changes a saved tensor, and that backward
--- then raises the fixture's message `name`.
local function backward_error(name, make)
  local declare = KNOWN_BUGS[name] and function(n, fn) pending("BUG: " .. n, fn) end or it
  declare(name, function()
    local root = make()
    assert.error_matches(function() root:sum():backward() end, pt.text(name), 1, true)
  end)
end

local function saved_output(op, change)
  return function()
    local y = op(leaf())
    change(y)
    return y
  end
end

local function saved_input(op)
  return function()
    local a = leaf() * 1
    local b = op(a)
    a:mul_(2)
    return b
  end
end

describe("a saved output changed in place", function()
  backward_error("exp output", saved_output(function(x) return x:exp() end, function(y) y:add_(1) end))
  backward_error("sigmoid output", saved_output(function(x) return x:sigmoid() end, function(y) y:mul_(2) end))
  backward_error("tanh output", saved_output(function(x) return x:tanh() end, function(y) y:zero_() end))
  backward_error("sqrt output twice", saved_output(function(x) return (x * x):sqrt() end,
    function(y) y:add_(1):add_(1) end))
end)

describe("a saved input changed in place", function()
  backward_error("mul input", saved_input(function(a) return a * a end))
  backward_error("sin input", saved_input(function(a) return a:sin() end))
  backward_error("pow input", saved_input(function(a) return a ^ 3 end))
  backward_error("div input", saved_input(function(a) return torch.ones(3) / a end))
  backward_error("matmul input 2x3", function()
    local a = torch.ones(2, 3, { requires_grad = true }) * 2
    local b = torch.matmul(a, torch.ones(3, 2, { requires_grad = true }))
    a:div_(2)
    return b
  end)
  backward_error("matmul constant 3x2", function()
    local w = torch.ones(3, 2) * 1
    local b = torch.matmul(torch.ones(2, 3, { requires_grad = true }), w)
    w:add_(1)
    return b
  end)
  backward_error("float64", function()
    local a = leaf(torch.float64) * 1
    local b = a:exp() * a
    a:add_(1)
    return b
  end)
  backward_error("leaf changed under no_grad", function()
    local w = leaf()
    local y = w * w
    torch.no_grad(function() w:add_(1) end)
    return y
  end)
end)

describe("a saved tensor changed through a view", function()
  backward_error("write through indexing", function()
    local base = leaf() * 1
    local y = base:sin()
    base[1] = 5.0
    return y
  end)
  backward_error("in-place on a view of a saved tensor", function()
    local base = leaf() * 1
    local y = base:sin()
    base[{ { 2, 3 } }]:mul_(3)
    return y
  end)
  backward_error("saved input added into", function()
    local a = leaf() * 1
    a:add_(a:sin())
    return a
  end)
end)

describe("a saved tensor changed through a view, message aside", function()
  it("raises at backward", function()
    local base = leaf() * 1
    local y = base:sin()
    base[{ { 2, 3 } }]:mul_(3)
    local start = pt.text("in-place on a view of a saved tensor"):match("^(.-%]%])")
    assert.error_matches(function() y:sum():backward() end, start, 1, true)
    base = leaf() * 1
    y = base:sin()
    base[1] = 5.0
    assert.error_matches(function() y:sum():backward() end, start, 1, true)
  end)
end)

describe("in-place on leaves", function()
  it("a leaf that requires grad", function()
    assert.error_matches(function() leaf():add_(1) end, pt.text("leaf in-place"), 1, true)
    assert.error_matches(function() leaf():zero_() end, pt.text("leaf zero_"), 1, true)
  end)

  it("a view of a leaf that requires grad", function()
    assert.error_matches(function() leaf()[1]:mul_(2) end, pt.text("view of a leaf in-place"), 1, true)
    assert.error_matches(function() local x = leaf(); x[1] = 1.0 end, pt.text("leaf index assignment"), 1, true)
  end)
end)

describe("what stays allowed", function()
  it("changing a tensor no node saved", function()
    local x = leaf()
    local y = x + 1
    y:mul_(2)
    y:sum():backward()
    pt.assert_tensor("unsaved tensor changed", x.grad)
  end)

  it("changing a leaf under no_grad", function()
    local x = leaf()
    torch.no_grad(function() x:mul_(2) end)
    assert.are.equal(pt.text("leaf mul_ under no_grad"), tostring(x))
  end)

  it("in-place on a non-leaf records the op", function()
    local x = leaf()
    local y = x * 1
    y:add_(1)
    assert.are.equal(pt.text("in-place on a non-leaf"), tostring(y))
    ;(y * y):sum():backward()
    pt.assert_tensor("in-place on a non-leaf x.grad", x.grad, { rtol = 1e-6 })
  end)
end)

describe("the counters", function()
  it("count every in-place change", function()
    local t = torch.zeros(3)
    local versions = { t._version }
    t:add_(1); versions[#versions + 1] = t._version
    t:mul_(2); versions[#versions + 1] = t._version
    t[1] = 4.0; versions[#versions + 1] = t._version
    t:zero_(); versions[#versions + 1] = t._version
    t:fill_(3.0); versions[#versions + 1] = t._version
    t:copy_(torch.ones(3)); versions[#versions + 1] = t._version
    assert.are.same(pt.value("versions"), versions)
  end)

  it("are shared by a view and its base", function()
    local t = torch.zeros(2, 3)
    local v = t[1]
    v:add_(1)
    assert.are.same(pt.value("view and base share a counter"), { t._version, v._version })
    t:mul_(2)
    assert.are.same(pt.value("base change seen by the view"), { t._version, v._version })
    assert.are.equal(pt.value("new tensor version"), (t * 2)._version)
  end)
end)
