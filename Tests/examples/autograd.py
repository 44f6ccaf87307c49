# PyTorch twin of examples/autograd.lua: the same steps, printing the same lines.
# Regenerate the expected output with:
#   scripts/oracle < Tests/examples/autograd.py > Tests/examples/autograd.out
# (the oracle imports torch and math). Lua booleans are printed as lowercase `true`/`false`,
# Lua's nil as `nil`.


def lua(value):
    """Lua's print of a boolean or nil."""
    if value is None:
        return "nil"
    return str(bool(value)).lower()


print("-- 2.5.1 A Simple Function")
x = torch.arange(4.0)
print(x)

x.requires_grad_(True)
print(lua(x.grad))

y = 2 * torch.dot(x, x)
print(y)

y.backward()
print(x.grad)

print(x.grad.eq(4 * x))
print(lua(torch.equal(x.grad, 4 * x)))

x.grad.zero_()
y = x.sum()
y.backward()
print(x.grad)

print("-- 2.5.2 Backward for Non-Scalar Variables")
x.grad.zero_()
y = x * x
y.backward(torch.ones(len(y)))
print(x.grad)

print("-- 2.5.3 Detaching Computation")
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print(x.grad.eq(u))
print(lua(torch.equal(x.grad, u)))

x.grad.zero_()
y.sum().backward()
print(x.grad.eq(2 * x))
print(lua(torch.equal(x.grad, 2 * x)))

print("-- 2.5.4 Gradients and Python Control Flow")


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


torch.manual_seed(0)
a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
print(a)
print(d)
print(a.grad)
print(a.grad.eq(d / a))
print(lua(torch.equal(a.grad, d / a)))

torch.manual_seed(4)
a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
print(a)
print(d)
print(a.grad)
print(a.grad.eq(d / a))
print(lua(torch.allclose(a.grad, d / a)))
