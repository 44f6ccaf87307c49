-- Graph semantics (DESIGN.md §2): accumulation, retain_graph, detach, grad modes, leaves,
-- grad_fn, backward options, torch.autograd.grad, create_graph. Values: fixtures/graph.py.
local pt = require("pytorch_fixture").load("graph")
local program = require "luagrad_program"

local function leaf() return torch.arange(4.0, { requires_grad = true }) end

describe("gradients accumulate", function()
  it("across backward calls, until zero_", function()
    local x = leaf()
    ;(x * x):sum():backward()
    pt.assert_tensor("accumulate first", x.grad)
    local first = x.grad
    ;(3 * x):sum():backward()
    pt.assert_tensor("accumulate second", x.grad)
    assert.is_true(rawequal(first, x.grad) or first == x.grad, "accumulates into the same buffer")
    x.grad:zero_()
    pt.assert_tensor("after zero_", x.grad)
  end)

  it("x.grad = nil starts afresh, and x.grad can be assigned a tensor", function()
    local x = leaf()
    x:sum():backward()
    x.grad = nil
    assert.is_nil(x.grad)
    ;(x * x):sum():backward()
    pt.assert_tensor("accumulate first", x.grad)
    x.grad = torch.ones(4)
    assert.are.equal("tensor([1., 1., 1., 1.])", tostring(x.grad))
    ;(3 * x):sum():backward()
    assert.are.equal("tensor([4., 4., 4., 4.])", tostring(x.grad))
  end)
end)

describe("graphs are freed after backward", function()
  it("unless retain_graph", function()
    local x = leaf()
    local y = 2 * torch.dot(x, x)
    y:backward{ retain_graph = true }
    y:backward()
    pt.assert_tensor("retain_graph twice", x.grad)
  end)

  it("(x + 1):sum() saves nothing and can be backpropagated twice", function()
    local x = leaf()
    local y = (x + 1):sum()
    y:backward()
    y:backward()
    pt.assert_tensor("x + 1 twice", x.grad)
  end)

  it("2 * torch.dot(x, x) cannot", function()
    local x = leaf()
    local y = 2 * torch.dot(x, x)
    y:backward()
    assert.error_matches(function() y:backward() end, "Trying to backward through the graph a second time", 1, true)
  end)
end)

describe("detach", function()
  it("gives a leaf without history holding the same values", function()
    local x = leaf()
    local y = x * x
    local u = y:detach()
    assert.is_false(u.requires_grad)
    assert.is_true(u.is_leaf)
    assert.is_nil(u.grad_fn)
    assert.is_true(u == y)
    assert.are.equal("tensor([0., 1., 4., 9.])", tostring(u))
  end)

  it("stops gradients (the chapter's z = u * x)", function()
    local x = leaf()
    local u = (x * x):detach()
    ;(u * x):sum():backward()
    assert.is_true(x.grad == u)
  end)
end)

describe("grad modes", function()
  it("torch.no_grad(function) records nothing and returns the function's results", function()
    local x = leaf()
    local y, extra = torch.no_grad(function()
      assert.is_false(torch.is_grad_enabled())
      return x * 2, "extra"
    end)
    assert.is_true(torch.is_grad_enabled())
    assert.are.equal(pt.text("no_grad result"), tostring(y))
    assert.are.equal("extra", extra)
    assert.is_false(y.requires_grad)
    assert.is_nil(y.grad_fn)
    assert.is_true(y.is_leaf)
  end)

  it("local g <close> = torch.no_grad() lasts until the end of the block", function()
    local x = leaf()
    local y
    do
      local g <close> = torch.no_grad()
      assert.is_false(torch.is_grad_enabled())
      y = x * 2
    end
    assert.is_true(torch.is_grad_enabled())
    assert.is_false(y.requires_grad)
    local z = x * 2
    assert.is_true(z.requires_grad)
  end)

  it("enable_grad inside no_grad, both forms", function()
    local x = leaf()
    local e
    torch.no_grad(function()
      e = torch.enable_grad(function() return x * 2 end)
      assert.is_false(torch.is_grad_enabled())
    end)
    assert.are.equal(pt.text("enable_grad result"), tostring(e))
    do
      local g <close> = torch.no_grad()
      do
        local h <close> = torch.enable_grad()
        assert.is_true(torch.is_grad_enabled())
        e = x * 2
      end
      assert.is_false(torch.is_grad_enabled())
    end
    assert.are.equal(pt.text("enable_grad result"), tostring(e))
  end)

  it("set_grad_enabled(flag), as a call and as a scope", function()
    local x = leaf()
    torch.set_grad_enabled(false)
    local y = x * 2
    assert.is_false(torch.is_grad_enabled())
    torch.set_grad_enabled(true)
    assert.is_true(torch.is_grad_enabled())
    assert.is_false(y.requires_grad)
    assert.is_true((x * 2).requires_grad)
    do
      local g <close> = torch.set_grad_enabled(false)
      assert.is_false(torch.is_grad_enabled())
    end
    assert.is_true(torch.is_grad_enabled())
    local r = torch.set_grad_enabled(false, function() return x * 2 end)
    assert.is_true(torch.is_grad_enabled())
    assert.is_false(r.requires_grad)
  end)

  it("inference_mode", function()
    local x = leaf()
    local z = torch.inference_mode(function()
      assert.is_true(torch.is_inference_mode_enabled())
      return x * 2
    end)
    assert.is_false(torch.is_inference_mode_enabled())
    assert.are.equal(pt.text("inference_mode result"), tostring(z))
    do
      local g <close> = torch.inference_mode()
      assert.is_false(torch.is_grad_enabled())
    end
    assert.is_true(torch.is_grad_enabled())
  end)

  it("an error inside no_grad restores the mode", function()
    local ok = pcall(torch.no_grad, function() error("boom") end)
    assert.is_false(ok)
    assert.is_true(torch.is_grad_enabled())
    ok = pcall(function()
      local g <close> = torch.no_grad()
      error("boom")
    end)
    assert.is_false(ok)
    assert.is_true(torch.is_grad_enabled())
  end)
end)

describe("requires_grad, is_leaf and grad_fn", function()
  it("propagate through ops", function()
    local x = leaf()
    local c = torch.ones(4)
    assert.is_false(c.requires_grad)
    assert.is_true(c.is_leaf)
    assert.is_true(x.is_leaf)
    assert.is_nil(x.grad_fn)
    local y = x * c
    assert.is_true(y.requires_grad)
    assert.is_false(y.is_leaf)
    local k = c * 2
    assert.is_false(k.requires_grad)
    assert.is_true(k.is_leaf)
    assert.is_nil(k.grad_fn)
    assert.is_false(x:eq(1).requires_grad)
    assert.is_true(torch.arange(4.0, { requires_grad = true }).requires_grad)
    assert.is_true(torch.randn{ 2, 3, requires_grad = true }.requires_grad)
    assert.is_true(torch.ones(2, { requires_grad = true }).requires_grad)
  end)

  it("requires_grad_ returns the tensor and can be turned off", function()
    local x = torch.arange(4.0)
    assert.is_true(rawequal(x, x:requires_grad_()))
    assert.is_true(x.requires_grad)
    x:requires_grad_(false)
    assert.is_false(x.requires_grad)
  end)

  it("grad_fn.name and next_functions follow the graph", function()
    local x = leaf()
    local l = (x * 2):sum()
    assert.are.equal("SumBackward0", l.grad_fn.name)
    local next = l.grad_fn.next_functions
    assert.are.equal(#pt.value("sum next"), #next)
    assert.are.equal(pt.value("sum next")[1], next[1][1].name)
    local mul = next[1][1].next_functions
    local expected = pt.value("mul next")
    assert.are.equal(2, #mul)
    assert.matches("AccumulateGrad$", expected[1])
    assert.matches("AccumulateGrad$", mul[1][1].name)
    assert.is_nil(mul[2][1])                  -- the constant 2 has no node
    local w = torch.ones(4, { requires_grad = true })
    local m = x * w + x
    assert.are.equal("AddBackward0", m.grad_fn.name)
    assert.are.equal(pt.value("add next")[1], m.grad_fn.next_functions[1][1].name)
    assert.matches("AccumulateGrad$", m.grad_fn.next_functions[2][1].name)
  end)

  it("the chapter's y has grad_fn MulBackward0 over DotBackward0", function()
    local x = leaf()
    local y = 2 * torch.dot(x, x)
    assert.are.equal("MulBackward0", y.grad_fn.name)
    local names = {}
    for _, edge in ipairs(y.grad_fn.next_functions) do
      if edge[1] then names[#names + 1] = edge[1].name end
    end
    assert.are.same({ "DotBackward0" }, names)
  end)
end)

describe("the .grad of a non-leaf", function()
  it("is nil", function()
    local y = leaf() * 2
    assert.is_nil(y.grad)
    y:sum():backward()
    assert.is_nil(y.grad)
  end)

  -- BUG: LuaGrad's text says "informations." where PyTorch 2.15 says "information.".
  it("warns once on stderr with PyTorch's text", function()
    if not program.path() then return pending("needs io.popen and /proc to run the luagrad program") end
    local out, err, status = program.run(
      "local y = torch.arange(4.0, {requires_grad=true}) * 2\nprint(y.grad)\nprint(y.grad)\n", "nonleaf.lua")
    assert.are.equal("nil\nnil\n", out)
    assert.are.equal(0, status)
    local warning = pt.text("non-leaf grad warning")
    local first = err:find(warning, 1, true)
    assert.is_truthy(first, "the warning on stderr:\n" .. err)
    assert.is_nil(err:find(warning, first + 1, true), "warned more than once")
  end)

  it("retain_grad keeps it", function()
    local x = leaf()
    local y = x * 2
    y:retain_grad()
    ;(y * y):sum():backward()
    pt.assert_tensor("retained y.grad", y.grad)
  end)
end)

describe("backward options", function()
  it("a gradient, positional or as {gradient=...}", function()
    local v = torch.tensor({ 1.0, 0.5, 0.1, 2.0 })
    local x = leaf()
    ;(x * x):backward(v)
    pt.assert_tensor("backward gradient v", x.grad)
    x = leaf()
    ;(x * x):backward{ gradient = v }
    pt.assert_tensor("backward gradient v", x.grad)
  end)

  it("inputs= limits which leaves accumulate", function()
    local x = leaf()
    local w = torch.tensor({ 1.0, -1.0, 2.0, 0.5 }, { requires_grad = true })
    ;(x * w):sum():backward{ inputs = { w } }
    pt.assert_tensor("inputs w: w.grad", w.grad)
    assert.are.equal(pt.value("inputs w: x.grad"), x.grad)
  end)

  it("torch.autograd.grad returns one gradient per input and leaves .grad alone", function()
    local x = leaf()
    local w = torch.tensor({ 1.0, -1.0, 2.0, 0.5 }, { requires_grad = true })
    local loss = (x * w):sum() + (w * w):sum()
    local gx, gw = torch.autograd.grad(loss, { x, w })
    pt.assert_tensor("autograd.grad gx", gx)
    pt.assert_tensor("autograd.grad gw", gw)
    assert.is_nil(x.grad)
    assert.is_nil(w.grad)
    assert.are.equal(2, select("#", torch.autograd.grad((x * w):sum(), { x, w })))
  end)

  it("create_graph gives second derivatives: d²/dx² x³", function()
    local s = torch.tensor(2.0, { requires_grad = true })
    local y = s ^ 3
    local g = torch.autograd.grad(y, { s }, { create_graph = true })
    assert.are.equal(pt.text("d/dx x^3 at 2"), tostring(g))
    local g2 = torch.autograd.grad(g, { s })
    assert.are.equal(pt.text("d2/dx2 x^3 at 2"), tostring(g2))
  end)

  it("create_graph through backward", function()
    local v = torch.tensor({ 1.0, 2.0, 3.0 }, { requires_grad = true })
    ;(v ^ 3):sum():backward{ create_graph = true }
    assert.is_true(v.grad.requires_grad)
    assert.is_not_nil(v.grad.grad_fn)
    local gv = v.grad
    v.grad = nil
    gv:sum():backward()
    pt.assert_tensor("second derivative by backward", v.grad)
  end)

  it("create_graph: the second derivative of sin is -sin", function()
    local u = torch.tensor({ 0.5, -1.0, 2.0 }, { requires_grad = true })
    local gu = torch.autograd.grad(u:sin():sum(), { u }, { create_graph = true })
    local g2u = torch.autograd.grad(gu:sum(), { u })
    pt.assert_tensor("d2 sin", g2u, { rtol = 1e-6, atol = 1e-7 })
  end)
end)

describe("graph shapes", function()
  it("a reused non-leaf (diamond)", function()
    local x = leaf()
    local a = x * 2
    local b = a * a + a
    b:sum():backward()
    pt.assert_tensor("diamond", x.grad)
  end)

  it("broadcasting reduces gradients to each input's shape", function()
    local p = torch.tensor({ { 1.0 }, { 2.0 }, { 3.0 } }, { requires_grad = true })
    local q = torch.tensor({ { 1.0, 10.0, 100.0, 1000.0 } }, { requires_grad = true })
    ;(p * q):sum():backward()
    pt.assert_tensor("broadcast p.grad", p.grad)
    pt.assert_tensor("broadcast q.grad", q.grad)
    local r = torch.tensor(3.0, { requires_grad = true })
    ;(leaf() * r):sum():backward()
    pt.assert_tensor("broadcast 0-d grad", r.grad)
  end)

  it("a Lua loop builds the graph of x^4", function()
    local x = torch.tensor({ 1.0, 2.0, -1.0 }, { requires_grad = true })
    local y = x
    for _ = 1, 3 do y = y * x end
    y:sum():backward()
    pt.assert_tensor("x^4 by a loop", x.grad)
  end)

  it("a graph 20000 nodes deep backpropagates (no recursion limit)", function()
    local x = torch.tensor(1.0, { requires_grad = true })
    local y = x
    for _ = 1, 20000 do y = y + 1 end
    y:backward()
    assert.are.equal(1.0, x.grad:item())
    assert.are.equal(20001.0, y:item())
  end)
end)
