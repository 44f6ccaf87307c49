-- torch.datasets and torch.io.load_idx: the digits compiled into the binary, Fashion-MNIST's
-- IDX files (written here into a temporary directory), hostile IDX files, and the d2l module's
-- data and training helpers.

-- A fresh temporary directory (removed by `cleanup`).
local function tmpdir()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkdir -p '" .. path .. "/FashionMNIST/raw'"))
  return path
end
local function cleanup(dir) os.execute("rm -rf '" .. dir .. "'") end

local function write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

-- An IDX file's bytes: type code, sizes (big-endian), then the element bytes.
local function idx(code, sizes, body)
  local header = string.pack(">BBBB", 0, 0, code, #sizes)
  for _, s in ipairs(sizes) do header = header .. string.pack(">I4", s) end
  return header .. body
end

local function bytes(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = string.char(v) end
  return table.concat(out)
end

local function fails_with(fragment, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  assert.is_truthy(tostring(err):find(fragment, 1, true), tostring(err))
end

describe("torch.datasets.Digits", function()
  it("loads the 1797 digits: images (n, 1, 8, 8) in [0, 1], labels 1..10", function()
    local X, y = torch.datasets.load_digits()
    assert.are.equal("torch.Size([1797, 1, 8, 8])", tostring(X.shape))
    assert.are.equal(torch.float32, X.dtype)
    assert.are.equal(torch.int64, y.dtype)
    assert.are.equal(1, X:max():item())
    assert.are.equal(0, X:min():item())
    assert.are.equal(1, y:min():item())
    assert.are.equal(10, y:max():item())
    -- The first line of digits.csv: 0,0,5,13,9,1,0,0,... label 0.
    assert.are.same({0, 0, 5 / 16, 13 / 16, 9 / 16, 1 / 16, 0, 0}, X[1][1][1]:tolist())
    assert.are.equal(1, y[1]:item())
    -- scikit-learn's class counts: 178 zeros, 182 ones, ...
    local counts = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
    for _, label in ipairs(y:tolist()) do counts[label] = counts[label] + 1 end
    assert.are.same({178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, counts)
  end)

  it("splits deterministically: the first 1437 train, the last 360 validate", function()
    local train, val = torch.datasets.Digits{train = true}, torch.datasets.Digits{train = false}
    assert.are.equal(1437, #train)
    assert.are.equal(360, #val)
    local X, y = torch.datasets.load_digits()
    assert.is_true(torch.equal(val.data[1], X[1438]))
    assert.are.equal(y[1438]:item(), val[1][2]:item())
    assert.are.same({"0", "9"}, train:text_labels(torch.tensor{1, 10}))
    fails_with("unexpected keyword argument 'batch'", torch.datasets.Digits, {batch = 1})
    fails_with("out of range", function() return train[1438] end)
  end)
end)

describe("torch.datasets.FashionMNIST", function()
  it("reads IDX files: float32 images in [0, 1], 1-based int64 labels", function()
    local dir = tmpdir()
    local raw = dir .. "/FashionMNIST/raw/"
    local pixels = {}
    for i = 1, 2 * 28 * 28 do pixels[i] = (i - 1) % 256 end
    write(raw .. "t10k-images-idx3-ubyte", idx(0x08, {2, 28, 28}, bytes(pixels)))
    write(raw .. "t10k-labels-idx1-ubyte", idx(0x08, {2}, bytes({9, 0})))
    local ds = torch.datasets.FashionMNIST{root = dir, train = false}
    cleanup(dir)
    assert.are.equal(2, #ds)
    assert.are.equal("torch.Size([2, 1, 28, 28])", tostring(ds.data.shape))
    assert.are.equal(torch.float32, ds.data.dtype)
    assert.are.same((torch.tensor{0.0, 1.0, 2.0} / 255):tolist(), ds.data[1][1][1][{{1, 3}}]:tolist())
    assert.are.equal(1, ds.data[1][1][10][4]:item())  -- byte 255 (element 9 * 28 + 4)
    assert.are.same({10, 1}, ds.targets:tolist())
    assert.are.same({"ankle boot", "t-shirt"}, ds:text_labels(ds.targets))
    local X, y = ds[2][1], ds[2][2]
    assert.are.equal("torch.Size([1, 28, 28])", tostring(X.shape))
    assert.are.equal(1, y:item())
  end)

  it("says which file is missing and where it goes", function()
    local dir = tmpdir()
    fails_with("missing file " .. dir .. "/FashionMNIST/raw/train-images-idx3-ubyte",
               torch.datasets.FashionMNIST, {root = dir})
    write(dir .. "/FashionMNIST/raw/train-images-idx3-ubyte.gz", "\31\139\8\0")
    fails_with("gunzip " .. dir .. "/FashionMNIST/raw/train-images-idx3-ubyte.gz",
               torch.datasets.FashionMNIST, {root = dir})
    write(dir .. "/FashionMNIST/raw/train-images-idx3-ubyte", idx(0x08, {3, 2, 2}, bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})))
    write(dir .. "/FashionMNIST/raw/train-labels-idx1-ubyte", idx(0x08, {2}, bytes({1, 2})))
    fails_with("3 images but 2 labels", torch.datasets.FashionMNIST, {root = dir})
    write(dir .. "/FashionMNIST/raw/train-labels-idx1-ubyte", idx(0x08, {3}, bytes({1, 2, 10})))
    fails_with("must be 0..9", torch.datasets.FashionMNIST, {root = dir})
    cleanup(dir)
  end)
end)

describe("torch.io.load_idx", function()
  it("reads every element type, big-endian", function()
    local dir = tmpdir()
    local path = dir .. "/x.idx"
    write(path, idx(0x0B, {3}, string.pack(">i2>i2>i2", -2, 300, 7)))
    assert.are.same({-2, 300, 7}, torch.io.load_idx(path):tolist())
    write(path, idx(0x0C, {2}, string.pack(">i4>i4", -70000, 5)))
    assert.are.same({-70000, 5}, torch.io.load_idx(path):tolist())
    write(path, idx(0x09, {2}, bytes({255, 1})))
    assert.are.same({-1, 1}, torch.io.load_idx(path):tolist())
    write(path, idx(0x0D, {2}, string.pack(">f>f", 1.5, -2)))
    local f = torch.io.load_idx(path)
    assert.are.equal(torch.float32, f.dtype)
    assert.are.same({1.5, -2}, f:tolist())
    write(path, idx(0x0E, {1, 1}, string.pack(">d", 0.1)))
    assert.are.same({{0.1}}, torch.io.load_idx(path):tolist())
    write(path, idx(0x08, {2}, bytes({200, 3})))
    assert.are.same({200, 3}, torch.io.load_idx(path, {dtype = torch.float64}):tolist())
    cleanup(dir)
  end)

  it("refuses hostile files with clear errors and no huge allocation", function()
    local dir = tmpdir()
    local path = dir .. "/x.idx"
    write(path, "\1\2\8\1")
    fails_with("magic number", torch.io.load_idx, path)
    write(path, "\0\0")
    fails_with("shorter than the 4-byte magic", torch.io.load_idx, path)
    write(path, idx(0x07, {1}, "x"))
    fails_with("element type 0x7", torch.io.load_idx, path)
    write(path, string.pack(">BBBB", 0, 0, 8, 0))
    fails_with("0 dimensions", torch.io.load_idx, path)
    write(path, string.pack(">BBBB", 0, 0, 8, 3) .. string.pack(">I4", 5))
    fails_with("ends inside the sizes", torch.io.load_idx, path)
    write(path, idx(0x08, {4294967295, 4294967295, 4294967295}, "abc"))
    fails_with("need more data than the file's 3 bytes", torch.io.load_idx, path)
    write(path, idx(0x08, {2, 2}, "abc"))
    fails_with("need more data than the file's 3 bytes", torch.io.load_idx, path)
    write(path, idx(0x08, {2}, "abc"))
    fails_with("need 2 bytes of data but the file has 3", torch.io.load_idx, path)
    write(path, idx(0x0D, {1}, string.pack(">f", 1)))
    fails_with("do not load as torch.int64", torch.io.load_idx, path, {dtype = torch.int64})
    fails_with("cannot open", torch.io.load_idx, dir .. "/absent")
    fails_with("bad argument #1 to 'load_idx'", torch.io.load_idx, 3)
    fails_with("dtype must be a torch dtype", torch.io.load_idx, path, {dtype = "float"})
    cleanup(dir)
  end)
end)

describe("d2l", function()
  local d2l = require "d2l"

  it("builds the book's synthetic regression data with the book's draws", function()
    torch.manual_seed(0)
    local data = d2l.SyntheticRegressionData{w = torch.tensor{2, -3.4}, b = 4.2, num_train = 3, num_val = 2}
    torch.manual_seed(0)
    local X = torch.randn(5, 2)
    local noise = torch.randn(5, 1) * 0.01
    assert.is_true(torch.equal(X, data.X))
    assert.is_true(torch.equal(torch.matmul(X, torch.tensor{{2}, {-3.4}}) + 4.2 + noise, data.y))
    assert.are.equal(1, #data:train_dataloader())
    assert.are.equal(2, #data:val_dataloader().dataset)
  end)

  it("clips gradients to a global norm", function()
    local model = d2l.Module()
    model.net = torch.nn.Linear(2, 1)
    model.net.weight.grad = torch.tensor{{3.0, 0.0}}
    model.net.bias.grad = torch.tensor{4.0}
    d2l.Trainer{max_epochs = 1}:clip_gradients(1, model)
    assert.is_true(torch.allclose(model.net.weight.grad, torch.tensor{{0.6, 0}}))
    assert.is_true(torch.allclose(model.net.bias.grad, torch.tensor{0.8}))
  end)

  it("draws the board's lines into an SVG file when given svg", function()
    local path = os.tmpname() .. ".svg"
    local board = d2l.ProgressBoard{xlabel = "epoch", svg = path, display = false}
    board:draw(1, 0.5, "train_loss", 2)
    board:draw(2, 0.25, "train_loss", 2)
    assert.are.same({{1.5, 0.375}}, board.data.train_loss)
    board:save(path)
    local f = assert(io.open(path))
    local text = f:read("a")
    f:close()
    os.remove(path)
    assert.is_truthy(text:find("<svg", 1, true))
    assert.is_truthy(text:find("train_loss", 1, true))
  end)

  it("checks its arguments", function()
    fails_with("max_epochs must be a non-negative integer", d2l.Trainer, {max_epochs = 1.5})
    fails_with("w must be a tensor", d2l.SyntheticRegressionData, {w = {1, 2}, b = 1})
  end)
end)
