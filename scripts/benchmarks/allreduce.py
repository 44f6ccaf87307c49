# Twin of allreduce.lua on PyTorch's gloo backend: `python allreduce.py N` starts N processes
# on this machine; rank 0 prints `ALLREDUCE <seconds per all-reduce> <GB/s of tensor>`.
import os, sys, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

def run(rank, size):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = "29611"
    dist.init_process_group("gloo", rank=rank, world_size=size)
    t = torch.ones(25 * 1024 * 1024)
    times = []
    for k in range(8):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(t)
        if k >= 2:
            times.append(time.perf_counter() - start)
    times.sort()
    median = (times[2] + times[3]) / 2
    if rank == 0:
        print("ALLREDUCE %.6f %.3f" % (median, t.numel() * 4 / median / 1e9))
    dist.destroy_process_group()

if __name__ == "__main__":
    torch.set_num_threads(1)
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    mp.spawn(run, args=(size,), nprocs=size)
