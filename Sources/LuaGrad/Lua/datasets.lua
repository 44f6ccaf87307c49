-- torch.datasets: the data sets of D2L's chapters 3-5, as datasets a DataLoader reads
-- (`#ds`, `ds[i]` = {image, label}) with their tensors in `ds.data` and `ds.targets`.
--
--   torch.datasets.Digits{train=true}              -- 8x8 digits compiled into the binary
--   torch.datasets.FashionMNIST{root="../data", train=true}   -- IDX files you downloaded
--
-- Images are float32 in [0, 1] shaped (n, 1, H, W); labels are int64 and 1-based (1..10), as
-- every loss expects. Nothing is downloaded: a missing file is an error saying where to put it.
local torch = ...
local raise = torch.optim._raise

torch.datasets = torch.datasets or {}
local datasets = torch.datasets

-- MARK: - Image datasets

--- The class of the image data sets: `#ds`, `ds[i]` = `{data[i], targets[i]}`, and
--- `ds.tensors` = `{data, targets}` so DataLoader batches them with one `index_select` each.
local ImageDataset = {__name = "ImageDataset"}
ImageDataset.__index = function(self, key)
  if math.type(key) == "integer" then
    local n = self.data.shape[1]
    if key < 1 or key > n then
      raise("index " .. key .. " is out of range for a dataset of size " .. n .. " (positions count from 1)")
    end
    return {self.data[key], self.targets[key]}
  end
  return ImageDataset[key]
end
function ImageDataset:__len() return self.data.shape[1] end
function ImageDataset:__tostring()
  return string.format("Dataset %s\n    Number of datapoints: %d\n    Split: %s", self.name, #self,
                       self.train and "Train" or "Test")
end

--- The text labels of 1-based label values (a tensor or a Lua array), as a Lua array.
function ImageDataset:text_labels(indices)
  local values = torch.is_tensor(indices) and indices:reshape(-1):tolist() or indices
  local out = {}
  for k, label in ipairs(values) do
    local text = self.classes[math.tointeger(label)]
    if text == nil then raise("text_labels(): label " .. tostring(label) .. " is not in 1.." .. #self.classes) end
    out[k] = text
  end
  return out
end

local function image_dataset(name, train, data, targets, classes)
  return setmetatable({name = name, train = train, data = data, targets = targets, classes = classes,
                       tensors = {data, targets}}, ImageDataset)
end
datasets._ImageDataset = ImageDataset

-- The options table of a data set constructor, checked against the known keys.
local function options_of(fname, options, known)
  if options == nil then return {} end
  if type(options) ~= "table" then raise(fname .. "(): expected a table of options, got " .. type(options)) end
  for k in pairs(options) do
    if not known[k] then raise(fname .. "() got an unexpected keyword argument '" .. tostring(k) .. "'") end
  end
  return options
end

-- MARK: - Digits

--- How many of the 1797 digits are the training split: the first 80 % (1437) in the file's
--- order; the remaining 360 are the validation split.
datasets.DIGITS_NUM_TRAIN = 1437

--- `load_digits()`: all 1797 digits, images (1797, 1, 8, 8) float32 in [0, 1] (counts / 16)
--- and labels (1797) int64 1..10 (label k is the digit k - 1).
function datasets.load_digits()
  local pixels, labels = datasets._digits_arrays()
  return pixels:reshape(-1, 1, 8, 8) / 16, labels
end

--- `Digits{train=true}`: the training (first 1437) or validation (last 360) digits.
function datasets.Digits(options)
  options = options_of("Digits", options, {train = true})
  local train = options.train ~= false
  local images, labels = datasets.load_digits()
  local n = datasets.DIGITS_NUM_TRAIN
  if train then
    images, labels = images[{{1, n}}], labels[{{1, n}}]
  else
    images, labels = images[{{n + 1, labels.shape[1]}}], labels[{{n + 1, labels.shape[1]}}]
  end
  local classes = {}
  for d = 0, 9 do classes[d + 1] = tostring(d) end
  return image_dataset("Digits", train, images:contiguous(), labels:contiguous(), classes)
end

-- MARK: - Fashion-MNIST

datasets.FASHION_MNIST_CLASSES = {"t-shirt", "trouser", "pullover", "dress", "coat",
                                  "sandal", "shirt", "sneaker", "bag", "ankle boot"}

-- Reads one IDX file of a data set, with an error that says which file to put where.
local function read_idx(dir, file, dtype)
  if type(torch.io) ~= "table" or torch.io.load_idx == nil then
    raise("FashionMNIST: this host does not let scripts read files (torch.io.load_idx is not available)")
  end
  local path = dir .. "/" .. file
  local ok, result = pcall(torch.io.load_idx, path, {dtype = dtype})
  if ok then return result end
  local message = tostring(result)
  if message:find("cannot open", 1, true) then
    local gz_ok, gz_error = pcall(torch.io.load_idx, path .. ".gz")
    if not gz_ok and tostring(gz_error):find("gzip", 1, true) then
      raise("FashionMNIST: found " .. path .. ".gz but not " .. path .. "; uncompress it (gunzip " .. path .. ".gz)")
    end
    raise("FashionMNIST: missing file " .. path .. "; download " .. file .. ".gz from"
          .. " https://github.com/zalandoresearch/fashion-mnist (data/fashion), put it in " .. dir
          .. "/ and uncompress it (gunzip)")
  end
  raise("FashionMNIST: " .. message:gsub("^[^:]*:%d+: ", ""))
end

--- `FashionMNIST{root="../data", train=true}`: the IDX files of Fashion-MNIST from
--- `root/FashionMNIST/raw/` (torchvision's layout): images (n, 1, 28, 28) float32 in [0, 1],
--- labels int64 1..10 (`ds:text_labels(y)` names them).
function datasets.FashionMNIST(options)
  options = options_of("FashionMNIST", options, {root = true, train = true})
  local root = options.root or "../data"
  if type(root) ~= "string" then raise("FashionMNIST(): root must be a string, got " .. type(root)) end
  local train = options.train ~= false
  local dir = root .. "/FashionMNIST/raw"
  local prefix = train and "train" or "t10k"
  local images = read_idx(dir, prefix .. "-images-idx3-ubyte", torch.float32)
  local labels = read_idx(dir, prefix .. "-labels-idx1-ubyte", torch.int64)
  if images.ndim ~= 3 then
    raise("FashionMNIST: " .. dir .. "/" .. prefix .. "-images-idx3-ubyte has " .. images.ndim .. " dimensions, not 3")
  end
  if labels.ndim ~= 1 or labels.shape[1] ~= images.shape[1] then
    raise("FashionMNIST: " .. images.shape[1] .. " images but " .. labels:numel() .. " labels in " .. dir)
  end
  if labels:numel() > 0 and (labels:min():item() < 0 or labels:max():item() > 9) then
    raise("FashionMNIST: labels in " .. dir .. "/" .. prefix .. "-labels-idx1-ubyte must be 0..9")
  end
  images = images:unsqueeze(2):div_(255)
  return image_dataset("FashionMNIST", train, images, labels + 1, datasets.FASHION_MNIST_CLASSES)
end

return datasets
