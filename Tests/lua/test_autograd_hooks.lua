-- Gradient hooks and retain_grad (issue 4 item 5): t:register_hook(fn) (fn may return a
-- replacement gradient) with a handle whose :remove() unregisters it, on leaves and non-leaves;
-- t:retain_grad() and t.retains_grad. Values: fixtures/autograd_hooks.py (same names).
local pt = require("pytorch_fixture").load("autograd_hooks")

local function leaf() return torch.tensor({ 0.5, -1.2, 2.0 }, { requires_grad = true }) end

describe("hooks on leaves", function()
  it("a returned tensor replaces the gradient before it accumulates", function()
    local x = leaf()
    x:register_hook(function(g) return g * 2 end)
    ;(x * x):sum():backward()
    pt.assert_tensor("leaf hook x.grad", x.grad)
  end)

  it("returning nothing only observes", function()
    local x = leaf()
    local seen
    x:register_hook(function(g) seen = g:clone() end)
    ;(x * x):sum():backward()
    assert.are.equal(pt.text("observed gradient"), tostring(seen))
    pt.assert_tensor("observed x.grad", x.grad)
  end)

  it("handle:remove() unregisters", function()
    local x = leaf()
    local handle = x:register_hook(function(g) return g * 100 end)
    handle:remove()
    ;(x * 2):sum():backward()
    pt.assert_tensor("removed hook x.grad", x.grad)
  end)

  it("a leaf used twice: one call with the summed gradient", function()
    local x = leaf()
    local calls = {}
    x:register_hook(function(g) calls[#calls + 1] = g:clone() end)
    ;(x * 2 + x * 3):sum():backward()
    assert.are.equal(pt.value("calls for a reused leaf"), #calls)
    assert.are.equal(pt.text("reused leaf gradient"), tostring(calls[1]))
  end)

  it("hooks stay across passes", function()
    local x = leaf()
    x:register_hook(function(g) return g * 2 end)
    ;(x * 1):sum():backward()
    ;(x * 1):sum():backward()
    pt.assert_tensor("hook across passes", x.grad)
  end)
end)

describe("hooks on non-leaves", function()
  it("a replacement flows on to the inputs", function()
    local x = leaf()
    local y = x * 3
    y:register_hook(function(g) return g * 10 end)
    ;(y * y):sum():backward()
    pt.assert_tensor("non-leaf hook x.grad", x.grad)
  end)

  it("several hooks run in registration order, each on the previous result", function()
    local x = leaf()
    local order = {}
    local y = x * 1
    y:register_hook(function(g) order[#order + 1] = "first"; return g + 1 end)
    y:register_hook(function(g) order[#order + 1] = "second"; return g * 2 end)
    y:sum():backward()
    assert.are.same(pt.value("hook order"), order)
    pt.assert_tensor("chained hooks x.grad", x.grad)
  end)

  it("handle:remove() unregisters", function()
    local x = leaf()
    local y = x * 2
    local handle = y:register_hook(function(g) return g * 100 end)
    handle:remove()
    y:sum():backward()
    pt.assert_tensor("removed non-leaf hook x.grad", x.grad)
  end)

  it("a non-leaf used twice: one call with the summed gradient", function()
    local x = leaf()
    local y = x * 1
    local calls = {}
    y:register_hook(function(g) calls[#calls + 1] = g:clone() end)
    ;(y * 2 + y:exp()):sum():backward()
    assert.are.equal(pt.value("calls for a reused non-leaf"), #calls)
    assert.are.equal(pt.text("reused non-leaf gradient"), tostring(calls[1]))
  end)
end)

describe("hooks in torch.autograd.grad", function()
  -- BUG: LuaGrad returns the gradient before the leaf's hook (1, -2.4, 4 instead of 2, -4.8, 8).
  it("apply to the returned gradient of a leaf", function()
    local x = leaf()
    x:register_hook(function(g) return g * 2 end)
    assert.are.equal(pt.text("hook in autograd.grad"), tostring(torch.autograd.grad((x * x):sum(), x)))
  end)

  it("apply to the gradient flowing through a non-leaf", function()
    local x = leaf()
    local y = x * 1
    y:register_hook(function(g) return g * 2 end)
    assert.are.equal(pt.text("non-leaf hook in autograd.grad"), tostring(torch.autograd.grad((y * y):sum(), x)))
  end)
end)

describe("a pass started from a hook", function()
  -- The inner pass numbers the nodes both graphs share anew; the outer one must still find them.
  it("runs over nodes the running pass shares, and both get PyTorch's gradients", function()
    local x = leaf()
    local y = x * x
    local z = y:sin()
    local inner
    z:register_hook(function()
      torch.enable_grad(function()
        inner = torch.autograd.grad((y * 3):sum(), x, { retain_graph = true })
      end)
    end)
    ;(z:sum() + y:sum()):backward()
    pt.assert_tensor("pass from a hook: x.grad", x.grad)
    pt.assert_tensor("pass from a hook: inner gradient", inner)
  end)
end)

describe("retain_grad", function()
  it("sets retains_grad on non-leaves only, and accumulates across passes", function()
    local x = leaf()
    local y = x * 2
    assert.are.equal(pt.value("retains_grad before"), y.retains_grad)
    y:retain_grad()
    assert.are.equal(pt.value("retains_grad after"), y.retains_grad)
    assert.are.equal(pt.value("leaf retains_grad"), x.retains_grad)
    x:retain_grad()
    assert.are.equal(pt.value("leaf retains_grad after retain_grad"), x.retains_grad)
    local z = (y * y):sum()
    z:backward{ retain_graph = true }
    pt.assert_tensor("retained once", y.grad)
    z:backward()
    pt.assert_tensor("retained twice", y.grad)
    pt.assert_tensor("retained leaf grad", x.grad)
  end)

  it("sees the gradient after the tensor's hooks, whatever the order", function()
    local x = leaf()
    local y = x * 2
    y:retain_grad()
    y:register_hook(function(g) return g * 5 end)
    y:sum():backward()
    pt.assert_tensor("retain_grad then hook: y.grad", y.grad)
    pt.assert_tensor("retain_grad then hook: x.grad", x.grad)
    x = leaf()
    y = x * 2
    y:register_hook(function(g) return g * 5 end)
    y:retain_grad()
    y:sum():backward()
    pt.assert_tensor("hook then retain_grad: y.grad", y.grad)
  end)
end)

describe("errors", function()
  it("a hook on a tensor that does not require grad", function()
    assert.error_matches(function() torch.tensor({ 1.0 }):register_hook(function(g) return g end) end,
      pt.text("hook on a constant"), 1, true)
  end)

  it("a hook that changes the gradient's shape raises", function()
    local x = leaf()
    x:register_hook(function(g) return g:sum() end)
    assert.has_error(function() (x * 2):sum():backward() end)
  end)

  -- BUG: LuaGrad says "cannot reduce a gradient of shape [] to [3]".
  it("a hook that changes the gradient's shape: PyTorch's message", function()
    local x = leaf()
    x:register_hook(function(g) return g:sum() end)
    -- PyTorch names the Python function ("hook '<lambda>' ..."); Lua functions have no name.
    local suffix = pt.text("hook changes the shape"):match("(has changed the size of value)$")
    assert.error_matches(function() (x * 2):sum():backward() end, suffix, 1, true)
  end)
end)
