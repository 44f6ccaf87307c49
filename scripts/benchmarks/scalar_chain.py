import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
def step():
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(10000):
        y = y * 0.999 + torch.sin(y) * 0.001
    y.backward()
run("scalar_chain", 3, step)
