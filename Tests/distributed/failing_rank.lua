-- One rank fails while the others wait for it in a collective: the job must end promptly
-- with that rank's message (scripts/test-distributed times it). With the argument "signal"
-- the failing rank is killed by SIGKILL instead, and mpirun must end the job by itself.
local torch = require "luagrad"
local dist = torch.distributed
dist.init_process_group{backend = "mpi"}
local rank = dist.get_rank()
if rank == dist.get_world_size() - 1 then
  if arg[1] == "signal" then
    local pid = io.open("/proc/self/stat"):read("n")
    os.execute("kill -KILL " .. pid)
  end
  error("rank " .. rank .. " gives up on purpose")
end
-- The others wait in an all-reduce the failing rank never joins.
dist.all_reduce(torch.ones(4))
print("rank " .. rank .. " should never get here")
