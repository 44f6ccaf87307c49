-- The classifier epoch of classifier_epoch.lua (2048 × 64 inputs, global batches of 64,
-- Linear(64, 256)-ReLU-Linear(256, 10), cross-entropy, SGD with momentum), trained
-- data-parallel: under `mpirun -np N` every rank takes 64/N rows of each global batch
-- (DistributedSampler) and DistributedDataParallel averages the gradients; launched alone, one
-- process trains the plain network. One epoch per unit; rank 0 reports. scripts/bench compares
-- 2 ranks of 1 thread each with 1 process of 2 threads (OMP_NUM_THREADS).
package.path = arg[0]:match("(.*/)") .. "?.lua;" .. package.path
local bench = require "common"
local nn, data, dist = torch.nn, torch.utils.data, torch.distributed
local ranks = tonumber(os.getenv("OMPI_COMM_WORLD_SIZE") or "1")
torch.manual_seed(0)
local X = torch.randn(2048, 64)
local y = torch.randint(1, 11, {2048})
local dataset = data.TensorDataset(X, y)
local net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
local loader, sampler
if ranks > 1 then
  dist.init_process_group{backend = "mpi"}
  sampler = data.DistributedSampler(dataset, {shuffle = true})
  loader = data.DataLoader(dataset, {batch_size = 64 // ranks, sampler = sampler})
  net = nn.parallel.DistributedDataParallel(net)
  -- Only rank 0 reports: the ranks run in step, held together by the all-reduces.
  if dist.get_rank() ~= 0 then print = function() end end
else
  loader = data.DataLoader(dataset, {batch_size = 64, shuffle = true})
end
local loss_fn = nn.CrossEntropyLoss()
local opt = torch.optim.SGD(net:parameters(), {lr = 0.1, momentum = 0.9})
local epoch = 0
bench.run("ddp_epoch", 5, function()
  epoch = epoch + 1
  if sampler then sampler:set_epoch(epoch) end
  for Xb, yb in loader:iter() do
    opt:zero_grad()
    loss_fn(net(Xb), yb):backward()
    opt:step()
  end
end)
if ranks > 1 then dist.destroy_process_group() end
