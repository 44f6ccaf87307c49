-- torch.utils.data and torch.Generator: seeded shuffles visit the samples in PyTorch's order
-- and leave the default generator where PyTorch leaves it (fixtures/data.py, same names).
-- The y tensor holds the sample numbers times 10, so batches compare without index shifts.
local pt = require("pytorch_fixture").load("data")
local data = torch.utils.data

local THIS_FILE = debug.getinfo(1, "S").source:sub(2)

local function expect_error(name, fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  assert.matches("^" .. THIS_FILE:gsub("%p", "%%%0") .. ":%d+: " .. pt.text(name):gsub("%p", "%%%0") .. "$", err)
end

-- The y values of every batch of one pass.
local function pass(loader)
  local batches = {}
  for _, yb in loader:iter() do batches[#batches + 1] = yb:tolist() end
  return batches
end

-- PyTorch's 0-based positions as Lua's.
local function one_based(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v + 1 end
  return out
end

local X = torch.arange(20.0):reshape(10, 2)
local y = torch.arange(10) * 10
local ds = data.TensorDataset(X, y)

describe("generators", function()
  it("int64 random_ draws PyTorch's bits", function()
    torch.manual_seed(5)
    local draws = {}
    for i = 1, 3 do draws[i] = torch.empty({ dtype = torch.int64 }):random_():item() end
    assert.are.same(pt.value("int64 random_"), draws)
  end)

  it("torch.Generator objects draw on their own", function()
    local g = torch.Generator():manual_seed(42)
    assert.are.equal(pt.value("generator initial_seed"), g:initial_seed())
    assert.are.same(one_based(pt.value("randperm generator")), torch.randperm(8, { generator = g }):tolist())
    assert.are.same(one_based(pt.value("randperm generator again")), torch.randperm(8, { generator = g }):tolist())
    torch.manual_seed(5)
    g:manual_seed(42)
    torch.randperm(5, { generator = g })
    pt.assert_tensor("default untouched by generator", torch.rand(2))
    assert.are.equal(torch.initial_seed(), torch.default_generator:initial_seed())
  end)
end)

describe("datasets", function()
  it("TensorDataset", function()
    assert.are.equal(pt.value("len ds"), #ds)
    assert.are.equal(pt.text("ds[3] x"), tostring(ds[4][1]))
    expect_error("size mismatch", function() data.TensorDataset(torch.zeros(3), torch.zeros(4)) end)
  end)

  it("Subset and random_split", function()
    assert.are.equal(pt.text("subset item"), tostring(data.Subset(ds, { 5, 3 })[2][2]))
    torch.manual_seed(6)
    local a, b = table.unpack(data.random_split(ds, { 3, 7 }))
    local expected = pt.value("split counts")
    assert.are.same(one_based(expected[1]), a.indices)
    assert.are.same(one_based(expected[2]), b.indices)
    local splits = data.random_split(ds, { 0.3, 0.3, 0.4 }, { generator = torch.Generator():manual_seed(42) })
    expected = pt.value("split fractions")
    for i = 1, 3 do assert.are.same(one_based(expected[i]), splits[i].indices) end
    local seven = {}
    for i = 1, 7 do seven[i] = i - 1 end
    splits = data.random_split(seven, { 0.5, 0.5 }, { generator = torch.Generator():manual_seed(1) })
    assert.are.same(pt.value("split remainder"), { #splits[1], #splits[2] })
    pt.assert_tensor("rand after split", torch.rand(1))
    expect_error("split sum", function() data.random_split(ds, { 3, 3 }) end)
  end)
end)

describe("DataLoader", function()
  it("shuffles as PyTorch does, epoch after epoch", function()
    torch.manual_seed(0)
    local loader = data.DataLoader(ds, { batch_size = 4, shuffle = true })
    assert.are.equal(pt.value("len loader"), #loader)
    for epoch = 0, 2 do assert.are.same(pt.value("shuffle epoch " .. epoch), pass(loader)) end
    pt.assert_tensor("rand after shuffling", torch.rand(1))
  end)

  it("drop_last, sequential order and loader() as the iterator", function()
    torch.manual_seed(1)
    local loader = data.DataLoader(ds, { batch_size = 3, shuffle = true, drop_last = true })
    assert.are.equal(pt.value("len drop_last"), #loader)
    assert.are.same(pt.value("drop_last epoch"), pass(loader))
    local batches = {}
    for xb, yb in data.DataLoader(ds, { batch_size = 4 })() do
      assert.are.equal(#yb, xb.shape[1])
      batches[#batches + 1] = yb:tolist()
    end
    assert.are.same(pt.value("sequential"), batches)
    pt.assert_tensor("rand after sequential", torch.rand(1))
  end)

  it("an abandoned pass has drawn its seeds", function()
    torch.manual_seed(2)
    for _, yb in data.DataLoader(ds, { batch_size = 2, shuffle = true }):iter() do
      assert.are.same(pt.value("first batch"), yb:tolist())
      break
    end
    pt.assert_tensor("rand after one batch", torch.rand(1))
  end)

  it("draws from a given generator", function()
    torch.manual_seed(3)
    local g = torch.Generator():manual_seed(9)
    assert.are.same(pt.value("loader with generator"), pass(data.DataLoader(ds, { batch_size = 5, shuffle = true, generator = g })))
    pt.assert_tensor("rand after generator loader", torch.rand(1))
  end)

  it("collates numbers and plain tables of samples", function()
    local batches = {}
    for b in data.DataLoader({ 1.5, 2.5, 3.5 }, { batch_size = 2 }):iter() do batches[#batches + 1] = b:tolist() end
    assert.are.same(pt.value("collate numbers"), batches)
    local ints = data.DataLoader({ 1, 2, 3 }, { batch_size = 3 })()()
    assert.are.equal(pt.text("collate ints"), tostring(ints))
    local custom = setmetatable({}, {
      __len = function() return 4 end,
      __index = function(_, i) return { torch.full({ 2 }, i), i * 10 } end,
    })
    local seen = {}
    for xb, yb in data.DataLoader(custom, { batch_size = 3 }):iter() do seen[#seen + 1] = { xb.shape[1], yb:tolist() } end
    assert.are.same({ { 3, { 10, 20, 30 } }, { 1, { 40 } } }, seen)
  end)

  it("rejects what PyTorch rejects", function()
    expect_error("batch_size 0", function() data.DataLoader(ds, { batch_size = 0 }) end)
    expect_error("empty shuffle", function() data.DataLoader(data.TensorDataset(torch.zeros(0)), { shuffle = true }) end)
    expect_error("sampler and shuffle", function()
      data.DataLoader(ds, { sampler = data.SequentialSampler(ds), shuffle = true })
    end)
  end)
end)

describe("samplers", function()
  it("RandomSampler and BatchSampler", function()
    torch.manual_seed(4)
    local function all(sampler)
      local out = {}
      for i in sampler:iter() do out[#out + 1] = i end
      return out
    end
    assert.are.same(one_based(pt.value("random sampler")), all(data.RandomSampler(ds)))
    assert.are.same(one_based(pt.value("random sampler replacement")), all(data.RandomSampler(ds, { replacement = true, num_samples = 40 })))
    assert.are.same(one_based(pt.value("random sampler num_samples")), all(data.RandomSampler(ds, { num_samples = 25 })))
    pt.assert_tensor("rand after samplers", torch.rand(1))
    local seven = {}
    for i = 1, 7 do seven[i] = i end
    local batches = {}
    for b in data.BatchSampler(data.SequentialSampler(seven), 3, false):iter() do batches[#batches + 1] = b end
    local expected = pt.value("batch sampler")
    for i, b in ipairs(expected) do expected[i] = one_based(b) end
    assert.are.same(expected, batches)
    batches = {}
    for b in data.BatchSampler(data.SequentialSampler(seven), 3, true):iter() do batches[#batches + 1] = b end
    expected = pt.value("batch sampler drop_last")
    for i, b in ipairs(expected) do expected[i] = one_based(b) end
    assert.are.same(expected, batches)
  end)
end)
