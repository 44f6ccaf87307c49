# Shared by the PyTorch twins: the same timing protocol as common.lua.
import time, torch
torch.set_num_threads(2)

def run(name, units, step, tries=5, warmup=1):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(tries):
        start = time.perf_counter()
        for _ in range(units):
            step()
        times.append((time.perf_counter() - start) / units)
    times.sort()
    print("BENCH %s %.9e %d" % (name, times[(tries + 1) // 2 - 1], peak_kb()), flush=True)

def peak_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

def mlp_step(batch):
    """One SGD step (lr 0.1) of a 784-256-10 ReLU MLP with a log_softmax loss on a fixed random
    batch of `batch` examples: the `mlp` workloads and the sweep's `train` kind."""
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

def epoch(loader, net, loss_fn, opt):
    """One training epoch over `loader`: the D2L loop (forward, loss, zero_grad, backward, step)."""
    def step():
        for Xb, yb in loader:
            l = loss_fn(net(Xb), yb)
            opt.zero_grad()
            l.backward()
            opt.step()
    return step


def best_time(f, most=None):
    """Seconds per call of f: the best of 7 batches, each sized to last about 20 ms (at most
    `most` calls when given), after one warm-up call. For the sweep's and --ops' tables."""
    f()
    start = time.perf_counter(); f()
    once = max(time.perf_counter() - start, 1e-7)
    reps = max(1, int(0.02 / once))
    if most is not None:
        reps = min(reps, most)
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(reps):
            f()
        best = min(best, (time.perf_counter() - start) / reps)
    return best
