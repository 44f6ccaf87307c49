-- torch.save / torch.load (safetensors) and torch.io.save_npy / load_npy (issue 13): round
-- trips of every dtype, views, 0-d and empty tensors, nested tables and optimizer-style state
-- dicts, the order of loaded state dicts, atomic writes, and clear errors for bad input.
-- Interchange with Python itself is Tests/interchange/run; hostile files are fuzzed in
-- Tests/AutogradTests/FileFormatFuzzTests.swift.

local function tmp(suffix)
  return os.tmpname() .. suffix
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return data
end

local function write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function same(a, b)
  assert.are.equal(b.dtype, a.dtype)
  assert.are.equal(tostring(b:size()), tostring(a:size()))
  if a:numel() > 0 then assert.are.same(b:reshape(-1):tolist(), a:reshape(-1):tolist()) end
end

describe("torch.save and torch.load", function()
  it("round-trips every dtype, views, 0-d and empty tensors", function()
    local grid = torch.arange(12.0):reshape(3, 4)
    local sd = {
      f32 = grid:t(), f64 = torch.tensor({ 1 / 3, -0.0, 1e300 }, { dtype = torch.float64 }),
      i64 = torch.tensor({ -9007199254740993, 0, 9223372036854775807 }),
      bool = torch.tensor({ true, false }), scalar = torch.tensor(2.5), empty = torch.zeros(0, 3),
      expanded = torch.ones(3):expand(2, 3),
    }
    local path = tmp(".safetensors")
    torch.save(sd, path)
    local loaded, metadata = torch.load(path)
    for name, t in pairs(sd) do same(t, loaded[name]) end
    assert.is_nil(next(metadata))  -- a plain state dict needs no metadata
    assert.is_true(loaded.f32:is_contiguous())
    os.remove(path)
  end)

  it("saves a bare tensor under the name 'tensor' and loads it back as a tensor", function()
    local path = tmp(".safetensors")
    torch.save(torch.arange(6):reshape(2, 3)[2], path)
    local t = torch.load(path)
    same(torch.tensor({ 3, 4, 5 }), t)
    os.remove(path)
  end)

  it("flattens nested tables with '.' and rebuilds them on load", function()
    local path = tmp(".safetensors")
    local w = torch.ones(2, 2)
    torch.save({ fc = { weight = w, bias = torch.zeros(2) } }, path)
    local loaded = torch.load(path)
    same(w, loaded.fc.weight)
    same(torch.zeros(2), loaded.fc.bias)
    assert.is_truthy(read(path):find('"fc.weight"', 1, true))
    os.remove(path)
  end)

  it("keeps the numbers, strings, booleans and tables of an optimizer state dict", function()
    local path = tmp(".safetensors")
    local state = {
      state = { [1] = { step = torch.tensor(3.0), exp_avg = torch.full({ 2 }, 0.25) }, [3] = { step = torch.tensor(1.0) } },
      param_groups = { { lr = 0.001, betas = { 0.9, 0.999 }, eps = 1e-08, amsgrad = false, params = { 1, 3 },
                         name = "all", weight_decay = 0, maximize = 0.0, inf = math.huge, nan = 0 / 0 } },
    }
    torch.save(state, path, { metadata = { note = "hello" } })
    local loaded, metadata = torch.load(path)
    assert.are.equal("hello", metadata.note)
    assert.are.equal("pt", metadata.format)
    same(state.state[1].exp_avg, loaded.state[1].exp_avg)
    same(state.state[3].step, loaded.state[3].step)
    local g = loaded.param_groups[1]
    assert.are.equal(0.001, g.lr); assert.are.equal(1e-08, g.eps); assert.are.equal(false, g.amsgrad)
    assert.are.equal("all", g.name); assert.are.same({ 0.9, 0.999 }, g.betas); assert.are.same({ 1, 3 }, g.params)
    assert.are.equal("integer", math.type(g.weight_decay)); assert.are.equal("float", math.type(g.maximize))
    assert.are.equal(math.huge, g.inf); assert.is_true(g.nan ~= g.nan)
    os.remove(path)
  end)

  it("writes tables in the order of their __pairs and loads state dicts in file order", function()
    local names = { "z.weight", "a.bias", "m.running_mean" }
    local ordered = setmetatable({}, { __pairs = function(t)
      local i = 0
      return function() i = i + 1; if names[i] then return names[i], torch.tensor({ i }) end end, t, nil
    end })
    local path = tmp(".safetensors")
    torch.save(ordered, path)
    local loaded = torch.load(path)
    local seen = {}
    for name, t in pairs(loaded) do seen[#seen + 1] = name .. "=" .. t:item() end
    assert.are.same({ "z.weight=1", "a.bias=2", "m.running_mean=3" }, seen)
    os.remove(path)
  end)

  it("refuses what cannot be saved, with the place it was found", function()
    local path = tmp(".safetensors")
    assert.error_matches(function() torch.save({ a = { f = print } }, path) end, "cannot save a function at 'a.f'", 1, true)
    local loop = {}
    loop.self = loop
    assert.error_matches(function() torch.save(loop, path) end, "the table contains itself at 'self'", 1, true)
    assert.error_matches(function() torch.save({ ["a.b"] = torch.ones(1), a = { b = torch.ones(1) } }, path) end,
      "two tensors would be saved under the name 'a.b'", 1, true)
    assert.error_matches(function() torch.save({ [1.5] = torch.ones(1) }, path) end, "keys must be strings or integers", 1, true)
    assert.error_matches(function() torch.save(3, path) end, "bad argument #1 to 'save' (Tensor or table expected, got number)", 1, true)
    assert.error_matches(function() torch.save({}, 3) end, "bad argument #2 to 'save' (file name expected, got number)", 1, true)
    assert.is_nil(io.open(path, "rb"))
  end)

  it("gives clear errors for missing and malformed files", function()
    assert.error_matches(function() torch.load("/nonexistent/x.safetensors") end,
      "cannot open '/nonexistent/x.safetensors': No such file or directory", 1, true)
    local path = tmp(".safetensors")
    write(path, string.pack("<I8", 2) .. "{}")
    assert.are.same({}, (torch.load(path)))
    write(path, string.pack("<I8", 1000) .. "{}")
    assert.error_matches(function() torch.load(path) end, "the header length 1000 runs past the end of the file", 1, true)
    write(path, string.pack("<I8", 5) .. "{\"a\":")
    assert.error_matches(function() torch.load(path) end, "the header is not valid JSON", 1, true)
    local header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
    write(path, string.pack("<I8", #header) .. header .. string.rep("\0", 8))
    assert.error_matches(function() torch.load(path) end, "overlaps", 1, true)
    header = '{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}'
    write(path, string.pack("<I8", #header) .. header .. string.rep("\0", 8))
    assert.error_matches(function() torch.load(path) end, "unknown or unsupported dtype 'C64'", 1, true)
    assert.error_matches(function() torch.load("/dev/null") end, "not a regular file", 1, true)
    os.remove(path)
  end)

  it("replaces a file atomically and leaves no temporary file behind", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. dir))
    local path = dir .. "/m.safetensors"
    torch.save({ w = torch.ones(2) }, path)
    torch.save({ w = torch.zeros(3) }, path)
    same(torch.zeros(3), torch.load(path).w)
    -- A write that fails (here: a value that cannot be saved) leaves the old file as it was.
    pcall(torch.save, { w = torch.ones(1), f = print }, path)
    same(torch.zeros(3), torch.load(path).w)
    local listing = io.popen("ls -A " .. dir):read("a")
    assert.are.equal("m.safetensors\n", listing)
    os.remove(path)
    os.remove(dir)
  end)
end)

describe("torch.io.save_npy and load_npy", function()
  it("round-trips every dtype, views, 0-d and empty tensors", function()
    local path = tmp(".npy")
    for _, t in ipairs({
      torch.arange(12.0):reshape(3, 4):t(), torch.tensor({ 1 / 3 }, { dtype = torch.float64 }),
      torch.tensor({ { -1, 2 } }), torch.tensor({ true, false, true }), torch.tensor(7.5), torch.zeros(2, 0, 3),
    }) do
      torch.io.save_npy(t, path)
      same(t, torch.io.load_npy(path))
    end
    torch.io.save_npy(torch.zeros(2, 3), path)
    local data = read(path)
    assert.are.equal("\147NUMPY\1\0", data:sub(1, 8))
    assert.is_truthy(data:find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1, true))
    assert.are.equal(0, (#data - 24) % 64)
    os.remove(path)
  end)

  it("gives clear errors for malformed files", function()
    local path = tmp(".npy")
    write(path, "not numpy at all")
    assert.error_matches(function() torch.io.load_npy(path) end, "does not start with the magic string", 1, true)
    local function npy(header, data)
      write(path, "\147NUMPY\1\0" .. string.pack("<I2", #header) .. header .. (data or ""))
    end
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000, 4000000000), }")
    assert.error_matches(function() torch.io.load_npy(path) end, "is too large", 1, true)
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "abc")
    assert.error_matches(function() torch.io.load_npy(path) end, "needs 12 bytes of data but the file has 3", 1, true)
    npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "12345678")
    assert.error_matches(function() torch.io.load_npy(path) end, "the dtype '<c8' is not supported", 1, true)
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '__import__': 1}", "1234")
    assert.error_matches(function() torch.io.load_npy(path) end, "unknown key '__import__'", 1, true)
    npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "1234")
    assert.error_matches(function() torch.io.load_npy(path) end, "structured dtypes are not supported", 1, true)
    assert.error_matches(function() torch.io.save_npy(3, path) end, "bad argument #1 to 'save_npy'", 1, true)
    os.remove(path)
  end)
end)
