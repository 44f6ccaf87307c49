-- Calculus: the experiments of "Dive into Deep Learning", section 2.4, in Lua.
-- Run it with `luagrad d2l-2.4-calculus.lua [FIGURE.svg]`; it prints what PyTorch prints
-- and draws the section's figure to FIGURE.svg (default: d2l-2.4-calculus.svg in $TMPDIR or /tmp).
local plot = require "luagrad.plot"
local figure_path = arg and arg[1] or (os.getenv("TMPDIR") or "/tmp") .. "/d2l-2.4-calculus.svg"

print("-- 2.4.1 Derivatives and Differentiation")
local function f(x)
  return 3 * x ^ 2 - 4 * x
end

-- The difference quotient (f(1 + h) - f(1)) / h approaches f'(1) = 2 as h shrinks.
for k = 1, 5 do
  local h = 10.0 ^ -k
  print(string.format("h=%.5f, numerical limit=%.5f", h, (f(1 + h) - f(1)) / h))
end

-- The same experiment on tensors: f works unchanged on them.
local h = 10 ^ torch.linspace(-1, -5, 5, { dtype = torch.float64 })
print(h)
print((f(1 + h) - f(1)) / h)

print("-- 2.4.2 Visualization Utilities")
-- The book plots f and its tangent line y = 2x - 3 at x = 1; here are the points it draws.
local x = torch.arange(0, 3, 0.1)
print(x)
print(f(x))
print(2 * x - 3)
-- d2l.plot(x, [f(x), 2 * x - 3], 'x', 'f(x)', legend=['f(x)', 'Tangent line (x=1)'])
plot.plot(x, { f(x), 2 * x - 3 }, "x", "f(x)", { legend = { "f(x)", "Tangent line (x=1)" } }):save(figure_path)

print("-- 2.4.3 Partial Derivatives and Gradients")
-- Autograd finds f'(1) exactly (section 2.5 explains how).
local x1 = torch.tensor(1.0, { requires_grad = true })
local y = f(x1)
y:backward()
print(y, x1.grad)

-- The gradient of f(x) = ‖x‖² is 2x, and that of xᵀAx is (A + Aᵀ)x.
local v = torch.tensor({ 1.0, -2.0, 3.0 }, { requires_grad = true })
local norm2 = (v * v):sum()
norm2:backward()
print(v.grad)

local A = torch.arange(9.0):reshape(3, 3)
local w = torch.tensor({ 1.0, 2.0, 3.0 }, { requires_grad = true })
local q = torch.dot(w, torch.mv(A, w))
q:backward()
print(q)
print(w.grad)
print(torch.mv(A + A:t(), w:detach()))
