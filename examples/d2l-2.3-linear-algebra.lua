-- Linear algebra: the experiments of "Dive into Deep Learning", section 2.3, in Lua.
-- Run it with `luagrad d2l-2.3-linear-algebra.lua`; it prints what PyTorch prints.
-- (Dims count from 1 in Lua: Python's A.sum(axis=0) is A:sum(1) here.)

print("-- 2.3.1 Scalars")
local x = torch.tensor(3.0)
local y = torch.tensor(2.0)
print(x + y)
print(x * y)
print(x / y)
print(x ^ y)

print("-- 2.3.2 Vectors")
x = torch.arange(3)
print(x)
print(x[3])                           -- the third element
print(#x)                             -- the length of the vector
print(x.shape)

print("-- 2.3.3 Matrices")
local A = torch.arange(6):reshape(3, 2)
print(A)
print(A:t())                          -- the transpose

A = torch.tensor({ { 1, 2, 3 }, { 2, 0, 4 }, { 3, 4, 5 } })
print(A:eq(A:t()))                    -- a symmetric matrix
print(A == A:t())

print("-- 2.3.4 Tensors")
print(torch.arange(24):reshape(2, 3, 4))

print("-- 2.3.5 Basic Properties of Tensor Arithmetic")
A = torch.arange(6, { dtype = torch.float32 }):reshape(2, 3)
local B = A:clone()                   -- a copy in new memory
print(A)
print(A + B)
print(A * B)                          -- the Hadamard product

local a = 2
local X = torch.arange(24):reshape(2, 3, 4)
print(a + X)
print((a * X).shape)

print("-- 2.3.6 Reduction")
x = torch.arange(3, { dtype = torch.float32 })
print(x)
print(x:sum())

print(A.shape, A:sum())
print(A.shape, A:sum(1).shape)        -- sum over the rows (Python's axis=0)
print(A.shape, A:sum(2).shape)        -- sum over the columns (axis=1)
print(A:sum({ 1, 2 }) == A:sum())

print(A:mean(), A:sum() / A:numel())
print(A:mean(1), A:sum(1) / A.shape[1])

print("-- 2.3.7 Non-Reduction Sum")
local sum_A = A:sum(2, { keepdim = true })
print(sum_A, sum_A.shape)
print(A / sum_A)                      -- broadcasting
print(A:cumsum(1))                    -- cumulative sums down the rows

print("-- 2.3.8 Dot Products")
y = torch.ones(3, { dtype = torch.float32 })
print(x, y, torch.dot(x, y))
print(torch.sum(x * y))

print("-- 2.3.9 Matrix-Vector Products")
print(A.shape, x.shape, torch.mv(A, x), torch.matmul(A, x))

print("-- 2.3.10 Matrix-Matrix Multiplication")
B = torch.ones(3, 4)
print(torch.mm(A, B))
print(torch.matmul(A, B))

print("-- 2.3.11 Norms")
local u = torch.tensor({ 3.0, -4.0 })
print(torch.norm(u))                  -- the l2 norm
print(torch.abs(u):sum())             -- the l1 norm
print(torch.norm(torch.ones(4, 9)))   -- the Frobenius norm
