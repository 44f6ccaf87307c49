import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
a = torch.randn(1024, 1024, requires_grad=True)
b = torch.randn(1024, 1024, requires_grad=True)
def step():
    c = torch.matmul(a, b)
    c.sum().backward()
    a.grad = None; b.grad = None
run("matmul", 6, step)
