# sqrt(x*x + 1).sum() forward and backward on N floats, as one unit.
#   elementwise.py [NAME [N]]   (default: elementwise 10^7; scripts/bench runs
#   elementwise_2e18 as `elementwise_2e18 262144`, an activation-sized tensor)
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import run
import torch
name = sys.argv[1] if len(sys.argv) > 1 else "elementwise"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000000
torch.manual_seed(0)
x = torch.randn(n, requires_grad=True)
def step():
    y = torch.sqrt(x * x + 1).sum()
    y.backward()
    x.grad = None
# About 5·10^7 elements per timed batch, whatever the size.
run(name, max(1, 50000000 // n), step)
