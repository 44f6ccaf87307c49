-- DistributedDataParallel on N ranks against one process: run by scripts/test-distributed
-- under `mpirun -np 2`. Every rank also trains a plain copy of the model on the whole global
-- batch, so "one process" is computed right here; a failed check raises, which aborts the job.
local torch = require "luagrad"
local nn, dist = torch.nn, torch.distributed

dist.init_process_group{backend = "mpi"}
local rank, n = dist.get_rank(), dist.get_world_size()

local function check(ok, what)
  if not ok then error("rank " .. rank .. ": " .. what, 2) end
end

local function close_params(a, b, tolerance, what)
  local pa, pb = a:parameters(), b:parameters()
  for k = 1, #pa do
    local diff = (pa[k] - pb[k]):abs():max():item()
    check(diff <= tolerance, what .. ": parameter " .. k .. " differs by " .. diff)
  end
end

-- The model: seeded per rank, so that only DDP's broadcast makes the ranks agree.
local function make_model(seed)
  torch.manual_seed(seed)
  return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
end

-- Global batches, the same on every rank; rank r takes rows r*per+1 .. (r+1)*per.
local per, steps = 8, 5
local g = torch.Generator():manual_seed(1234)
local batches = {}
for step = 1, steps do
  batches[step] = { torch.randn({ n * per, 4 }, { generator = g }), torch.randn({ n * per, 3 }, { generator = g }) }
end
local function shard(t) return t:narrow(1, rank * per + 1, per) end

-- MARK: Construction broadcasts rank 0's parameters

local reference = make_model(100)
for _, cap in ipairs({ 25, 0.0002 }) do
  local ddp = nn.parallel.DistributedDataParallel(make_model(100 + rank), { bucket_cap_mb = cap })
  close_params(ddp.module, reference, 0, "after construction (bucket_cap_mb=" .. cap .. ")")

  -- MARK: Training equals one process on the global batches
  local single = make_model(100)
  local opt = torch.optim.SGD(ddp:parameters(), { lr = 0.1, momentum = 0.9 })
  local opt_single = torch.optim.SGD(single:parameters(), { lr = 0.1, momentum = 0.9 })
  for step = 1, steps do
    local x, y = batches[step][1], batches[step][2]
    opt:zero_grad()
    nn.functional.mse_loss(ddp(shard(x)), shard(y)):backward()
    opt:step()
    opt_single:zero_grad()
    nn.functional.mse_loss(single(x), y):backward()
    opt_single:step()
  end
  close_params(ddp.module, single, 1e-6, "DDP vs one process (bucket_cap_mb=" .. cap .. ")")
  -- Rebuilt after the first step, a small cap makes several buckets.
  if cap < 1 then check(#ddp:bucket_sizes() > 2, "a small cap makes several buckets, got " .. #ddp:bucket_sizes()) end
end

-- MARK: no_sync accumulation equals one larger batch

for _, form in ipairs({ "function", "close" }) do
  local ddp = nn.parallel.DistributedDataParallel(make_model(7 + rank))
  local single = make_model(7)
  local x, y = batches[1][1], batches[1][2]
  local half = per // 2
  local function micro(t, k) return shard(t):narrow(1, (k - 1) * half + 1, half) end
  local function first_micro()
    nn.functional.mse_loss(ddp(micro(x, 1)), micro(y, 1)):backward()
  end
  if form == "function" then
    ddp:no_sync(first_micro)
  else
    do
      local _ <close> = ddp:no_sync()
      first_micro()
    end
  end
  -- Inside no_sync the gradients stayed local: they differ across ranks.
  local local_grad = ddp.module[1].weight.grad:clone()
  local spread = local_grad:clone()
  dist.all_reduce(spread, { op = dist.ReduceOp.MAX })
  check(n == 1 or not torch.equal(spread, local_grad) or rank == 0, "no_sync kept the gradients local (" .. form .. ")")
  nn.functional.mse_loss(ddp(micro(x, 2)), micro(y, 2)):backward()
  -- One process: the sum over micro-batches of the mean over ranks.
  local total = nil
  for k = 1, 2 do
    local rows = {}
    for r = 0, n - 1 do
      rows[#rows + 1] = x:narrow(1, r * per + (k - 1) * half + 1, half)
    end
    local targets = {}
    for r = 0, n - 1 do
      targets[#targets + 1] = y:narrow(1, r * per + (k - 1) * half + 1, half)
    end
    local loss = nn.functional.mse_loss(single(torch.cat(rows)), torch.cat(targets))
    total = total and total + loss or loss
  end
  total:backward()
  local pd, ps = ddp:parameters(), single:parameters()
  for k = 1, #pd do
    local diff = (pd[k].grad - ps[k].grad):abs():max():item()
    check(diff <= 1e-6, "no_sync (" .. form .. "): gradient " .. k .. " differs by " .. diff)
  end
end

-- MARK: A parameter without a gradient: PyTorch's error at the next forward

local Net = nn.Module:extend("Net")
function Net:__init()
  self.a = nn.Linear(2, 2)
  self.b = nn.Linear(2, 2)
end
function Net:forward(x) return self.a(x) end
local ddp = nn.parallel.DistributedDataParallel(Net())
ddp(torch.ones(1, 2)):sum():backward()
local ok, message = pcall(ddp, torch.ones(1, 2))
local fixture = io.open(arg[1] .. "/fixtures/ddp_unused.txt"):read("a")
-- The fixture ran as rank 0.
local expected = fixture:match("RuntimeError\n(.-)\n$"):gsub("for rank 0:", "for rank " .. rank .. ":")
check(expected ~= nil, "the fixture holds the error text")
check(not ok and message:gsub("^[^\n]-:%d+: ", "") == expected, "unused parameter error:\n" .. tostring(message))
local unused = nn.parallel.DistributedDataParallel(Net(), { find_unused_parameters = true })
for _ = 1, 2 do unused(torch.ones(1, 2)):sum():backward() end
check(unused.module.a.weight.grad ~= nil, "find_unused_parameters: the used parameters got gradients")

-- MARK: Buckets: PyTorch's before and after they are rebuilt

-- fixtures/ddp_buckets.py: PyTorch's buckets (seen by a comm hook, gloo on 2 processes) during
-- each of three steps, for a network used in another order than it registers its layers.
local Shuffled = nn.Module:extend("Shuffled")
function Shuffled:__init()
  self.embed = nn.Linear(8, 600)
  self.big = nn.Linear(600, 600)
  self.head = nn.Linear(600, 4)
  self.skip = nn.Linear(8, 8)
end
function Shuffled:forward(x)
  local h = torch.tanh(self.skip(x))
  h = torch.tanh(self.embed(h))
  h = torch.tanh(self.big(h))
  return self.head(h)
end
local layouts = {}
for _, config in ipairs({
  { "default", {} },
  { "bucket_cap_mb=0.01", { bucket_cap_mb = 0.01 } },
  { "find_unused_parameters", { find_unused_parameters = true } },
  { "find_unused_parameters bucket_cap_mb=0.01", { find_unused_parameters = true, bucket_cap_mb = 0.01 } },
}) do
  local name, opts = config[1], config[2]
  local shuffled = nn.parallel.DistributedDataParallel(Shuffled(), opts)
  for step = 1, 3 do
    -- The forward pass rebuilds the buckets; this step's backward uses what it leaves.
    local out = shuffled(torch.randn(4, 8))
    local sizes = shuffled:bucket_sizes()
    for k, indices in ipairs(shuffled:bucket_indices()) do
      layouts[#layouts + 1] = string.format("%s step %d bucket %d: %s (%d bytes)",
        name, step, k - 1, table.concat(indices, " "), sizes[k])
    end
    out:square():sum():backward()
  end
end
local expected_layouts = io.open(arg[1] .. "/fixtures/ddp_buckets.txt"):read("a")
check(table.concat(layouts, "\n") .. "\n" == expected_layouts, "bucket layouts:\n" .. table.concat(layouts, "\n"))

-- MARK: Printing

local printed = tostring(nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(2, 2), nn.ReLU())))
local expected_print = fixture:match("^(.-\n%)\n)")
check(printed .. "\n" == expected_print, "printing:\n" .. printed)

print(string.format("rank %d of %d: DDP checks passed", rank, n))
