# sqrt(x*x + 1).sum() forward and backward on 2^18 floats (an activation-sized tensor).
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
x = torch.randn(262144, requires_grad=True)
def step():
    y = torch.sqrt(x * x + 1).sum()
    y.backward()
    x.grad = None
run("elementwise_2e18", 200, step)
