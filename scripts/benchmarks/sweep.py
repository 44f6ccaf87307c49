# PyTorch twin of sweep.lua: the same kinds, sizes and timing protocol.
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from common import peak_kb
import time, torch
torch.manual_seed(0)

def timed(f):
    f()
    start = time.perf_counter(); f()
    once = max(time.perf_counter() - start, 1e-7)
    reps = max(1, int(0.02 / once))
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(reps):
            f()
        best = min(best, (time.perf_counter() - start) / reps)
    return best

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

def train(batch):
    X, labels = torch.randn(batch, 784), torch.randint(0, 10, (batch,))
    W1 = (torch.randn(784, 256) * 0.01).requires_grad_()
    b1 = torch.zeros(256, requires_grad=True)
    W2 = (torch.randn(256, 10) * 0.01).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    params = [W1, b1, W2, b2]
    def step():
        h = torch.relu(X @ W1 + b1)
        logp = torch.log_softmax(h @ W2 + b2, 1)
        loss = -logp.gather(1, labels.reshape(batch, 1)).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= p.grad * 0.1
                p.grad.zero_()
    return step

elementwise = [10, 100, 1000, 10000, 32768, 65536, 100000, 262144, 1000000, 3000000, 10000000]
sizes = {"add": elementwise, "relu": elementwise, "add_": elementwise,
         "matmul": [8, 16, 32, 64, 128, 256, 512, 1024, 2048],
         "train": [1, 4, 16, 64, 256, 1024, 2048]}
kinds = {"add": add, "relu": relu, "add_": add_, "matmul": matmul, "train": train}
wanted = os.environ.get("SWEEP_KINDS")
for kind in ["add", "relu", "add_", "matmul", "train"]:
    if wanted and kind not in wanted.split(","):
        continue
    for n in sizes[kind]:
        print("SWEEP %s %d %.9e" % (kind, n, timed(kinds[kind](n))), flush=True)
print("BENCH sweep 0 %d" % peak_kb(), flush=True)
