# PyTorch twin of examples/d2l-2.3-linear-algebra.lua: the same steps, printing the same lines.
# Regenerate the expected output with:
#   scripts/oracle < Tests/examples/d2l-2.3-linear-algebra.py > Tests/examples/d2l-2.3-linear-algebra.out
# Lua booleans print as `true`/`false`; print(a, b) in Lua separates with a tab.


def lua(value):
    return str(bool(value)).lower()


print("-- 2.3.1 Scalars")
x = torch.tensor(3.0)
y = torch.tensor(2.0)
print(x + y)
print(x * y)
print(x / y)
print(x**y)

print("-- 2.3.2 Vectors")
x = torch.arange(3)
print(x)
print(x[2])
print(len(x))
print(x.shape)

print("-- 2.3.3 Matrices")
A = torch.arange(6).reshape(3, 2)
print(A)
print(A.T)

A = torch.tensor([[1, 2, 3], [2, 0, 4], [3, 4, 5]])
print(A == A.T)
print(lua(torch.equal(A, A.T)))

print("-- 2.3.4 Tensors")
print(torch.arange(24).reshape(2, 3, 4))

print("-- 2.3.5 Basic Properties of Tensor Arithmetic")
A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
B = A.clone()
print(A)
print(A + B)
print(A * B)

a = 2
X = torch.arange(24).reshape(2, 3, 4)
print(a + X)
print((a * X).shape)

print("-- 2.3.6 Reduction")
x = torch.arange(3, dtype=torch.float32)
print(x)
print(x.sum())

print(A.shape, A.sum(), sep="\t")
print(A.shape, A.sum(axis=0).shape, sep="\t")
print(A.shape, A.sum(axis=1).shape, sep="\t")
print(lua(torch.equal(A.sum(axis=[0, 1]), A.sum())))

print(A.mean(), A.sum() / A.numel(), sep="\t")
print(A.mean(axis=0), A.sum(axis=0) / A.shape[0], sep="\t")

print("-- 2.3.7 Non-Reduction Sum")
sum_A = A.sum(axis=1, keepdims=True)
print(sum_A, sum_A.shape, sep="\t")
print(A / sum_A)
print(A.cumsum(axis=0))

print("-- 2.3.8 Dot Products")
y = torch.ones(3, dtype=torch.float32)
print(x, y, torch.dot(x, y), sep="\t")
print(torch.sum(x * y))

print("-- 2.3.9 Matrix-Vector Products")
print(A.shape, x.shape, torch.mv(A, x), A @ x, sep="\t")

print("-- 2.3.10 Matrix-Matrix Multiplication")
B = torch.ones(3, 4)
print(torch.mm(A, B))
print(A @ B)

print("-- 2.3.11 Norms")
u = torch.tensor([3.0, -4.0])
print(torch.norm(u))
print(torch.abs(u).sum())
print(torch.norm(torch.ones((4, 9))))
