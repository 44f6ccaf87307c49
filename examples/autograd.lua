-- Automatic differentiation: every experiment of "Dive into Deep Learning", section 2.5,
-- written in Lua. Run it with `luagrad autograd.lua`; it prints what PyTorch prints.
-- (Lua counts from 1, but tensor values are PyTorch's: torch.arange(4.0) is 0, 1, 2, 3.)

print("-- 2.5.1 A Simple Function")
-- Differentiate y = 2 xᵀx with respect to the column vector x.
local x = torch.arange(4.0)
print(x)

-- A place to store the gradient (or: torch.arange(4.0, {requires_grad=true})).
x:requires_grad_(true)
print(x.grad)                      -- nil until a backward pass reaches x

local y = 2 * torch.dot(x, x)
print(y)

y:backward()
print(x.grad)                      -- the gradient of 2 xᵀx is 4x

print(x.grad:eq(4 * x))            -- element-wise comparison: a bool tensor
print(x.grad == 4 * x)             -- Lua's == is torch.equal: a boolean

-- Gradients accumulate: reset the buffer before computing another function's gradient.
x.grad:zero_()
y = x:sum()
y:backward()
print(x.grad)

print("-- 2.5.2 Backward for Non-Scalar Variables")
-- backward on a non-scalar needs the vector v of vᵀ ∂y/∂x, named `gradient`.
x.grad:zero_()
y = x * x
y:backward(torch.ones(#y))         -- or y:backward{gradient=torch.ones(#y)}; faster: y:sum():backward()
print(x.grad)

print("-- 2.5.3 Detaching Computation")
-- u has the value of y but no history: z = u * x only sees x directly.
x.grad:zero_()
y = x * x
local u = y:detach()
local z = u * x
z:sum():backward()
print(x.grad:eq(u))
print(x.grad == u)

-- The graph that computed y is still there.
x.grad:zero_()
y:sum():backward()
print(x.grad:eq(2 * x))
print(x.grad == 2 * x)

print("-- 2.5.4 Gradients and Python Control Flow")
-- In Lua the same: the loop count and the branch taken depend on the input a.
local function f(a)
  local b = a * 2
  while b:norm() < 1000 do
    b = b * 2
  end
  local c
  if b:sum() > 0 then
    c = b
  else
    c = 100 * b
  end
  return c
end

torch.manual_seed(0)
local a = torch.randn{requires_grad=true}    -- a random scalar
local d = f(a)
d:backward()
print(a)
print(d)
-- f is linear in a with a piecewise scale, so its gradient is d / a.
print(a.grad)
print(a.grad:eq(d / a))
print(a.grad == d / a)

-- A negative input takes the other branch of the `if`.
torch.manual_seed(4)
a = torch.randn{requires_grad=true}
d = f(a)
d:backward()
print(a)
print(d)
print(a.grad)
print(a.grad:eq(d / a))
print(torch.allclose(a.grad, d / a))
