import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
def step():
    a = torch.randn(1024, 1024, requires_grad=True)
    b = torch.randn(1024, 1024, requires_grad=True)
    c = a @ b
    c.sum().backward()
run("matmul_randn", 6, step)
