-- Data manipulation: the experiments of "Dive into Deep Learning", section 2.1, in Lua.
-- Run it with `luagrad d2l-2.1-ndarray.lua`; it prints what PyTorch prints.
-- (Lua counts positions from 1: Python's X[1:3] is X[{{2, 3}}] here, and X[-1] is the last row.)

print("-- 2.1.1 Getting Started")
local x = torch.arange(12, { dtype = torch.float32 })
print(x)
print(x:numel())
print(x.shape)

local X = x:reshape(3, 4)
print(X)

print(torch.zeros(2, 3, 4))
print(torch.ones(2, 3, 4))

torch.manual_seed(0)                  -- the same seed gives PyTorch's own random numbers
print(torch.randn(3, 4))

print(torch.tensor({ { 2, 1, 4, 3 }, { 1, 2, 3, 4 }, { 4, 3, 2, 1 } }))

print("-- 2.1.2 Indexing and Slicing")
print(X[-1])                          -- the last row
print(X[{ { 2, 3 } }])                -- rows 2 to 3 (inclusive)

X[{ 2, 3 }] = 17                      -- row 2, column 3
print(X)

X[{ { 1, 2 }, {} }] = 12              -- rows 1 to 2, every column
print(X)

print("-- 2.1.3 Operations")
print(torch.exp(x))

x = torch.tensor({ 1.0, 2, 4, 8 })
local y = torch.tensor({ 2, 2, 2, 2 })
print(x + y)
print(x - y)
print(x * y)
print(x / y)
print(x ^ y)

X = torch.arange(12, { dtype = torch.float32 }):reshape(3, 4)
local Y = torch.tensor({ { 2.0, 1, 4, 3 }, { 1, 2, 3, 4 }, { 4, 3, 2, 1 } })
print(torch.cat({ X, Y }, 1))         -- along dim 1 (rows)
print(torch.cat({ X, Y }, 2))         -- along dim 2 (columns)

print(X:eq(Y))                        -- element-wise; X == Y in Lua is torch.equal
print(X == Y)

print(X:sum())

print("-- 2.1.4 Broadcasting")
local a = torch.arange(3):reshape(3, 1)
local b = torch.arange(2):reshape(1, 2)
print(a)
print(b)
print(a + b)

print("-- 2.1.5 Saving Memory")
local before = Y
Y = Y + X                             -- a new tensor
print(rawequal(Y, before))

local Z = torch.zeros_like(Y)
before = Z
Z[{}] = X + Y                         -- writes into Z's memory
print(rawequal(Z, before))
print(Z)

before = X
X:add_(Y)                             -- in place, like X += Y
print(rawequal(X, before))
print(X)

print("-- 2.1.6 Conversion to Other Objects")
print(X:tolist()[1][1], #X:tolist())
local t = torch.tensor({ 3.5 })
print(t, t:item(), math.floor(t:item()))
