-- torch.nn.parallel.DistributedDataParallel on torch.distributed (DESIGN.md §9), after
-- PyTorch's torch/nn/parallel/distributed.py and torch/csrc/distributed/c10d/reducer.cpp.
--
-- The gradients are averaged across ranks in buckets: flat tensors holding the gradients of
-- several parameters. A gradient hook on each parameter copies its gradient into its bucket;
-- when a bucket is full its all-reduce starts, non-blocking, while backward goes on computing
-- the next gradients; a final callback of the backward pass waits for them all and writes the
-- averages back into `.grad` before `backward()` returns. Buckets start in order, so every
-- rank issues the same sequence of all-reduces.
--
-- The buckets are PyTorch's. Before the first iteration registration order is all DDP knows,
-- and it need not be the order of use, so every parameter goes in one bucket (with
-- `find_unused_parameters`: buckets by size in registration order, reduced last one first).
-- During the first synchronized backward pass the hooks note the order the gradients became
-- ready in; the next forward rebuilds the buckets in that order (rank 0's), the first one
-- capped at 1 MiB so that its all-reduce starts early, the others at `bucket_cap_mb`.
local torch = ...
local nn, dist = torch.nn, torch.distributed
local raise = torch.optim._raise

nn.parallel = nn.parallel or {}

-- PyTorch's units: `bucket_cap_mb` counts MiB; the first rebuilt bucket holds 1 MiB
-- (`dist._DEFAULT_FIRST_BUCKET_BYTES`) when the cap is the default.
local MB = 1024 * 1024
local DEFAULT_BUCKET_CAP_MB = 25
local DEFAULT_FIRST_BUCKET_BYTES = MB

-- PyTorch's text when a parameter got no gradient in the previous iteration
-- (Tests/distributed/fixtures/ddp_unused.py made it).
local function unfinished_reduction_message(indices, rank)
  return "Expected to have finished reduction in the prior iteration before starting a new one. "
    .. "This error indicates that your module has parameters that were not used in producing loss. "
    .. "You can enable unused parameter detection by passing the keyword argument `find_unused_parameters=True` "
    .. "to `torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs "
    .. "participate in calculating loss. \nIf you already have done the above, then the distributed data parallel "
    .. "module wasn't able to locate the output tensors in the return value of your module's `forward` function. "
    .. "Please include the loss function and the structure of the return value of `forward` of your module when "
    .. "reporting this issue (e.g. list, dict, iterable).\nParameter indices which did not receive grad for rank "
    .. rank .. ": " .. table.concat(indices, " ") .. "\n In addition, you can set the environment variable "
    .. "TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL to print out information about which particular "
    .. "parameters did not receive gradient on this rank as part of this error"
end

-- MARK: - Bucket assignment

-- PyTorch's compute_bucket_assignment_by_size: walks `order` (positions in `params`) keeping
-- one open bucket per dtype, and closes a bucket once its bytes reach its dtype's current
-- limit; each dtype uses `limits` in turn, the last one for all its later buckets. Returns
-- the closed buckets, then the ones left open (in the order they were opened), each a list
-- of positions in the order walked.
local function assign_by_size(params, order, limits)
  local buckets, open, opened, limit_of = {}, {}, {}, {}
  for _, position in ipairs(order) do
    local p = params[position]
    local dtype = tostring(p.dtype)
    local bucket = open[dtype]
    if bucket == nil then
      bucket = { bytes = 0 }
      open[dtype] = bucket
      opened[#opened + 1] = bucket
    end
    bucket[#bucket + 1] = position
    bucket.bytes = bucket.bytes + p:numel() * p:element_size()
    local k = limit_of[dtype] or 1
    if bucket.bytes >= limits[k] then
      buckets[#buckets + 1] = bucket
      bucket.closed = true
      open[dtype] = nil
      limit_of[dtype] = math.min(k + 1, #limits)
    end
  end
  for _, bucket in ipairs(opened) do
    if not bucket.closed then buckets[#buckets + 1] = bucket end
  end
  return buckets
end

-- The buckets DDP's constructor makes: positions walked in registration order, the buckets
-- sorted by their first position, then reversed, since the last parameters registered are
-- expected to get their gradients first.
local function initial_assignment(params, limits)
  local order = {}
  for position = 1, #params do order[position] = position end
  local buckets = assign_by_size(params, order, limits)
  table.sort(buckets, function(a, b) return a[1] < b[1] end)
  local reversed = {}
  for k = #buckets, 1, -1 do reversed[#reversed + 1] = buckets[k] end
  return reversed
end

-- Allocates the flat tensor of each bucket of `assignment` and a view of it per parameter.
-- Returns the buckets and, per position in `params`, the parameter's entry in its bucket.
local function allocate_buckets(params, assignment)
  local buckets, entries = {}, {}
  for k, positions in ipairs(assignment) do
    local first = params[positions[1]]
    local bucket = { entries = {}, numel = 0, bytes = positions.bytes, dtype = first.dtype }
    for _, position in ipairs(positions) do
      local p = params[position]
      local entry = { param = p, index = position, offset = bucket.numel, numel = p:numel(), bucket = bucket }
      bucket.entries[#bucket.entries + 1] = entry
      bucket.numel = bucket.numel + entry.numel
      entries[position] = entry
    end
    bucket.flat = torch.zeros({ bucket.numel }, { dtype = bucket.dtype })
    for _, entry in ipairs(bucket.entries) do
      entry.view = bucket.flat:narrow(1, entry.offset + 1, entry.numel):view(entry.param.shape)
    end
    buckets[k] = bucket
  end
  return buckets, entries
end

-- MARK: - The module

--- nn.parallel.DistributedDataParallel(module, {bucket_cap_mb=25, broadcast_buffers=true, find_unused_parameters=false})
--- Wraps module for data-parallel training: rank 0's parameters and buffers are broadcast at
--- construction, and every backward pass averages the gradients across ranks, in buckets
--- all-reduced while backward runs (docs/distributed.md).
local DDP = nn.Module:extend("DistributedDataParallel")
nn.parallel.DistributedDataParallel = DDP

-- Rank 0's parameters and buffers are broadcast now.
function DDP:__init(module, opts)
  opts = opts or {}
  if not dist.is_initialized() then
    raise("Default process group has not been initialized, please make sure to call init_process_group.")
  end
  if not nn.Module:isinstance(module) then raise("DistributedDataParallel(): expected an nn.Module, got " .. type(module)) end
  local cap_mb = opts.bucket_cap_mb or DEFAULT_BUCKET_CAP_MB
  if type(cap_mb) ~= "number" or cap_mb < 0 then
    raise("DistributedDataParallel(): bucket_cap_mb must be a non-negative number, got " .. tostring(cap_mb))
  end
  self.module = module
  local params = {}
  for _, p in ipairs(module:parameters()) do
    if p.requires_grad then params[#params + 1] = p end
  end
  if #params == 0 then
    raise("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.")
  end
  local cap = math.floor(cap_mb * MB)
  local first_cap = opts.bucket_cap_mb == nil and DEFAULT_FIRST_BUCKET_BYTES or cap
  local find_unused = opts.find_unused_parameters == true
  local state = {
    params = params,
    broadcast_buffers = opts.broadcast_buffers ~= false,
    find_unused_parameters = find_unused,
    require_backward_grad_sync = true,
    world_size = dist.get_world_size(),
    rank = dist.get_rank(),
    expect_hooks = false,
    rebuild_limits = { first_cap, cap },
    -- The positions of the parameters in the order their gradients became ready, noted during
    -- the first synchronized backward pass. PyTorch never rebuilds with find_unused_parameters:
    -- a parameter unused in the first iteration has no place in that order.
    ready_order = not find_unused and {} or nil,
  }
  local initial_limits = { math.huge }
  if find_unused then initial_limits = first_cap < cap and { first_cap, cap } or { cap } end
  state.buckets, state.entries = allocate_buckets(params, initial_assignment(params, initial_limits))
  self._ddp = state
  self:_sync_module_states()
  for position, p in ipairs(params) do
    p:register_hook(function(grad) self:_grad_ready(position, grad) end)
  end
end

-- Broadcasts rank 0's parameters and buffers to every rank.
function DDP:_sync_module_states()
  torch.no_grad(function()
    for _, p in ipairs(self.module:parameters()) do dist.broadcast(p, { src = 0 }) end
    for _, b in ipairs(self.module:buffers()) do dist.broadcast(b, { src = 0 }) end
  end)
end

--- ddp:bucket_sizes() -> {bytes...}
--- The gradient buckets' sizes in bytes, in the order they are all-reduced.
function DDP:bucket_sizes()
  local sizes = {}
  for k, bucket in ipairs(self._ddp.buckets) do sizes[k] = bucket.bytes end
  return sizes
end

--- ddp:bucket_indices() -> {{index...}...}
--- The parameters of each bucket, in the order the buckets are all-reduced and in their order
--- inside the bucket: PyTorch's 0-based indices into the parameters that require a gradient
--- (the numbers its error messages and its comm hooks' `GradBucket`s use).
function DDP:bucket_indices()
  local indices = {}
  for k, bucket in ipairs(self._ddp.buckets) do
    indices[k] = {}
    for i, entry in ipairs(bucket.entries) do indices[k][i] = entry.index - 1 end
  end
  return indices
end

-- MARK: Forward

--- ddp(...) / ddp:forward(...)
--- Runs the module; the next backward averages the gradients across ranks in buckets.
function DDP:forward(...)
  local state = self._ddp
  if state.unfinished then
    local indices = state.unfinished
    state.unfinished = nil
    raise(unfinished_reduction_message(indices, state.rank))
  end
  if torch.is_grad_enabled() and state.ready_order ~= nil and #state.ready_order > 0 then
    self:_rebuild_buckets()
  end
  if torch.is_grad_enabled() and state.require_backward_grad_sync then
    self:_prepare_for_backward()
  else
    state.expect_hooks = false
  end
  if state.broadcast_buffers and state.world_size > 1 then
    torch.no_grad(function()
      for _, b in ipairs(self.module:buffers()) do dist.broadcast(b, { src = 0 }) end
    end)
  end
  return self.module(...)
end

-- Rebuilds the buckets in the order the gradients became ready, once: rank 0's order, so
-- that every rank all-reduces the same buckets. An order missing some parameters (a pass that
-- failed) is dropped, and the next synchronized pass notes it again.
function DDP:_rebuild_buckets()
  local state = self._ddp
  local order = state.ready_order
  if #order ~= #state.params then
    state.ready_order = {}
    return
  end
  local shared = torch.tensor(order, { dtype = torch.int64 })
  dist.broadcast(shared, { src = 0 })
  local assignment = assign_by_size(state.params, shared:tolist(), state.rebuild_limits)
  state.buckets, state.entries = allocate_buckets(state.params, assignment)
  state.ready_order = nil
end

-- Arms the hooks for the coming backward pass.
function DDP:_prepare_for_backward()
  local state = self._ddp
  state.expect_hooks, state.callback_queued, state.next_bucket = true, false, 1
  for _, bucket in ipairs(state.buckets) do
    bucket.pending, bucket.work = #bucket.entries, nil
    for _, entry in ipairs(bucket.entries) do entry.ready = false end
  end
end

-- MARK: Backward

-- The gradient of the parameter at `position` arrived for this pass (before it accumulates
-- into `.grad`): what `.grad` is about to hold goes into its bucket, and full buckets start
-- their all-reduce.
function DDP:_grad_ready(position, grad)
  local state = self._ddp
  if not state.expect_hooks then return nil end
  local entry = state.entries[position]
  if entry.ready then
    raise("Expected to mark a variable ready only once. This error is caused by one of the following reasons: "
      .. "1) Use of a module parameter outside the `forward` function. 2) Reused parameters in multiple reentrant "
      .. "backward passes.")
  end
  if not state.callback_queued then
    state.callback_queued = true
    torch.autograd._queue_callback(function() self:_finalize_backward() end)
  end
  if state.ready_order then state.ready_order[#state.ready_order + 1] = position end
  local accumulated = entry.param.grad
  entry.view:copy_(accumulated ~= nil and accumulated + grad or grad)
  entry.ready = true
  entry.bucket.pending = entry.bucket.pending - 1
  self:_launch_ready_buckets()
  return nil
end

-- Starts the all-reduce of every full bucket whose predecessors have started.
function DDP:_launch_ready_buckets()
  local state = self._ddp
  local buckets = state.buckets
  while state.next_bucket <= #buckets and buckets[state.next_bucket].pending == 0 do
    local bucket = buckets[state.next_bucket]
    bucket.work = dist.all_reduce(bucket.flat, { op = dist.ReduceOp.AVG, async_op = true })
    state.next_bucket = state.next_bucket + 1
  end
end

-- After the pass: waits for the all-reduces and writes the averages into `.grad`.
function DDP:_finalize_backward()
  local state = self._ddp
  state.expect_hooks = false
  if state.next_bucket <= #state.buckets then
    if not state.find_unused_parameters then
      -- As PyTorch: the next forward reports the parameters that got no gradient.
      local missing = {}
      for position, entry in ipairs(state.entries) do
        if not entry.ready then missing[#missing + 1] = position - 1 end
      end
      state.unfinished = missing
      for _, bucket in ipairs(state.buckets) do if bucket.work then bucket.work:wait() end end
      return
    end
    -- Unused parameters contribute what `.grad` holds (zero when nothing).
    for _, entry in ipairs(state.entries) do
      if not entry.ready then
        local g = entry.param.grad
        if g ~= nil then entry.view:copy_(g) else entry.view:zero_() end
        entry.ready = true
        entry.bucket.pending = entry.bucket.pending - 1
      end
    end
    self:_launch_ready_buckets()
  end
  torch.no_grad(function()
    for _, bucket in ipairs(state.buckets) do
      bucket.work:wait()
      for _, entry in ipairs(bucket.entries) do
        local p = entry.param
        if p.grad == nil then p.grad = entry.view:clone() else p.grad:copy_(entry.view) end
      end
    end
  end)
end

-- MARK: Gradient accumulation

-- Restores gradient synchronization when closed (`local _ <close> = ddp:no_sync()`).
local NoSync = { __name = "no_sync" }
NoSync.__index = NoSync
NoSync.__close = function(guard) guard.ddp._ddp.require_backward_grad_sync = guard.previous end

--- ddp:no_sync(fn) or local _ <close> = ddp:no_sync()
--- Backward passes inside accumulate gradients locally, without communication; the first
--- synchronized pass after it averages the accumulated gradients.
function DDP:no_sync(fn)
  local state = self._ddp
  local guard = setmetatable({ ddp = self, previous = state.require_backward_grad_sync }, NoSync)
  state.require_backward_grad_sync = false
  if fn == nil then return guard end
  if type(fn) ~= "function" then raise("no_sync(): expected a function or nothing, got " .. type(fn)) end
  local results = table.pack(pcall(fn))
  NoSync.__close(guard)
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end
