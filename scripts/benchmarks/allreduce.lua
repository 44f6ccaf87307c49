-- All-reduce of a 100 MB float32 tensor on the ranks of `mpirun -np N` (scripts/bench runs
-- it on 2): rank 0 prints `ALLREDUCE <seconds per all-reduce> <GB/s of tensor>`, the median
-- of several timed calls after a warm-up. Twin: allreduce.py (PyTorch's gloo backend).
local torch = require "luagrad"
local dist = torch.distributed
dist.init_process_group{backend = "mpi"}
local t = torch.ones(25 * 1024 * 1024)
local times = {}
for k = 1, 8 do
  dist.barrier()
  local start = torch.wallclock()
  dist.all_reduce(t)
  if k > 2 then times[#times + 1] = torch.wallclock() - start end
end
table.sort(times)
local median = (times[3] + times[4]) / 2
if dist.get_rank() == 0 then
  print(string.format("ALLREDUCE %.6f %.3f", median, t:numel() * 4 / median / 1e9))
end
dist.destroy_process_group()
