-- Data-parallel training with torch.distributed and DistributedDataParallel.
--
--   luagrad ddp-train.lua                                      -- one process
--   mpirun -np 2 luagrad ddp-train.lua                         -- two ranks on this machine
--   mpirun --hostfile hosts -np 8 luagrad ddp-train.lua        -- eight ranks on several
--
-- Every rank builds the same data and model, takes its share of each global batch of 60
-- samples through a DistributedSampler, and DDP averages the gradients, so the run prints the
-- same numbers on any number of ranks (1, 2, 3, 4, 5 or 6) as one process training on the
-- whole batches: Tests/examples/ddp-train.py is that process in PyTorch.
local torch = require "luagrad"
local nn, data, dist = torch.nn, torch.utils.data, torch.distributed

-- Under mpirun, join the job; launched alone, train as the only rank.
local distributed = os.getenv("OMPI_COMM_WORLD_SIZE") ~= nil
if distributed then dist.init_process_group{backend = "mpi"} end
local rank = distributed and dist.get_rank() or 0
local world_size = distributed and dist.get_world_size() or 1

-- Synthetic data: 600 points in 4 dimensions, labelled by which of 3 directions they lean to.
torch.manual_seed(0)
local X = torch.randn(600, 4)
local directions = torch.randn(4, 3)
local y = (X:matmul(directions)):argmax(2)
local dataset = data.TensorDataset(X, y)

local global_batch = 60
if global_batch % world_size ~= 0 then
  error("the global batch of " .. global_batch .. " samples does not split evenly over " .. world_size .. " ranks")
end
local sampler = data.DistributedSampler(dataset, { num_replicas = world_size, rank = rank, shuffle = true, seed = 0 })
local loader = data.DataLoader(dataset, { batch_size = global_batch // world_size, sampler = sampler })

torch.manual_seed(1)
local model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))
if distributed then model = nn.parallel.DistributedDataParallel(model) end
local optimizer = torch.optim.SGD(model:parameters(), { lr = 0.2, momentum = 0.9 })
local loss_fn = nn.CrossEntropyLoss()

for epoch = 1, 5 do
  sampler:set_epoch(epoch)
  local total, batches = 0, 0
  for xb, yb in loader:iter() do
    optimizer:zero_grad()
    local loss = loss_fn(model(xb), yb)
    loss:backward()
    optimizer:step()
    -- The global batch's loss: the mean of the ranks' (their shares are the same size).
    local global_loss = loss:detach()
    if distributed then dist.all_reduce(global_loss, { op = dist.ReduceOp.AVG }) end
    total, batches = total + global_loss:item(), batches + 1
  end
  if rank == 0 then
    local accuracy = torch.no_grad(function()
      return (model(X):argmax(2):eq(y)):double():mean():item()
    end)
    print(string.format("epoch %d: loss %.4f, accuracy %.4f", epoch, total / batches, accuracy))
  end
end
if distributed then dist.destroy_process_group() end
