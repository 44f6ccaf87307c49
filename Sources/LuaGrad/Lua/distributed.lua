-- torch.distributed on Open MPI (DESIGN.md §9), with PyTorch's names and semantics, and
-- torch.utils.data.DistributedSampler.
--
-- The primitives live in `torch.distributed._C` (Sources/LuaGrad/Bindings/Distributed*.swift):
-- each runs an MPI operation, blocking or (last argument true) started non-blocking, and
-- returns the number of its work. Here the arguments are read PyTorch's way (positional, or
-- an options table: `{op=, async_op=}`); a blocking call's work is completed at once.
--
-- Ranks are MPI's numbers (0 is the first process), as in PyTorch: unlike positions in
-- tensors, ranks do not count from 1.
local torch = ...
local raise = torch.optim._raise
local dist = torch.distributed

-- The primitives, each called so that its errors name the user's line, not this file's.
local C = {}
for name, primitive in pairs(dist._C) do
  C[name] = function(...)
    local results = table.pack(pcall(primitive, ...))
    if not results[1] then
      local message = results[2]
      if type(message) == "string" then message = message:gsub("^luagrad/distributed%.lua:%d+: ", "") end
      raise(message)
    end
    return table.unpack(results, 2, results.n)
  end
end

-- MARK: - Reduce ops and works

--- `dist.ReduceOp.SUM`, ... (AVG divides the sum by the world size; floating point only).
dist.ReduceOp = { SUM = "SUM", PRODUCT = "PRODUCT", MIN = "MIN", MAX = "MAX", AVG = "AVG" }

--- A started operation (`async_op=true`): `work:wait()` blocks until it completes (and the
--- tensors hold the result); `work:is_completed()` asks without blocking.
local Work = { __name = "Work" }
Work.__index = Work
dist.Work = Work

local function work(id) return setmetatable({ _id = id, _done = false }, Work) end

function Work:wait()
  if not self._done then
    self._source = C.wait(self._id)
    self._done = true
  end
  return true
end

function Work:is_completed()
  if not self._done and C.test(self._id) then self._done = true end
  return self._done
end

--- The sender's rank, once a receive has completed.
function Work:source_rank()
  if not self._done then raise("source_rank(): the receive has not completed; call wait() first") end
  return self._source
end

function Work:__tostring() return "<torch.distributed.Work " .. (self._done and "completed" or "pending") .. ">" end

-- MARK: - Arguments

-- The options of a call whose optional argument may be the options table or the value of
-- its first option (`broadcast(t, 0)` or `broadcast(t, {src = 0})`).
local function options(arg, positional, function_name)
  if arg == nil then return {} end
  if type(arg) == "table" then return arg end
  if positional == nil then raise(function_name .. "(): expected an options table, got " .. type(arg)) end
  return { [positional] = arg }
end

local function check_tensor(t, function_name, position)
  if not torch.is_tensor(t) then
    raise(function_name .. "(): argument #" .. (position or 1) .. " must be a Tensor, got " .. type(t))
  end
end

local function check_op(op, function_name)
  if op == nil then return "SUM" end
  if dist.ReduceOp[op] ~= op then
    raise(function_name .. "(): op must be one of dist.ReduceOp.SUM, PRODUCT, MIN, MAX, AVG, got " .. tostring(op))
  end
  return op
end

local function check_group(function_name)
  if not C.is_initialized() then
    raise("Default process group has not been initialized, please make sure to call init_process_group.")
  end
end

-- Waits for the work unless `async_op` asked for it; returns the work or nil, as PyTorch.
local function finish(id, opts)
  local w = work(id)
  if opts.async_op then return w end
  w:wait()
  return nil
end

-- MARK: - The process group

--- `dist.is_available()`: whether this build has torch.distributed (always).
function dist.is_available() return true end

--- `dist.is_mpi_available()`: whether Open MPI can be loaded (and why not).
function dist.is_mpi_available() return C.available() end

--- `dist.init_process_group{backend="mpi"}`: joins the MPI job this process was launched in
--- (`mpirun -np N luagrad script.lua`; a process launched alone is a job of one rank).
function dist.init_process_group(opts)
  opts = options(opts, "backend", "init_process_group")
  local backend = opts.backend or "mpi"
  if type(backend) ~= "string" or backend:lower() ~= "mpi" then
    raise("init_process_group(): LuaGrad's backend is 'mpi' (Open MPI, launched with mpirun), got '" .. tostring(backend) .. "'")
  end
  if C.is_initialized() then raise("trying to initialize the default process group twice!") end
  local rank, size = C.init()
  if opts.world_size ~= nil and opts.world_size ~= -1 and opts.world_size ~= size then
    raise("init_process_group(): world_size=" .. tostring(opts.world_size) .. " but MPI started " .. size .. " processes")
  end
  if opts.rank ~= nil and opts.rank ~= -1 and opts.rank ~= rank then
    raise("init_process_group(): rank=" .. tostring(opts.rank) .. " but MPI gave this process rank " .. rank)
  end
  dist._rank, dist._world_size = rank, size
end

function dist.is_initialized() return C.is_initialized() end

--- `dist.destroy_process_group()`: waits for outstanding works and finalizes MPI (which
--- cannot be initialized again in the same process).
function dist.destroy_process_group()
  check_group("destroy_process_group")
  C.finalize()
end

function dist.get_rank()
  check_group("get_rank")
  return dist._rank
end

function dist.get_world_size()
  check_group("get_world_size")
  return dist._world_size
end

function dist.get_backend()
  check_group("get_backend")
  return "mpi"
end

-- MARK: - Collectives

--- `dist.all_reduce(t, {op=dist.ReduceOp.SUM, async_op=false})`: in place on every rank.
function dist.all_reduce(t, opts)
  check_tensor(t, "all_reduce")
  opts = options(opts, "op", "all_reduce")
  check_group("all_reduce")
  return finish(C.all_reduce(t, check_op(opts.op, "all_reduce"), opts.async_op == true), opts)
end

--- `dist.broadcast(t, {src=0})`: `src`'s tensor into `t` on every rank.
function dist.broadcast(t, opts)
  check_tensor(t, "broadcast")
  opts = options(opts, "src", "broadcast")
  check_group("broadcast")
  return finish(C.broadcast(t, opts.src or 0, opts.async_op == true), opts)
end

--- `dist.reduce(t, {dst=0, op=SUM})`: the reduction lands in `t` on `dst` only.
function dist.reduce(t, opts)
  check_tensor(t, "reduce")
  opts = options(opts, "dst", "reduce")
  check_group("reduce")
  return finish(C.reduce(t, opts.dst or 0, check_op(opts.op, "reduce"), opts.async_op == true), opts)
end

--- `dist.all_gather(tensor_list, t)`: rank r's `t` into `tensor_list[r + 1]` everywhere.
function dist.all_gather(tensor_list, t, opts)
  check_tensor(t, "all_gather", 2)
  opts = options(opts, nil, "all_gather")
  check_group("all_gather")
  return finish(C.all_gather(tensor_list, t, opts.async_op == true), opts)
end

--- `dist.gather(t, {gather_list=, dst=0})`: rank r's `t` into `gather_list[r + 1]` on `dst`.
function dist.gather(t, opts)
  check_tensor(t, "gather")
  opts = options(opts, nil, "gather")
  check_group("gather")
  local dst = opts.dst or 0
  if dst == dist._rank and opts.gather_list == nil then raise("gather(): gather_list is required on the destination rank") end
  return finish(C.gather(t, opts.gather_list, dst, opts.async_op == true), opts)
end

--- `dist.scatter(t, {scatter_list=, src=0})`: `scatter_list[r + 1]` on `src` into `t` on rank r.
function dist.scatter(t, opts)
  check_tensor(t, "scatter")
  opts = options(opts, nil, "scatter")
  check_group("scatter")
  local src = opts.src or 0
  if src == dist._rank and opts.scatter_list == nil then raise("scatter(): scatter_list is required on the source rank") end
  return finish(C.scatter(t, opts.scatter_list, src, opts.async_op == true), opts)
end

--- `dist.reduce_scatter(output, input_list, {op=SUM})`: the reduction over ranks of
--- `input_list[r + 1]` into `output` on rank r.
function dist.reduce_scatter(output, input_list, opts)
  check_tensor(output, "reduce_scatter")
  opts = options(opts, "op", "reduce_scatter")
  check_group("reduce_scatter")
  return finish(C.reduce_scatter(output, input_list, check_op(opts.op, "reduce_scatter"), opts.async_op == true), opts)
end

--- `dist.barrier()`: returns once every rank has called it.
function dist.barrier(opts)
  opts = options(opts, nil, "barrier")
  check_group("barrier")
  return finish(C.barrier(opts.async_op == true), opts)
end

-- MARK: - Point to point

--- `dist.send(t, {dst=, tag=0})`: blocks until `t` is sent.
function dist.send(t, opts)
  check_tensor(t, "send")
  opts = options(opts, "dst", "send")
  check_group("send")
  if opts.dst == nil then raise("send(): dst is required") end
  work(C.send(t, opts.dst, opts.tag, false)):wait()
end

--- `dist.recv(t, {src=, tag=0})`: receives into `t` (from any rank without `src`); returns
--- the sender's rank.
function dist.recv(t, opts)
  check_tensor(t, "recv")
  opts = options(opts, "src", "recv")
  check_group("recv")
  local w = work(C.recv(t, opts.src, opts.tag, false))
  w:wait()
  return w._source
end

--- `dist.isend(t, {dst=})` and `dist.irecv(t, {src=})`: the same, returning the work.
function dist.isend(t, opts)
  check_tensor(t, "isend")
  opts = options(opts, "dst", "isend")
  check_group("isend")
  if opts.dst == nil then raise("isend(): dst is required") end
  return work(C.send(t, opts.dst, opts.tag, true))
end

function dist.irecv(t, opts)
  check_tensor(t, "irecv")
  opts = options(opts, "src", "irecv")
  check_group("irecv")
  return work(C.recv(t, opts.src, opts.tag, true))
end

-- MARK: - DistributedSampler

local data = torch.utils.data

--- `DistributedSampler(dataset, {num_replicas, rank, shuffle=true, seed=0, drop_last=false})`:
--- this rank's share of the positions, PyTorch's order: one `randperm` by a generator seeded
--- with `seed + epoch`, padded (or cut, with drop_last) to a multiple of `num_replicas`, then
--- every `num_replicas`-th position starting at `rank`. Positions count from 1.
local DistributedSampler = setmetatable({ __name = "DistributedSampler" }, {
  __call = function(cls, ...) return cls.new(...) end,
})
DistributedSampler.__index = DistributedSampler
data.DistributedSampler = DistributedSampler

function DistributedSampler.new(dataset, opts)
  opts = opts or {}
  local num_replicas, rank = opts.num_replicas, opts.rank
  if num_replicas == nil then
    if not C.is_initialized() then raise("DistributedSampler(): num_replicas is required when the process group is not initialized") end
    num_replicas = dist.get_world_size()
  end
  if rank == nil then
    if not C.is_initialized() then raise("DistributedSampler(): rank is required when the process group is not initialized") end
    rank = dist.get_rank()
  end
  if math.type(num_replicas) ~= "integer" or num_replicas < 1 then
    raise("DistributedSampler(): num_replicas must be a positive integer, got " .. tostring(num_replicas))
  end
  if math.type(rank) ~= "integer" or rank >= num_replicas or rank < 0 then
    raise("Invalid rank " .. tostring(rank) .. ", rank should be in the interval [0, " .. (num_replicas - 1) .. "]")
  end
  local n = #dataset
  local drop_last = opts.drop_last == true
  local num_samples
  if drop_last and n % num_replicas ~= 0 then
    num_samples = math.ceil((n - num_replicas) / num_replicas)
  else
    num_samples = math.ceil(n / num_replicas)
  end
  return setmetatable({
    dataset = dataset, num_replicas = num_replicas, rank = rank, epoch = 0, drop_last = drop_last,
    num_samples = num_samples, total_size = num_samples * num_replicas,
    shuffle = opts.shuffle ~= false, seed = opts.seed or 0,
  }, DistributedSampler)
end

function DistributedSampler:__len() return self.num_samples end

--- `sampler:set_epoch(epoch)`: a different shuffle per epoch, the same on every rank.
function DistributedSampler:set_epoch(epoch)
  if math.type(epoch) ~= "integer" then raise("set_epoch(): epoch must be an integer, got " .. tostring(epoch)) end
  self.epoch = epoch
end

--- This rank's positions, as a Lua array.
function DistributedSampler:indices()
  local n = #self.dataset
  local indices
  if self.shuffle then
    local g = torch.Generator():manual_seed(self.seed + self.epoch)
    indices = torch.randperm(n, { generator = g }):tolist()  -- positions 1..n
  else
    indices = {}
    for k = 1, n do indices[k] = k end
  end
  -- Pad by repeating from the start (as often as needed), or cut, to total_size.
  local k = 1
  while #indices < self.total_size do
    indices[#indices + 1] = indices[k]
    k = k + 1
  end
  local mine = {}
  for i = self.rank + 1, self.total_size, self.num_replicas do mine[#mine + 1] = indices[i] end
  return mine
end

function DistributedSampler:iter()
  local mine, k = self:indices(), 0
  return function()
    k = k + 1
    return mine[k]
  end
end

function DistributedSampler:__tostring() return "<torch.utils.data.DistributedSampler object>" end
