-- torch.utils.data: datasets, samplers and the DataLoader, after PyTorch 2.15's
-- torch/utils/data (dataset.py, sampler.py, dataloader.py), with positions counted from 1.
--
-- A dataset is anything with `#ds` and `ds[i]` (i = 1..#ds): a TensorDataset, a Subset, a
-- plain Lua array of samples, or a table whose metatable has `__len` and `__index`.
--
-- Random draws are PyTorch's: each pass of a DataLoader draws one int64 `random_()` from the
-- default generator (the base seed of its workers), and a RandomSampler without a generator
-- draws one more to seed a fresh generator that gives `randperm(n)`. So a seeded shuffle
-- visits the samples in PyTorch's order, and leaves the default generator where PyTorch does.
local torch = ...
local raise, pystr = torch.optim._raise, torch.optim._pystr

torch.utils = torch.utils or {}
torch.utils.data = torch.utils.data or {}
local data = torch.utils.data

-- A class whose instances are built by calling it; `index` serves `obj[i]` for integers.
local function class(name, index)
  local c = {}
  c.__name = name
  c.__index = function(self, key)
    if math.type(key) == "integer" and index ~= nil then return index(self, key) end
    return c[key]
  end
  setmetatable(c, {__call = function(cls, ...) return cls.new(...) end})
  return c
end

-- An integer `i` in 1..n, or PyTorch's IndexError text in Lua's positions.
local function check_index(i, n)
  if i < 1 or i > n then raise("index " .. i .. " is out of range for a dataset of size " .. n .. " (positions count from 1)") end
end

-- MARK: - Datasets

--- `TensorDataset(a, b, ...)`: sample i is `{a[i], b[i], ...}`.
data.TensorDataset = class("TensorDataset", function(self, i)
  local n = self.tensors[1].shape[1]
  check_index(i, n)
  local sample = {}
  for k, t in ipairs(self.tensors) do sample[k] = t[i] end
  return sample
end)

function data.TensorDataset.new(...)
  local tensors = table.pack(...)
  if tensors.n == 0 then raise("TensorDataset() needs at least one tensor") end
  for k = 1, tensors.n do
    local t = tensors[k]
    if not torch.is_tensor(t) then raise("TensorDataset(): argument #" .. k .. " is a " .. type(t) .. ", not a Tensor") end
    if t.ndim == 0 then raise("TensorDataset(): argument #" .. k .. " is 0-d; tensors need a first dimension") end
    if t.shape[1] ~= tensors[1].shape[1] then raise("Size mismatch between tensors") end
  end
  tensors.n = nil
  return setmetatable({tensors = tensors}, data.TensorDataset)
end

function data.TensorDataset:__len() return self.tensors[1].shape[1] end

--- `Subset(dataset, indices)`: the samples of `dataset` at `indices` (1-based), in that order.
data.Subset = class("Subset", function(self, i)
  check_index(i, #self.indices)
  return self.dataset[self.indices[i]]
end)

function data.Subset.new(dataset, indices)
  if type(indices) ~= "table" then raise("Subset(): indices must be a table of positions, got " .. type(indices)) end
  local copy = {}
  for k = 1, #indices do copy[k] = indices[k] end
  return setmetatable({dataset = dataset, indices = copy}, data.Subset)
end

function data.Subset:__len() return #self.indices end

-- The sum of a Lua array of numbers.
local function sum(values)
  local total = 0
  for _, v in ipairs(values) do total = total + v end
  return total
end

-- Python's math.isclose with its default tolerances.
local function isclose(a, b) return math.abs(a - b) <= math.max(1e-9 * math.max(math.abs(a), math.abs(b)), 0) end

--- `random_split(dataset, lengths, {generator=g})`: Subsets of the given lengths (counts, or
--- fractions summing to 1) over one `randperm` of the dataset (default generator unless given).
function data.random_split(dataset, lengths, options)
  options = options or {}
  local n = #dataset
  if type(lengths) ~= "table" then raise("random_split(): lengths must be a table of numbers") end
  local counts = {}
  local total = sum(lengths)
  if isclose(total, 1) and total <= 1 then
    for i, frac in ipairs(lengths) do
      if frac < 0 or frac > 1 then raise("Fraction at index " .. (i - 1) .. " is not between 0 and 1") end
      counts[i] = math.floor(n * frac)
    end
    local remainder = n - sum(counts)
    for i = 0, remainder - 1 do
      local at = i % #counts + 1
      counts[at] = counts[at] + 1
    end
    for i, length in ipairs(counts) do
      if length == 0 then
        io.stderr:write("UserWarning: Length of split at index " .. (i - 1) .. " is 0. This might result in an empty dataset.\n")
      end
    end
  else
    for i, length in ipairs(lengths) do counts[i] = length end
  end
  if sum(counts) ~= n then raise("Sum of input lengths does not equal the length of the input dataset!") end
  local total_count = math.tointeger(sum(counts))
  local perm = (options.generator and torch.randperm(total_count, {generator = options.generator})
                or torch.randperm(total_count)):tolist()
  local splits, offset = {}, 0
  for i, length in ipairs(counts) do
    local indices = {}
    for k = 1, length do indices[k] = perm[offset + k] end
    offset = offset + length
    splits[i] = data.Subset(dataset, indices)
  end
  return splits
end

-- MARK: - Samplers

--- `SequentialSampler(dataset)`: positions 1..#dataset in order.
data.SequentialSampler = class("SequentialSampler")
function data.SequentialSampler.new(data_source)
  return setmetatable({data_source = data_source}, data.SequentialSampler)
end
function data.SequentialSampler:__len() return #self.data_source end
function data.SequentialSampler:iter()
  local i, n = 0, #self.data_source
  return function()
    if i >= n then return nil end
    i = i + 1
    return i
  end
end

-- A 64-bit seed drawn as `torch.empty((), dtype=torch.int64).random_()` draws it.
local function draw_seed(generator)
  local seed = torch.empty{dtype = torch.int64}
  if generator ~= nil then seed:random_({generator = generator}) else seed:random_() end
  return seed:item()
end

--- `RandomSampler(dataset, {replacement=false, num_samples, generator})`: a random order.
data.RandomSampler = class("RandomSampler")
function data.RandomSampler.new(data_source, options)
  options = options or {}
  local self = setmetatable({
    data_source = data_source,
    replacement = options.replacement,
    _num_samples = options.num_samples,
    generator = options.generator,
  }, data.RandomSampler)
  if self.replacement == nil then self.replacement = false end
  if type(self.replacement) ~= "boolean" then
    raise("replacement should be a boolean value, but got replacement=" .. pystr(self.replacement))
  end
  local n = self:num_samples()
  if math.type(n) ~= "integer" or n <= 0 then
    raise("num_samples should be a positive integer value, but got num_samples=" .. pystr(n))
  end
  return self
end
function data.RandomSampler:num_samples() return self._num_samples or #self.data_source end
function data.RandomSampler:__len() return self:num_samples() end

-- Positions from `draw()` tables, one table after another, `total` in all.
local function chained(draw, count, total)
  local batch, k, produced, drawn = nil, 0, 0, 0
  return function()
    if produced >= total then return nil end
    if batch == nil or k >= #batch then
      if drawn >= count then return nil end
      batch, k, drawn = draw(drawn), 0, drawn + 1
      if #batch == 0 then return nil end
    end
    k, produced = k + 1, produced + 1
    return batch[k]
  end
end

--- The positions of one pass; draws nothing until the first position is asked for.
function data.RandomSampler:iter()
  local n, total = #self.data_source, self:num_samples()
  local inner
  return function()
    if inner == nil then
      local generator = self.generator
      if generator == nil then generator = torch.Generator():manual_seed(draw_seed()) end
      if self.replacement then
        inner = chained(function(d)
          local size = d < total // 32 and 32 or total % 32
          return (torch.randint(0, n, {size}, {dtype = torch.int64, generator = generator}) + 1):tolist()
        end, total // 32 + 1, total)
      else
        inner = chained(function() return torch.randperm(n, {generator = generator}):tolist() end,
                        total // n + 1, total)
      end
    end
    return inner()
  end
end

--- `BatchSampler(sampler, batch_size, drop_last)`: tables of positions from `sampler`.
data.BatchSampler = class("BatchSampler")
function data.BatchSampler.new(sampler, batch_size, drop_last)
  if type(batch_size) == "table" then batch_size, drop_last = batch_size.batch_size, batch_size.drop_last end
  if math.type(batch_size) ~= "integer" or batch_size <= 0 then
    raise("batch_size should be a positive integer value, but got batch_size=" .. pystr(batch_size))
  end
  if drop_last == nil then drop_last = false end
  if type(drop_last) ~= "boolean" then
    raise("drop_last should be a boolean value, but got drop_last=" .. pystr(drop_last))
  end
  return setmetatable({sampler = sampler, batch_size = batch_size, drop_last = drop_last}, data.BatchSampler)
end
function data.BatchSampler:__len()
  local n = #self.sampler
  if self.drop_last then return n // self.batch_size end
  return (n + self.batch_size - 1) // self.batch_size
end
function data.BatchSampler:iter()
  local positions = data._iterate(self.sampler)
  return function()
    local batch = {}
    for _ = 1, self.batch_size do
      local i = positions()
      if i == nil then break end
      batch[#batch + 1] = i
    end
    if #batch == 0 or (self.drop_last and #batch < self.batch_size) then return nil end
    return batch
  end
end

--- An iterator function over a sampler: its `iter()` method, or the items of a Lua array.
function data._iterate(sampler)
  if type(sampler) == "table" and type(sampler.iter) == "function" then return sampler:iter() end
  if type(sampler) == "function" then return sampler end
  if type(sampler) == "table" then
    local k = 0
    return function() k = k + 1; return sampler[k] end
  end
  raise("a sampler must have an iter() method or be a table of positions, got " .. type(sampler))
end

-- MARK: - Collation

--- PyTorch's `default_collate`: stacks tensors, makes numbers and booleans tensors (floats as
--- float64, integers as int64, as Python's do), and collates tables element by element.
function data.default_collate(batch)
  local first = batch[1]
  if torch.is_tensor(first) then return torch.stack(batch) end
  if type(first) == "number" then
    local float = false
    for _, v in ipairs(batch) do if math.type(v) == "float" then float = true end end
    return torch.tensor(batch, {dtype = float and torch.float64 or torch.int64})
  end
  if type(first) == "boolean" then return torch.tensor(batch) end
  if type(first) == "string" then return batch end
  if type(first) == "table" then
    local out = {}
    if #first > 0 then
      for k = 1, #first do
        local column = {}
        for i, sample in ipairs(batch) do
          if #sample ~= #first then raise("each element in list of batch should be of equal size") end
          column[i] = sample[k]
        end
        out[k] = data.default_collate(column)
      end
    else
      for key in pairs(first) do
        local column = {}
        for i, sample in ipairs(batch) do column[i] = sample[key] end
        out[key] = data.default_collate(column)
      end
    end
    return out
  end
  raise("default_collate: batch must contain tensors, numbers, booleans, strings or tables; found " .. type(first))
end

-- MARK: - DataLoader

-- For a dataset whose samples are rows of tensors (a TensorDataset, or any dataset with a
-- `tensors` array whose sample i is `{t[i] for t in tensors}`, as torch.datasets' are): a
-- function that collates a batch of positions with one `index_select` per tensor (what
-- default_collate's stack of the rows gives, without a tensor per sample), or nil when a
-- position is out of range (the per-sample path then raises the dataset's own error).
local function tensor_rows(dataset)
  if type(dataset) ~= "table" then return nil end
  local tensors = rawget(dataset, "tensors")
  if type(tensors) ~= "table" or #tensors == 0 then return nil end
  local n = tensors[1].shape[1]
  return function(positions)
    for _, i in ipairs(positions) do
      if math.type(i) ~= "integer" or i < 1 or i > n then return nil end
    end
    local index = torch.tensor(positions, {dtype = torch.int64})
    local batch = {}
    for k, t in ipairs(tensors) do batch[k] = t:index_select(1, index) end
    return batch
  end
end

--- `DataLoader(dataset, {batch_size=1, shuffle=false, drop_last=false, sampler, batch_sampler,
--- collate_fn, generator})`. `loader:iter()` (or `loader()`) starts a pass and returns an
--- iterator for a generic `for` that yields each batch's tensors as multiple values.
data.DataLoader = class("DataLoader")
function data.DataLoader.new(dataset, options)
  options = options or {}
  local known = {batch_size = true, shuffle = true, drop_last = true, sampler = true, batch_sampler = true,
                 collate_fn = true, generator = true, num_workers = true}
  for k in pairs(options) do
    if not known[k] then raise("DataLoader() got an unexpected keyword argument '" .. tostring(k) .. "'") end
  end
  if options.num_workers ~= nil and options.num_workers ~= 0 then
    raise("DataLoader(): num_workers must be 0 (batches are loaded in the calling thread)")
  end
  local batch_size = options.batch_size
  if batch_size == nil and options.batch_sampler == nil then batch_size = 1 end
  local shuffle, drop_last = options.shuffle or false, options.drop_last or false
  local sampler, batch_sampler = options.sampler, options.batch_sampler
  if sampler ~= nil and shuffle then raise("sampler option is mutually exclusive with shuffle") end
  if batch_sampler ~= nil then
    if (batch_size ~= nil and batch_size ~= 1) or shuffle or sampler ~= nil or drop_last then
      raise("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
    end
  end
  if sampler == nil then
    if shuffle then
      sampler = data.RandomSampler(dataset, {generator = options.generator})
    else
      sampler = data.SequentialSampler(dataset)
    end
  end
  if batch_sampler == nil then batch_sampler = data.BatchSampler(sampler, batch_size, drop_last) end
  return setmetatable({
    dataset = dataset, batch_size = batch_size, drop_last = drop_last, sampler = sampler,
    batch_sampler = batch_sampler, collate_fn = options.collate_fn or data.default_collate,
    generator = options.generator,
  }, data.DataLoader)
end

function data.DataLoader:__len() return #self.batch_sampler end

--- Starts a pass: draws the base seed now (as PyTorch's iterator does when it is created) and
--- returns the iterator of the pass's batches.
function data.DataLoader:iter()
  draw_seed(self.generator)
  local batches = data._iterate(self.batch_sampler)
  local dataset, collate = self.dataset, self.collate_fn
  local gather = collate == data.default_collate and tensor_rows(dataset)
  return function()
    local positions = batches()
    if positions == nil then return nil end
    if gather then
      local batch = gather(positions)
      if batch then return table.unpack(batch) end
    end
    local samples = {}
    for k, i in ipairs(positions) do samples[k] = dataset[i] end
    local batch = collate(samples)
    if type(batch) == "table" and not torch.is_tensor(batch) and #batch > 0 then return table.unpack(batch) end
    return batch
  end
end

data.DataLoader.__call = data.DataLoader.iter

return data
