-- torch.utils.data.DistributedSampler: each rank's positions in PyTorch's order
-- (fixtures/distributed_sampler.py, same names). No process group is needed when
-- num_replicas and rank are given; the multi-rank runs are in Tests/distributed.
local pt = require("pytorch_fixture").load("distributed_sampler")
local data = torch.utils.data

local ds = {}
for k = 1, 10 do ds[k] = k * 10 end

-- PyTorch's 0-based positions as Lua's.
local function one_based(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v + 1 end
  return out
end

local function positions(sampler)
  local out = {}
  for i in sampler:iter() do out[#out + 1] = i end
  return out
end

describe("DistributedSampler", function()
  it("shuffles with a generator seeded with seed + epoch, as PyTorch", function()
    for _, replicas in ipairs({ 3, 4 }) do
      for rank = 0, replicas - 1 do
        for _, epoch in ipairs({ 0, 1 }) do
          local s = data.DistributedSampler(ds, { num_replicas = replicas, rank = rank, shuffle = true, seed = 0 })
          s:set_epoch(epoch)
          assert.are.same(one_based(pt.value(("shuffle %d %d %d"):format(replicas, rank, epoch))), positions(s))
        end
        local seeded = data.DistributedSampler(ds, { num_replicas = replicas, rank = rank, seed = 7 })
        assert.are.same(one_based(pt.value(("seed 7 %d %d"):format(replicas, rank))), positions(seeded))
      end
    end
  end)

  it("pads or drops to a multiple of num_replicas", function()
    for _, replicas in ipairs({ 3, 4 }) do
      for rank = 0, replicas - 1 do
        local dropping = data.DistributedSampler(ds, { num_replicas = replicas, rank = rank, drop_last = true })
        assert.are.same(one_based(pt.value(("drop_last %d %d"):format(replicas, rank))), positions(dropping))
        local ordered = data.DistributedSampler(ds, { num_replicas = replicas, rank = rank, shuffle = false })
        assert.are.same(one_based(pt.value(("no shuffle %d %d"):format(replicas, rank))), positions(ordered))
      end
    end
    assert.are.equal(pt.value("len"), #data.DistributedSampler(ds, { num_replicas = 4, rank = 0 }))
    assert.are.equal(pt.value("len drop_last"), #data.DistributedSampler(ds, { num_replicas = 4, rank = 0, drop_last = true }))
    local expected, tiny = pt.value("tiny"), {}
    for r = 1, 5 do
      expected[r] = one_based(expected[r])
      tiny[r] = positions(data.DistributedSampler({ "a", "b" }, { num_replicas = 5, rank = r - 1, shuffle = false }))
    end
    assert.are.same(expected, tiny)
  end)

  it("is a DataLoader's sampler", function()
    local X = torch.arange(10.0)
    local sampler = data.DistributedSampler(data.TensorDataset(X), { num_replicas = 3, rank = 1, seed = 0 })
    local loader = data.DataLoader(data.TensorDataset(X), { batch_size = 2, sampler = sampler })
    local seen = {}
    for xb in loader:iter() do
      for _, v in ipairs(xb:tolist()) do seen[#seen + 1] = v + 1 end
    end
    assert.are.same(one_based(pt.value("shuffle 3 1 0")), seen)
  end)

  it("checks its rank as PyTorch does", function()
    local ok, err = pcall(data.DistributedSampler, ds, { num_replicas = 2, rank = 2 })
    assert.is_false(ok)
    assert.matches(pt.text("bad rank"):gsub("%p", "%%%0") .. "$", err)
    ok, err = pcall(data.DistributedSampler, ds, {})
    assert.is_false(ok)
    assert.matches("num_replicas is required when the process group is not initialized", err)
  end)
end)
