-- torch.nn.parallel.DistributedDataParallel on torch.distributed (DESIGN.md §9), after
-- PyTorch's torch/nn/parallel/distributed.py and torch/csrc/distributed/c10d/reducer.cpp.
--
-- The gradients are averaged across ranks in buckets: flat tensors holding the gradients of
-- several parameters, filled in reverse registration order (the order backward produces
-- them), the first capped at 1 MB so that its all-reduce starts early, the others at
-- `bucket_cap_mb`. A gradient hook on each parameter copies its gradient into its bucket; when
-- a bucket is full its all-reduce starts, non-blocking, while backward goes on computing the
-- next gradients; a final callback of the backward pass waits for them all and writes the
-- averages back into `.grad` before `backward()` returns. Buckets start in order, so every
-- rank issues the same sequence of all-reduces.
--
-- PyTorch puts every parameter in one bucket for the first iteration and rebuilds the buckets
-- from the order the gradients arrived in; here the buckets follow reverse registration order
-- from the start, which is that order for a network that uses its layers in the order it
-- defines them.
local torch = ...
local nn, dist = torch.nn, torch.distributed
local raise = torch.optim._raise

nn.parallel = nn.parallel or {}

local MB = 1024 * 1024

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

-- MARK: - Buckets

-- Groups `params` (in registration order) into buckets: reverse order, one dtype per bucket,
-- a bucket closed once it reaches its cap (the first `first_cap` bytes, then `cap`), as
-- PyTorch's compute_bucket_assignment_by_size does.
local function assign_buckets(params, first_cap, cap)
  local buckets, open = {}, {}
  for index = #params, 1, -1 do
    local p = params[index]
    local dtype = tostring(p.dtype)
    local bucket = open[dtype]
    if bucket == nil then
      bucket = { entries = {}, numel = 0, bytes = 0, dtype = p.dtype, limit = first_cap }
      open[dtype] = bucket
      buckets[#buckets + 1] = bucket
    end
    bucket.entries[#bucket.entries + 1] = { param = p, index = index, offset = bucket.numel, numel = p:numel() }
    bucket.numel = bucket.numel + p:numel()
    bucket.bytes = bucket.bytes + p:numel() * p:element_size()
    if bucket.bytes >= bucket.limit then
      open[dtype] = nil
      -- The next bucket of this dtype has the full cap.
      first_cap = cap
    end
  end
  for _, bucket in ipairs(buckets) do
    bucket.flat = torch.zeros({ bucket.numel }, { dtype = bucket.dtype })
    for _, entry in ipairs(bucket.entries) do
      entry.view = bucket.flat:narrow(1, entry.offset + 1, entry.numel):view(entry.param.shape)
    end
  end
  return buckets
end

-- MARK: - The module

local DDP = nn.Module:extend("DistributedDataParallel")
nn.parallel.DistributedDataParallel = DDP

--- `DistributedDataParallel(module, {bucket_cap_mb=25, broadcast_buffers=true,
--- find_unused_parameters=false})`: rank 0's parameters and buffers are broadcast now.
function DDP:__init(module, opts)
  opts = opts or {}
  if not dist.is_initialized() then
    raise("Default process group has not been initialized, please make sure to call init_process_group.")
  end
  if not nn.Module:isinstance(module) then raise("DistributedDataParallel(): expected an nn.Module, got " .. type(module)) end
  self.module = module
  local params = {}
  for _, p in ipairs(module:parameters()) do
    if p.requires_grad then params[#params + 1] = p end
  end
  if #params == 0 then
    raise("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.")
  end
  local cap_mb = opts.bucket_cap_mb or 25
  local state = {
    params = params,
    broadcast_buffers = opts.broadcast_buffers ~= false,
    find_unused_parameters = opts.find_unused_parameters == true,
    require_backward_grad_sync = true,
    world_size = dist.get_world_size(),
    rank = dist.get_rank(),
    expect_hooks = false,
  }
  -- With the default cap the first bucket is 1 MB (PyTorch's _DEFAULT_FIRST_BUCKET_BYTES).
  local cap = math.floor(cap_mb * MB)
  state.buckets = assign_buckets(params, opts.bucket_cap_mb == nil and MB or cap, cap)
  self._ddp = state
  self:_sync_module_states()
  for _, bucket in ipairs(state.buckets) do
    for _, entry in ipairs(bucket.entries) do
      entry.param:register_hook(function(grad) self:_grad_ready(bucket, entry, grad) end)
    end
  end
end

--- Broadcasts rank 0's parameters and buffers to every rank.
function DDP:_sync_module_states()
  torch.no_grad(function()
    for _, p in ipairs(self.module:parameters()) do dist.broadcast(p, { src = 0 }) end
    for _, b in ipairs(self.module:buffers()) do dist.broadcast(b, { src = 0 }) end
  end)
end

--- The bucket sizes in bytes, in the order they are all-reduced.
function DDP:bucket_sizes()
  local sizes = {}
  for k, bucket in ipairs(self._ddp.buckets) do sizes[k] = bucket.bytes end
  return sizes
end

-- MARK: Forward

function DDP:forward(...)
  local state = self._ddp
  if state.unfinished then
    local indices = state.unfinished
    state.unfinished = nil
    raise(unfinished_reduction_message(indices, state.rank))
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

-- A parameter's gradient for this pass arrived (before it accumulates into `.grad`): what
-- `.grad` is about to hold goes into its bucket, and full buckets start their all-reduce.
function DDP:_grad_ready(bucket, entry, grad)
  local state = self._ddp
  if not state.expect_hooks then return nil end
  if entry.ready then
    raise("Expected to mark a variable ready only once. This error is caused by one of the following reasons: "
      .. "1) Use of a module parameter outside the `forward` function. 2) Reused parameters in multiple reentrant "
      .. "backward passes.")
  end
  if not state.callback_queued then
    state.callback_queued = true
    torch.autograd._queue_callback(function() self:_finalize_backward() end)
  end
  local accumulated = entry.param.grad
  entry.view:copy_(accumulated ~= nil and accumulated + grad or grad)
  entry.ready = true
  bucket.pending = bucket.pending - 1
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
      for _, bucket in ipairs(state.buckets) do
        for _, entry in ipairs(bucket.entries) do
          if not entry.ready then missing[#missing + 1] = entry.index - 1 end
        end
      end
      table.sort(missing)
      state.unfinished = missing
      for _, bucket in ipairs(state.buckets) do if bucket.work then bucket.work:wait() end end
      return
    end
    -- Unused parameters contribute what `.grad` holds (zero when nothing).
    for _, bucket in ipairs(state.buckets) do
      for _, entry in ipairs(bucket.entries) do
        if not entry.ready then
          local g = entry.param.grad
          if g ~= nil then entry.view:copy_(g) else entry.view:zero_() end
          entry.ready = true
          bucket.pending = bucket.pending - 1
        end
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

--- `ddp:no_sync(function() ... end)` or `local _ <close> = ddp:no_sync()`: backward passes
--- inside accumulate gradients locally; the first synchronized pass after it averages the
--- accumulated gradients.
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
