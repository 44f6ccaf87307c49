# PyTorch twin of sweep.lua: the same kinds, sizes and timing protocol.
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import peak_kb, mlp_step, best_time
import torch
torch.manual_seed(0)

def add(n):
    a, b = torch.randn(n), torch.randn(n)
    return lambda: a + b

def relu(n):
    a = torch.randn(n)
    return lambda: torch.relu(a)

def add_(n):
    a, b = torch.randn(n), torch.randn(n)
    return lambda: a.add_(b)

def matmul(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: a @ b

elementwise = [10, 100, 1000, 10000, 32768, 65536, 100000, 262144, 1000000, 3000000, 10000000]
sizes = {"add": elementwise, "relu": elementwise, "add_": elementwise,
         "matmul": [8, 16, 32, 64, 128, 256, 512, 1024, 2048],
         "train": [1, 4, 16, 64, 256, 1024, 2048]}
kinds = {"add": add, "relu": relu, "add_": add_, "matmul": matmul, "train": mlp_step}
wanted = os.environ.get("SWEEP_KINDS")
for kind in ["add", "relu", "add_", "matmul", "train"]:
    if wanted and kind not in wanted.split(","):
        continue
    for n in sizes[kind]:
        print("SWEEP %s %d %.9e" % (kind, n, best_time(kinds[kind](n))), flush=True)
print("BENCH sweep 0 %d" % peak_kb(), flush=True)
