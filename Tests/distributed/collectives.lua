-- Every collective and point-to-point operation, for each reduce op and dtype, with
-- non-contiguous tensors and async works. Run by scripts/test-distributed under
-- `mpirun -np N` (N = 2 and 4): a failed check raises, which aborts the whole job.
local torch = require "luagrad"
local dist = torch.distributed

dist.init_process_group{backend = "mpi"}
local rank, n = dist.get_rank(), dist.get_world_size()
local checks = 0

local function check(ok, what)
  if not ok then error("rank " .. rank .. ": " .. what, 2) end
  checks = checks + 1
end

local function same(t, expected, what)
  check(t.dtype == expected.dtype and torch.equal(t, expected),
        what .. ": got " .. tostring(t) .. ", expected " .. tostring(expected))
end

local dtypes = { torch.float32, torch.float64, torch.int64, torch.bool }

-- Rank r's values: numbers (or booleans) that tell ranks apart.
local function values(r, dtype)
  if dtype == torch.bool then return { r == 0, true, false, r % 2 == 1 } end
  return { r + 1, 2 * (r + 1), -(r + 1), (r % 2 == 0) and 3 or -2 }
end

local function tensor_of(r, dtype) return torch.tensor(values(r, dtype), { dtype = dtype }) end

-- The reduction over ranks of `values`, element by element, as PyTorch defines it (on bool:
-- SUM and MAX are or, PRODUCT and MIN are and).
local function expected_reduction(op, dtype)
  local acc = values(0, dtype)
  for r = 1, n - 1 do
    local v = values(r, dtype)
    for k = 1, #acc do
      local a, b = acc[k], v[k]
      if dtype == torch.bool then
        if op == "SUM" or op == "MAX" then acc[k] = a or b else acc[k] = a and b end
      elseif op == "SUM" or op == "AVG" then acc[k] = a + b
      elseif op == "PRODUCT" then acc[k] = a * b
      elseif op == "MIN" then acc[k] = math.min(a, b)
      else acc[k] = math.max(a, b) end
    end
  end
  if op == "AVG" then for k = 1, #acc do acc[k] = acc[k] / n end end
  return torch.tensor(acc, { dtype = dtype })
end

-- MARK: all_reduce, every op and dtype, contiguous and not

for _, dtype in ipairs(dtypes) do
  for _, op in ipairs({ "SUM", "PRODUCT", "MIN", "MAX", "AVG" }) do
    if op ~= "AVG" or dtype == torch.float32 or dtype == torch.float64 then
      local t = tensor_of(rank, dtype)
      dist.all_reduce(t, { op = dist.ReduceOp[op] })
      same(t, expected_reduction(op, dtype), "all_reduce " .. op .. " " .. tostring(dtype))
      -- The same values as a column of a 4x2 tensor (stride 2): the other column is untouched.
      local base = torch.stack({ tensor_of(rank, dtype), tensor_of(rank, dtype) }, 2)
      local column = base:select(2, 1)
      check(not column:is_contiguous(), "the column view is not contiguous")
      dist.all_reduce(column, { op = op })
      same(base:select(2, 1), expected_reduction(op, dtype), "all_reduce " .. op .. " non-contiguous")
      same(base:select(2, 2), tensor_of(rank, dtype), "all_reduce leaves the rest of the storage")
    end
  end
end
local ok, message = pcall(dist.all_reduce, torch.tensor({ 1, 2 }), { op = dist.ReduceOp.AVG })
check(not ok and message:find("ReduceOp.AVG needs a floating%-point tensor, got torch.int64"), "AVG on int64: " .. tostring(message))
ok, message = pcall(dist.all_reduce, torch.ones(2), { op = "MEAN" })
check(not ok and message:find("op must be one of"), "unknown op: " .. tostring(message))

-- MARK: broadcast, reduce

for _, dtype in ipairs(dtypes) do
  local src = n - 1
  local t = tensor_of(rank, dtype)
  dist.broadcast(t, { src = src })
  same(t, tensor_of(src, dtype), "broadcast " .. tostring(dtype))
  local m = torch.stack({ tensor_of(rank, dtype), tensor_of(rank, dtype) }, 2):select(2, 2)
  dist.broadcast(m, src)
  same(m, tensor_of(src, dtype), "broadcast non-contiguous " .. tostring(dtype))

  local r = tensor_of(rank, dtype)
  dist.reduce(r, { dst = 1, op = dist.ReduceOp.MAX })
  same(r, rank == 1 and expected_reduction("MAX", dtype) or tensor_of(rank, dtype), "reduce MAX " .. tostring(dtype))
end

-- MARK: all_gather, gather, scatter, reduce_scatter

for _, dtype in ipairs(dtypes) do
  local list = {}
  for k = 1, n do
    -- Every other target is a non-contiguous view.
    list[k] = k % 2 == 0 and torch.zeros({ 2, 4 }, { dtype = dtype }):t():t():select(1, 1)
      or torch.zeros({ 4 }, { dtype = dtype })
  end
  list[2] = torch.zeros({ 4, 2 }, { dtype = dtype }):select(2, 1)
  dist.all_gather(list, tensor_of(rank, dtype))
  for k = 1, n do same(list[k], tensor_of(k - 1, dtype), "all_gather " .. tostring(dtype) .. " [" .. k .. "]") end

  local gathered = nil
  if rank == 0 then
    gathered = {}
    for k = 1, n do gathered[k] = torch.zeros({ 4 }, { dtype = dtype }) end
  end
  dist.gather(tensor_of(rank, dtype), { gather_list = gathered, dst = 0 })
  if rank == 0 then
    for k = 1, n do same(gathered[k], tensor_of(k - 1, dtype), "gather " .. tostring(dtype)) end
  end

  local pieces = nil
  local src = n - 1
  if rank == src then
    pieces = {}
    for k = 1, n do pieces[k] = tensor_of(10 * k, dtype) end
  end
  local out = torch.zeros({ 4, 2 }, { dtype = dtype }):select(2, 2)
  dist.scatter(out, { scatter_list = pieces, src = src })
  same(out, tensor_of(10 * (rank + 1), dtype), "scatter " .. tostring(dtype))

  local inputs = {}
  for k = 1, n do inputs[k] = tensor_of(rank, dtype) end
  local reduced = torch.zeros({ 4 }, { dtype = dtype })
  dist.reduce_scatter(reduced, inputs, { op = dist.ReduceOp.SUM })
  same(reduced, expected_reduction("SUM", dtype), "reduce_scatter " .. tostring(dtype))
end
ok, message = pcall(dist.all_gather, { torch.zeros(4) }, torch.ones(4))
check(n == 1 or (not ok and message:find("tensor_list must hold " .. n .. " tensors")), "all_gather list length: " .. tostring(message))

-- MARK: point to point, async works, barrier

local right, left = (rank + 1) % n, (rank - 1 + n) % n
local sent = torch.tensor({ rank, rank * 10 })
local received = torch.zeros({ 2 }, { dtype = torch.int64 })
local send_work = dist.isend(sent, { dst = right, tag = 7 })
local recv_work = dist.irecv(received, { src = left, tag = 7 })
check(recv_work:wait() and send_work:wait(), "isend/irecv wait")
same(received, torch.tensor({ left, left * 10 }), "irecv")
check(recv_work:source_rank() == left, "irecv source rank")
if rank == 0 then
  dist.send(torch.tensor({ 3.5 }), 1)
elseif rank == 1 then
  local got = torch.zeros(1)
  local from = dist.recv(got)
  check(from == 0, "recv from any source returns the sender, got " .. tostring(from))
  same(got, torch.tensor({ 3.5 }), "recv")
end
ok, message = pcall(dist.send, torch.ones(1), { dst = rank })
check(not ok and message:find("should not be the same as rank"), "send to self: " .. tostring(message))

local big = torch.ones(1000000) * (rank + 1)
local work = dist.all_reduce(big, { async_op = true })
check(getmetatable(work) == dist.Work, "async_op returns a Work")
work:wait()
check(work:is_completed(), "is_completed after wait")
check(big[1]:item() == n * (n + 1) / 2 and big[1000000]:item() == n * (n + 1) / 2, "async all_reduce result")
check(dist.barrier() == nil, "barrier")
local barrier_work = dist.barrier({ async_op = true })
barrier_work:wait()

dist.destroy_process_group()
check(not dist.is_initialized(), "destroy_process_group")
print(string.format("rank %d of %d: %d checks passed", rank, n, checks))
