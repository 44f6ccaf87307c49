import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
x = torch.randn(10000000, requires_grad=True)
def step():
    y = torch.sqrt(x * x + 1).sum()
    y.backward()
    x.grad = None
run("elementwise", 5, step)
