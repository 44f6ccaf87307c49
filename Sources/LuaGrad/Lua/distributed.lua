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

-- `dist.ReduceOp.SUM`, ... (AVG divides the sum by the world size; floating point only).
dist.ReduceOp = { SUM = "SUM", PRODUCT = "PRODUCT", MIN = "MIN", MAX = "MAX", AVG = "AVG" }

--- dist.Work
--- A started operation (`async_op=true`): `work:wait()` blocks until it completes (and the
--- tensors hold the result); `work:is_completed()` asks without blocking.
local Work = { __name = "Work" }
Work.__index = Work
dist.Work = Work

local function work(id) return setmetatable({ _id = id, _done = false }, Work) end

--- work:wait() -> true
--- Blocks until the operation completes.
function Work:wait()
  if not self._done then
    self._source = C.wait(self._id)
    self._done = true
  end
  return true
end

--- work:is_completed() -> boolean
--- Whether the operation has completed (never blocks).
function Work:is_completed()
  if not self._done and C.test(self._id) then self._done = true end
  return self._done
end

--- work:source_rank() -> integer
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

--- dist.is_available() -> boolean
--- Whether this build has torch.distributed (always).
function dist.is_available() return true end

--- dist.is_mpi_available() -> boolean[, reason]
--- Whether Open MPI's library can be loaded, and why not.
function dist.is_mpi_available() return C.available() end

--- dist.init_process_group{backend="mpi", world_size=nil, rank=nil}
--- Joins the Open MPI job this process was launched in (`mpirun -np N luagrad script.lua`; a
--- process launched alone is a job of one rank); loads libmpi at this call.
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

--- dist.is_initialized() -> boolean
--- Whether the default process group exists.
function dist.is_initialized() return C.is_initialized() end

--- dist.destroy_process_group()
--- Waits for outstanding works and finalizes MPI (which cannot be initialized again in the
--- same process).
function dist.destroy_process_group()
  check_group("destroy_process_group")
  C.finalize()
end

--- dist.get_rank() -> integer
--- This process's rank (MPI's number: 0 is the first).
function dist.get_rank()
  check_group("get_rank")
  return dist._rank
end

--- dist.get_world_size() -> integer
--- The number of processes in the job.
function dist.get_world_size()
  check_group("get_world_size")
  return dist._world_size
end

--- dist.get_backend() -> string
--- "mpi".
function dist.get_backend()
  check_group("get_backend")
  return "mpi"
end

-- MARK: - Collectives

--- dist.all_reduce(t, {op=dist.ReduceOp.SUM, async_op=false}) -> Work?
--- Reduces t across ranks, in place on every rank (SUM, PRODUCT, MIN, MAX, AVG).
function dist.all_reduce(t, opts)
  check_tensor(t, "all_reduce")
  opts = options(opts, "op", "all_reduce")
  check_group("all_reduce")
  return finish(C.all_reduce(t, check_op(opts.op, "all_reduce"), opts.async_op == true), opts)
end

--- dist.broadcast(t, {src=0, async_op=false}) -> Work?
--- Copies src's t into t on every rank.
function dist.broadcast(t, opts)
  check_tensor(t, "broadcast")
  opts = options(opts, "src", "broadcast")
  check_group("broadcast")
  return finish(C.broadcast(t, opts.src or 0, opts.async_op == true), opts)
end

--- dist.reduce(t, {dst=0, op=SUM, async_op=false}) -> Work?
--- Reduces t across ranks into t on dst only.
function dist.reduce(t, opts)
  check_tensor(t, "reduce")
  opts = options(opts, "dst", "reduce")
  check_group("reduce")
  return finish(C.reduce(t, opts.dst or 0, check_op(opts.op, "reduce"), opts.async_op == true), opts)
end

--- dist.all_gather(tensor_list, t, {async_op=false}) -> Work?
--- Rank r's t into tensor_list[r + 1] on every rank.
function dist.all_gather(tensor_list, t, opts)
  check_tensor(t, "all_gather", 2)
  opts = options(opts, nil, "all_gather")
  check_group("all_gather")
  return finish(C.all_gather(tensor_list, t, opts.async_op == true), opts)
end

-- gather and scatter: `t` on every rank, the table `opts[list_key]` on the rank
-- `opts[root_key]` (0 by default) only.
local function exchange_with_root(name, t, opts, list_key, root_key, role)
  check_tensor(t, name)
  opts = options(opts, nil, name)
  check_group(name)
  local root = opts[root_key] or 0
  if root == dist._rank and opts[list_key] == nil then
    raise(name .. "(): " .. list_key .. " is required on the " .. role .. " rank")
  end
  return finish(C[name](t, opts[list_key], root, opts.async_op == true), opts)
end

--- dist.gather(t, {gather_list=nil, dst=0, async_op=false}) -> Work?
--- Rank r's t into gather_list[r + 1] on dst.
function dist.gather(t, opts) return exchange_with_root("gather", t, opts, "gather_list", "dst", "destination") end

--- dist.scatter(t, {scatter_list=nil, src=0, async_op=false}) -> Work?
--- scatter_list[r + 1] on src into t on rank r.
function dist.scatter(t, opts) return exchange_with_root("scatter", t, opts, "scatter_list", "src", "source") end

--- dist.reduce_scatter(output, input_list, {op=SUM, async_op=false}) -> Work?
--- The reduction across ranks of input_list[r + 1] into output on rank r.
function dist.reduce_scatter(output, input_list, opts)
  check_tensor(output, "reduce_scatter")
  opts = options(opts, "op", "reduce_scatter")
  check_group("reduce_scatter")
  return finish(C.reduce_scatter(output, input_list, check_op(opts.op, "reduce_scatter"), opts.async_op == true), opts)
end

--- dist.barrier({async_op=false}) -> Work?
--- Returns once every rank has called it.
function dist.barrier(opts)
  opts = options(opts, nil, "barrier")
  check_group("barrier")
  return finish(C.barrier(opts.async_op == true), opts)
end

-- MARK: - Point to point

-- send, recv, isend and irecv: the work of a message to or from the rank `opts[peer]`
-- ("dst", required, or "src", any rank when nil), started non-blocking when `async`.
local function message(name, primitive, t, opts, peer, async)
  check_tensor(t, name)
  opts = options(opts, peer, name)
  check_group(name)
  if peer == "dst" and opts.dst == nil then raise(name .. "(): dst is required") end
  return work(primitive(t, opts[peer], opts.tag, async))
end

--- dist.send(t, {dst, tag=0})
--- Sends t to rank dst (blocks until sent).
function dist.send(t, opts) message("send", C.send, t, opts, "dst", false):wait() end

--- dist.recv(t, {src=nil, tag=0}) -> integer
--- Receives into t from src (any rank when nil); returns the sender's rank.
function dist.recv(t, opts)
  local w = message("recv", C.recv, t, opts, "src", false)
  w:wait()
  return w._source
end

--- dist.isend(t, {dst, tag=0}) -> Work
--- send, started: returns the work.
function dist.isend(t, opts) return message("isend", C.send, t, opts, "dst", true) end

--- dist.irecv(t, {src=nil, tag=0}) -> Work
--- recv, started: returns the work.
function dist.irecv(t, opts) return message("irecv", C.recv, t, opts, "src", true) end

-- MARK: - DistributedSampler

local data = torch.utils.data

--- data.DistributedSampler(dataset, {num_replicas, rank, shuffle=true, seed=0, drop_last=false})
--- This rank's share of the positions, in PyTorch's order: one `randperm` by a generator
--- seeded with `seed + epoch`, padded (or cut, with drop_last) to a multiple of
--- `num_replicas`, then every `num_replicas`-th position starting at `rank`. Positions count
--- from 1.
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

--- sampler:set_epoch(epoch)
--- Reshuffles with seed + epoch: a different order per epoch, the same on every rank.
function DistributedSampler:set_epoch(epoch)
  if math.type(epoch) ~= "integer" then raise("set_epoch(): epoch must be an integer, got " .. tostring(epoch)) end
  self.epoch = epoch
end

--- sampler:indices() -> {positions...}
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

--- sampler:iter() -> iterator
--- Iterates over this rank's positions.
function DistributedSampler:iter()
  local mine, k = self:indices(), 0
  return function()
    k = k + 1
    return mine[k]
  end
end

function DistributedSampler:__tostring() return "<torch.utils.data.DistributedSampler object>" end
