-- torch.func (issue 4 item 2): transforms that return functions, and their nesting.
-- argnums are 1-based. A tuple PyTorch returns is multiple Lua values (grad with two argnums
-- gives gx, gy; vjp_fn(v) gives one gradient per primal); grad_and_value gives the
-- gradient(s) (a table for several argnums), the value, then aux. Values: fixtures/autograd_func.py.
local pt = require("pytorch_fixture").load("autograd_func")
local F = torch.func

local CLOSE = { rtol = 1e-5, atol = 1e-6 }

local function fresh()
  return {
    A = torch.tensor({ 0.5, -1.2, 2.0 }),
    B = torch.tensor({ { 0.5, -1.2, 2.0 }, { 1.5, 0.3, -0.7 } }),
    C = torch.tensor({ 1.1, 0.8, -0.4 }),
    S = torch.tensor(0.7),
    Vec3 = torch.tensor({ 1.0, -2.0, 0.5 }),
    Mat23 = torch.tensor({ { 1.0, 0.5, -1.0 }, { 2.0, -0.5, 0.25 } }),
  }
end

local function f_sin(x) return (x:sin() * x):sum() end
local function g_vec(x) return x:exp() * x:sum() end
local function f_two(x, y) return (x * y:exp()):sum() + (x ^ 2):sum() * y:sum() end
local function g_two(x, y) return torch.matmul(x, y):sin() end
local function poly(x) return x:sin() * x ^ 2 end

--- Printed text where a zero's sign is not compared: which off-diagonal zeros of a Hessian
--- come out as -0 depends on the order of the passes, not on the mathematics.
local function unsigned_zeros(text)
  return (text:gsub("%-(0%.0+)([,%]])", " %1%2"))
end

--- Checks each of `...` against the fixture section "NAME key" (values and printed text).
local function check(name, keys, ...)
  local got = table.pack(...)
  assert.are.equal(#keys, got.n, name .. ": number of results")
  for i, key in ipairs(keys) do
    local section = key == "" and name or name .. " " .. key
    assert.is_true(torch.is_tensor(got[i]), section .. ": expected a tensor, got " .. type(got[i]))
    pt.assert_tensor(section, got[i], CLOSE)
    assert.are.equal(unsigned_zeros(pt.text(section .. " text")), unsigned_zeros(tostring(got[i])), section)
  end
end

describe("grad and grad_and_value", function()
  it("of a vector, a matrix and a 0-d input", function()
    local t = fresh()
    check("grad vector", { "" }, F.grad(f_sin)(t.A))
    check("grad matrix", { "" }, F.grad(f_sin)(t.B))
    check("grad 0-d", { "" }, F.grad(poly)(t.S))
  end)

  it("argnums picks the argument (1-based)", function()
    local t = fresh()
    check("grad argnums 2", { "" }, F.grad(f_two, { argnums = 2 })(t.A, t.C))
  end)

  -- BUG: LuaGrad returns one table {gx, gy}.
  it("two argnums give two values", function()
    local t = fresh()
    check("grad argnums 1 2", { "1", "2" }, F.grad(f_two, { argnums = { 1, 2 } })(t.A, t.C))
  end)

  it("grad_and_value gives the gradient and the value", function()
    local t = fresh()
    check("grad_and_value", { "1", "2" }, F.grad_and_value(f_sin)(t.A))
    local grads, value = F.grad_and_value(f_two, { argnums = { 1, 2 } })(t.A, t.C)
    assert.are.equal("table", type(grads))
    check("grad_and_value argnums 1 2", { "1 1", "1 2", "2" }, grads[1], grads[2], value)
  end)

  it("has_aux passes f's second result through", function()
    local t = fresh()
    local function f(x) return f_sin(x), x:cos() end
    local g, aux = F.grad(f, { has_aux = true })(t.A)
    check("grad has_aux", { "1" }, g)
    pt.assert_tensor("grad has_aux 2", aux, CLOSE)
    local g2, value, aux2 = F.grad_and_value(f, { has_aux = true })(t.A)
    check("grad_and_value has_aux", { "1", "2 1" }, g2, value)
    pt.assert_tensor("grad_and_value has_aux 2 2", aux2, CLOSE)
  end)

  -- BUG: LuaGrad's aux keeps the graph the transform built: grad_fn=<CosBackward0>.
  it("has_aux returns aux outside the transform's graph", function()
    local function f(x) return f_sin(x), x:cos() end
    check("grad has_aux", { "1", "2" }, F.grad(f, { has_aux = true })(fresh().A))
  end)

  -- BUG: LuaGrad raises "grad can be implicitly created only for scalar outputs".
  it("a function with a vector result raises PyTorch's message", function()
    assert.error_matches(function() F.grad(g_vec)(fresh().A) end, pt.text("grad of a vector function"), 1, true)
  end)

  it("a function with a vector result raises", function()
    assert.has_error(function() F.grad(g_vec)(fresh().A) end)
  end)
end)

describe("nesting", function()
  it("grad(grad(f)) and grad(grad(grad(f)))", function()
    local t = fresh()
    check("grad grad", { "" }, F.grad(F.grad(poly))(t.S))
    check("grad grad grad", { "" }, F.grad(F.grad(F.grad(poly)))(t.S))
  end)

  it("jacrev(grad(f)) is the Hessian", function()
    check("jacrev grad", { "" }, F.jacrev(F.grad(f_sin))(fresh().A))
  end)

  -- BUG: LuaGrad raises "element 0 of tensors does not require grad and does not have a grad_fn"
  -- (the inner jacrev does not record its Jacobian).
  it("jacrev(jacrev(f)) is the Hessian", function()
    check("jacrev jacrev", { "" }, F.jacrev(F.jacrev(f_sin))(fresh().A))
  end)

  it("grad of a function of grad", function()
    check("grad of sum of grad", { "" }, F.grad(function(x) return F.grad(f_sin)(x):exp():sum() end)(fresh().A))
  end)

  -- BUG: LuaGrad gives x (0.7 at x = 0.7, PyTorch 1.4 = 2x): the inner grad does not record
  -- its result when only x, not its own argument y, comes from an outer transform.
  it("no perturbation confusion: d/dx [x * d/dy (x y)] = 2x", function()
    local y0 = torch.tensor(1.5)
    check("perturbation", { "" }, F.grad(function(x)
      return x * F.grad(function(y) return x * y end)(y0)
    end)(fresh().S))
  end)
end)

describe("vjp and jvp", function()
  it("vjp returns the output and a function of the cotangent", function()
    local t = fresh()
    local out, fn = F.vjp(g_vec, t.A)
    check("vjp out", { "" }, out)
    check("vjp fn", { "1" }, fn(t.Vec3))
  end)

  it("vjp of two primals: vjp_fn gives two values and can be called again", function()
    local t = fresh()
    local out, fn = F.vjp(g_two, t.B, t.A)
    check("vjp two out", { "" }, out)
    check("vjp two fn", { "1", "2" }, fn(torch.tensor({ 0.5, -1.0 })))
    check("vjp fn again", { "1", "2" }, fn(torch.tensor({ 1.0, 2.0 })))
  end)

  it("jvp takes tables of primals and tangents", function()
    local t = fresh()
    check("jvp", { "1", "2" }, F.jvp(g_vec, { t.A }, { t.Vec3 }))
    check("jvp two", { "1", "2" }, F.jvp(g_two, { t.B, t.A }, { t.Mat23, t.Vec3 }))
  end)
end)

describe("jacrev, jacfwd and hessian", function()
  it("of vector and matrix functions", function()
    local t = fresh()
    check("jacrev", { "" }, F.jacrev(g_vec)(t.A))
    check("jacfwd", { "" }, F.jacfwd(g_vec)(t.A))
    check("jacrev matrix", { "" }, F.jacrev(function(x) return x:tanh() * 2 end)(t.B))
    check("jacfwd argnums 2", { "" }, F.jacfwd(g_two, { argnums = 2 })(t.B, t.A))
  end)

  -- BUG: LuaGrad returns one table {jx, jy}.
  it("two argnums give two Jacobians", function()
    local t = fresh()
    check("jacrev argnums 1 2", { "1", "2" }, F.jacrev(g_two, { argnums = { 1, 2 } })(t.B, t.A))
  end)

  it("hessian", function()
    local t = fresh()
    check("hessian", { "" }, F.hessian(f_sin)(t.A))
    check("hessian matrix", { "" }, F.hessian(f_sin)(t.B))
    check("hessian argnums 2", { "" }, F.hessian(f_two, { argnums = 2 })(t.A, t.C))
  end)
end)
