# PyTorch twin of examples/d2l-2.4-calculus.lua: the same steps, printing the same lines.
# Regenerate the expected output with:
#   scripts/oracle < Tests/examples/d2l-2.4-calculus.py > Tests/examples/d2l-2.4-calculus.out
# print(a, b) in Lua separates with a tab.

print("-- 2.4.1 Derivatives and Differentiation")


def f(x):
    return 3 * x ** 2 - 4 * x


for h in [10.0 ** -k for k in range(1, 6)]:
    print(f'h={h:.5f}, numerical limit={(f(1+h)-f(1))/h:.5f}')

h = 10 ** torch.linspace(-1, -5, 5, dtype=torch.float64)
print(h)
print((f(1 + h) - f(1)) / h)

print("-- 2.4.2 Visualization Utilities")
x = torch.arange(0, 3, 0.1)
print(x)
print(f(x))
print(2 * x - 3)

print("-- 2.4.3 Partial Derivatives and Gradients")
x1 = torch.tensor(1.0, requires_grad=True)
y = f(x1)
y.backward()
print(y, x1.grad, sep="\t")

v = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
norm2 = (v * v).sum()
norm2.backward()
print(v.grad)

A = torch.arange(9.0).reshape(3, 3)
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
q = torch.dot(w, torch.mv(A, w))
q.backward()
print(q)
print(w.grad)
print(torch.mv(A + A.T, w.detach()))
