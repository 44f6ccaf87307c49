# PyTorch twin of examples/d2l-2.1-ndarray.lua: the same steps, printing the same lines.
# Regenerate the expected output with:
#   scripts/oracle < Tests/examples/d2l-2.1-ndarray.py > Tests/examples/d2l-2.1-ndarray.out
# Lua booleans print as `true`/`false`; print(a, b) in Lua separates with a tab.


def lua(value):
    return str(bool(value)).lower()


print("-- 2.1.1 Getting Started")
x = torch.arange(12, dtype=torch.float32)
print(x)
print(x.numel())
print(x.shape)

X = x.reshape(3, 4)
print(X)

print(torch.zeros((2, 3, 4)))
print(torch.ones((2, 3, 4)))

torch.manual_seed(0)
print(torch.randn(3, 4))

print(torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]))

print("-- 2.1.2 Indexing and Slicing")
print(X[-1])
print(X[1:3])

X[1, 2] = 17
print(X)

X[:2, :] = 12
print(X)

print("-- 2.1.3 Operations")
print(torch.exp(x))

x = torch.tensor([1.0, 2, 4, 8])
y = torch.tensor([2, 2, 2, 2])
print(x + y)
print(x - y)
print(x * y)
print(x / y)
print(x ** y)

X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(torch.cat((X, Y), dim=0))
print(torch.cat((X, Y), dim=1))

print(X == Y)
print(lua(torch.equal(X, Y)))

print(X.sum())

print("-- 2.1.4 Broadcasting")
a = torch.arange(3).reshape((3, 1))
b = torch.arange(2).reshape((1, 2))
print(a)
print(b)
print(a + b)

print("-- 2.1.5 Saving Memory")
before = id(Y)
Y = Y + X
print(lua(id(Y) == before))

Z = torch.zeros_like(Y)
before = id(Z)
Z[:] = X + Y
print(lua(id(Z) == before))
print(Z)

before = id(X)
X += Y
print(lua(id(X) == before))
print(X)

print("-- 2.1.6 Conversion to Other Objects")
print(X.tolist()[0][0], len(X.tolist()), sep="\t")
a = torch.tensor([3.5])
print(a, a.item(), int(a), sep="\t")
