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
