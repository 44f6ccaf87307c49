import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
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
def step():
    x = torch.arange(4.0)
    x.requires_grad_(True)
    y = 2 * torch.dot(x, x)
    y.backward()
    _ = x.grad == 4 * x
    x.grad.zero_()
    y = x.sum(); y.backward()
    x.grad.zero_()
    y = x * x
    y.backward(gradient=torch.ones(len(y)))
    x.grad.zero_()
    y = x * x; u = y.detach(); z = u * x
    z.sum().backward()
    x.grad.zero_(); y.sum().backward()
    a = torch.randn(size=(), requires_grad=True)
    d = f(a); d.backward()
    _ = torch.equal(a.grad, d / a)
run("chapter", 2000, step)
