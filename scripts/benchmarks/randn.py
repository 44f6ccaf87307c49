import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
torch.manual_seed(0)
def step():
    torch.randn(1024, 1024)
run("randn", 50, step)
