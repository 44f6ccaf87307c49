-- d2l: the helpers of "Dive into Deep Learning" (d2l/torch.py, version 1.0.3) for chapters 3-5,
-- so the book's code ports line by line.
--
--   local d2l = require "d2l"
--   local data = d2l.SyntheticRegressionData{w = torch.tensor{2, -3.4}, b = 4.2}
--   local model = d2l.LinearRegressionScratch(2, 0.03)
--   local trainer = d2l.Trainer{max_epochs = 3}
--   trainer:fit(model, data)
--
-- Classes are nn.Module classes (`d2l.Module:extend("Name")`) or plain classes
-- (`d2l.DataModule:extend("Name")`); `add_to_class(Class)(name, fn)` adds a method later, as
-- the book's `@d2l.add_to_class`. The ProgressBoard prints the points the book plots (and
-- draws them to an SVG file when given `{svg = path}`). docs/training.md has the chapter table.
local torch = require "luagrad"
local nn, F = torch.nn, torch.nn.functional
local getlocal, getinfo = debug and debug.getlocal, debug and debug.getinfo

local d2l = {}

local function raise(message, level) error("d2l: " .. message, (level or 1) + 1) end

-- MARK: - Classes and hyper-parameters

--- `add_to_class(Class)(name, fn)` (or `(fn)` for a named function table `{name = fn}`): adds
--- methods to a class after it is defined, as the book's `@d2l.add_to_class(Class)`.
function d2l.add_to_class(class)
  return function(name, fn)
    if type(name) == "table" then
      for k, f in pairs(name) do class[k] = f end
    elseif type(name) == "string" and type(fn) == "function" then
      class[name] = fn
    else
      raise("add_to_class(Class)(name, function) or add_to_class(Class){name = function}", 2)
    end
  end
end

--- `obj:save_hyperparameters([values], [ignore])`: stores the arguments of the calling
--- `__init` as fields and in `obj.hparams` (the book's `save_hyperparameters()`). Without
--- `values` they are read from the caller's parameters (their current values, so defaults set
--- with `x = x or 1` before the call count); `values` gives them explicitly.
local function save_hyperparameters(self, values, ignore)
  local skip = {}
  for _, k in ipairs(ignore or {}) do skip[k] = true end
  if values == nil then
    if getlocal == nil then raise("save_hyperparameters: pass the values as a table (debug is not available)", 2) end
    values = {}
    local info = getinfo(2, "u")
    for i = 1, info.nparams do
      local name, value = getlocal(2, i)
      if name ~= "self" and name:sub(1, 1) ~= "_" then values[name] = value end
    end
  end
  rawset(self, "hparams", rawget(self, "hparams") or {})
  for k, v in pairs(values) do
    if not skip[k] then
      self.hparams[k] = v
      self[k] = v
    end
  end
end

-- A plain (non-module) class: `Class(...)` makes an instance and runs `__init`; `extend`
-- makes subclasses.
local function plain_class(name, parent)
  local class = {__name = name, super = parent}
  class.__index = class
  class.extend = function(c, sub) return plain_class(sub, c) end
  class.save_hyperparameters = save_hyperparameters
  return setmetatable(class, {
    __index = parent,
    __call = function(c, ...)
      local self = setmetatable({}, c)
      if c.__init then c.__init(self, ...) end
      return self
    end,
    __tostring = function() return "<class '" .. name .. "'>" end,
  })
end

d2l.HyperParameters = plain_class("HyperParameters")

-- MARK: - ProgressBoard

--- `ProgressBoard{xlabel, ylabel, xlim, ylim, xscale, yscale, ls, colors, figsize, display=true,
--- svg=path, fmt="%.4f"}`: collects the points `draw(x, y, label, every_n)` is given, averages
--- every `every_n` of a label into one point as the book's board does, and prints each point
--- as a line `xlabel x label y` (deterministic text: example transcripts compare it). With
--- `svg`, it also redraws the figure into that file at each point (needs luagrad.plot).
d2l.ProgressBoard = d2l.HyperParameters:extend("ProgressBoard")

function d2l.ProgressBoard:__init(options)
  options = options or {}
  self:save_hyperparameters({
    xlabel = options.xlabel, ylabel = options.ylabel, xlim = options.xlim, ylim = options.ylim,
    xscale = options.xscale or "linear", yscale = options.yscale or "linear",
    ls = options.ls or {"-", "--", "-.", ":"}, colors = options.colors or {"C0", "C1", "C2", "C3"},
    figsize = options.figsize or {3.5, 2.5}, svg = options.svg, fmt = options.fmt or "%.4f",
  })
  self.display = options.display ~= false
  self.labels, self.raw_points, self.data = {}, {}, {}
end

--- Adds the point `(x, y)` to the line `label`; every `every_n` points become one drawn point.
function d2l.ProgressBoard:draw(x, y, label, every_n)
  every_n = every_n or 1
  if torch.is_tensor(y) then y = y:item() end
  if self.raw_points[label] == nil then
    self.labels[#self.labels + 1] = label
    self.raw_points[label], self.data[label] = {}, {}
  end
  local points, line = self.raw_points[label], self.data[label]
  points[#points + 1] = {x, y}
  if #points ~= every_n then return end
  local sx, sy = 0, 0
  for _, p in ipairs(points) do sx, sy = sx + p[1], sy + p[2] end
  local point = {sx / #points, sy / #points}
  line[#line + 1] = point
  for k in pairs(points) do points[k] = nil end
  if not self.display then return end
  print(string.format("%s %.2f  %s " .. self.fmt, self.xlabel or "x", point[1], label, point[2]))
  if self.svg then self:save(self.svg) end
end

--- Draws the lines so far (the book's figure) into the SVG file at `path`.
function d2l.ProgressBoard:save(path)
  local plot = require "luagrad.plot"
  local fig, ax = plot.subplots(1, 1, {figsize = self.figsize})
  ax = ax[1] or ax
  for k, label in ipairs(self.labels) do
    local xs, ys = {}, {}
    for i, p in ipairs(self.data[label]) do xs[i], ys[i] = p[1], p[2] end
    local fmt = self.colors[(k - 1) % #self.colors + 1] .. self.ls[(k - 1) % #self.ls + 1]
    ax:plot(xs, ys, fmt, {label = label})
  end
  if self.xlim then ax:set_xlim(self.xlim[1], self.xlim[2]) end
  if self.ylim then ax:set_ylim(self.ylim[1], self.ylim[2]) end
  ax:set_xlabel(self.xlabel); ax:set_ylabel(self.ylabel)
  ax:set_xscale(self.xscale); ax:set_yscale(self.yscale)
  ax:legend()
  fig:savefig(path)
end

-- MARK: - Module

--- `d2l.Module(plot_train_per_epoch=2, plot_valid_per_epoch=1)`: the base class of the book's
--- models, an nn.Module with `loss`, `forward` (runs `self.net`), `training_step`,
--- `validation_step`, `configure_optimizers` and `plot`.
d2l.Module = nn.Module:extend("Module")
d2l.Module.save_hyperparameters = save_hyperparameters

function d2l.Module:__init(plot_train_per_epoch, plot_valid_per_epoch)
  self.plot_train_per_epoch = plot_train_per_epoch or 2
  self.plot_valid_per_epoch = plot_valid_per_epoch or 1
  self.board = d2l.ProgressBoard()
end

-- The model's board, made with the defaults when a subclass's __init did not call
-- d2l.Module.__init (the book's super().__init__()).
local function board_of(model)
  if model.board == nil then d2l.Module.__init(model) end
  return model.board
end

function d2l.Module:loss(y_hat, y) raise("Module:loss is not defined: a subclass defines it", 2) end

function d2l.Module:forward(X)
  if self.net == nil then raise("Module:forward runs self.net: define self.net or a forward method", 2) end
  return self.net(X)
end

--- Adds `value` (a 0-d tensor or a number) to the board: training points at fractional epochs,
--- validation points at the end of each epoch, averaged as the book does.
function d2l.Module:plot(key, value, train)
  local trainer = self.trainer
  if trainer == nil then raise("Module:plot: the Trainer is not set (call trainer:fit(model, data))", 2) end
  board_of(self).xlabel = "epoch"
  local x, n
  if train then
    x = trainer.train_batch_idx / trainer.num_train_batches
    n = trainer.num_train_batches / self.plot_train_per_epoch
  else
    x = trainer.epoch + 1
    n = trainer.num_val_batches / self.plot_valid_per_epoch
  end
  if torch.is_tensor(value) then value = value:detach():item() end
  self.board:draw(x, value, (train and "train_" or "val_") .. key, math.floor(n))
end

-- The inputs of a batch (all but the last field) and its targets (the last).
local function split_batch(batch)
  return table.unpack(batch, 1, #batch - 1)
end

function d2l.Module:training_step(batch)
  local l = self:loss(self(split_batch(batch)), batch[#batch])
  self:plot("loss", l, true)
  return l
end

function d2l.Module:validation_step(batch)
  local l = self:loss(self(split_batch(batch)), batch[#batch])
  self:plot("loss", l, false)
end

--- Minibatch SGD over the model's parameters with the model's `lr` (section 4.3's default).
function d2l.Module:configure_optimizers()
  return torch.optim.SGD(self:parameters(), {lr = self.lr})
end

--- Runs `inputs` through the model (materialising lazy layers), then applies `init`.
function d2l.Module:apply_init(inputs, init)
  self:forward(table.unpack(inputs))
  if init ~= nil then self.net:apply(init) end
end

-- MARK: - DataModule

--- `d2l.DataModule{root="../data"}`: the base class of the book's data; subclasses define
--- `get_dataloader(train)`.
d2l.DataModule = d2l.HyperParameters:extend("DataModule")

function d2l.DataModule:__init(options)
  self.root = (options and options.root) or "../data"
  self.num_workers = 0
end

function d2l.DataModule:get_dataloader(train) raise("DataModule:get_dataloader is not defined: a subclass defines it", 2) end
function d2l.DataModule:train_dataloader() return self:get_dataloader(true) end
function d2l.DataModule:val_dataloader() return self:get_dataloader(false) end

--- A DataLoader over rows `indices` = `{first, last}` (1-based, inclusive; all rows when nil)
--- of `tensors`, shuffled when `train`.
function d2l.DataModule:get_tensorloader(tensors, train, indices)
  local parts = {}
  for k, t in ipairs(tensors) do
    parts[k] = indices and t[{{indices[1], indices[2]}}] or t
  end
  local dataset = torch.utils.data.TensorDataset(table.unpack(parts))
  return torch.utils.data.DataLoader(dataset, {batch_size = self.batch_size, shuffle = train})
end

-- MARK: - Trainer

--- `d2l.Trainer{max_epochs=, gradient_clip_val=0}` (or `Trainer(max_epochs, num_gpus,
--- gradient_clip_val)`): fits a model to data, epoch by epoch, as the book's Trainer.
d2l.Trainer = d2l.HyperParameters:extend("Trainer")

function d2l.Trainer:__init(max_epochs, num_gpus, gradient_clip_val)
  local o = type(max_epochs) == "table" and max_epochs or
            {max_epochs = max_epochs, num_gpus = num_gpus, gradient_clip_val = gradient_clip_val}
  if math.type(o.max_epochs) ~= "integer" or o.max_epochs < 0 then
    raise("Trainer: max_epochs must be a non-negative integer, got " .. tostring(o.max_epochs), 3)
  end
  if (o.num_gpus or 0) ~= 0 then raise("Trainer: LuaGrad runs on the CPU (num_gpus must be 0)", 3) end
  self:save_hyperparameters({max_epochs = o.max_epochs, num_gpus = 0, gradient_clip_val = o.gradient_clip_val or 0})
end

function d2l.Trainer:prepare_data(data)
  self.train_dataloader = data:train_dataloader()
  self.val_dataloader = data:val_dataloader()
  self.num_train_batches = #self.train_dataloader
  self.num_val_batches = self.val_dataloader and #self.val_dataloader or 0
end

function d2l.Trainer:prepare_model(model)
  model.trainer = self
  board_of(model).xlim = {0, self.max_epochs}
  self.model = model
end

-- Whether `model` holds a lazy layer whose parameters the first batch will create.
local function has_lazy_layers(model)
  for _, m in ipairs(model:modules()) do
    if getmetatable(m) == nn.LazyLinear then return true end
  end
  return false
end

--- Fits `model` to `data` for `max_epochs` epochs. A model with lazy layers gets its
--- optimizer after the first batch's forward pass (when its parameters exist; PyTorch
--- materialises them in place instead), which changes no number: nothing is drawn between.
function d2l.Trainer:fit(model, data)
  self:prepare_data(data)
  self:prepare_model(model)
  self.optim = nil
  if not has_lazy_layers(model) then self.optim = model:configure_optimizers() end
  self.epoch = 0
  self.train_batch_idx = 0
  self.val_batch_idx = 0
  for epoch = 0, self.max_epochs - 1 do
    self.epoch = epoch
    self:fit_epoch()
  end
end

function d2l.Trainer:prepare_batch(batch) return batch end

-- Each batch of a pass of `loader` as a Lua array of its fields.
local function batches(loader)
  local next_batch = loader:iter()
  return function()
    local batch = table.pack(next_batch())
    if batch[1] == nil then return nil end
    batch.n = nil
    return batch
  end
end

--- One epoch: a training pass (step per batch), then a validation pass without gradients.
function d2l.Trainer:fit_epoch()
  self.model:train()
  for batch in batches(self.train_dataloader) do
    local loss = self.model:training_step(self:prepare_batch(batch))
    if self.optim == nil then self.optim = self.model:configure_optimizers() end
    self.optim:zero_grad()
    loss:backward()
    torch.no_grad(function()
      if self.gradient_clip_val > 0 then self:clip_gradients(self.gradient_clip_val, self.model) end
      self.optim:step()
    end)
    self.train_batch_idx = self.train_batch_idx + 1
  end
  if self.val_dataloader == nil then return end
  self.model:eval()
  for batch in batches(self.val_dataloader) do
    torch.no_grad(function() self.model:validation_step(self:prepare_batch(batch)) end)
    self.val_batch_idx = self.val_batch_idx + 1
  end
end

--- Scales the gradients so that their global norm is at most `grad_clip_val` (section 9.5).
function d2l.Trainer:clip_gradients(grad_clip_val, model)
  local params = {}
  for _, p in ipairs(model:parameters()) do
    if p.requires_grad and p.grad ~= nil then params[#params + 1] = p end
  end
  if #params == 0 then return end
  local total = nil
  for _, p in ipairs(params) do
    local s = (p.grad ^ 2):sum()
    total = total and total + s or s
  end
  local norm = total:sqrt()
  if norm:item() > grad_clip_val then
    for _, p in ipairs(params) do p.grad:mul_(grad_clip_val / norm) end
  end
end

-- MARK: - Chapter 3: linear regression

--- `SyntheticRegressionData{w=, b=, noise=0.01, num_train=1000, num_val=1000, batch_size=32}`
--- (or positional): X = randn(n, #w), y = X w + b + noise, drawn as the book draws them.
d2l.SyntheticRegressionData = d2l.DataModule:extend("SyntheticRegressionData")

function d2l.SyntheticRegressionData:__init(w, b, noise, num_train, num_val, batch_size)
  d2l.DataModule.__init(self)
  local o = (type(w) == "table" and not torch.is_tensor(w)) and w or
            {w = w, b = b, noise = noise, num_train = num_train, num_val = num_val, batch_size = batch_size}
  if not torch.is_tensor(o.w) then raise("SyntheticRegressionData: w must be a tensor", 3) end
  if type(o.b) ~= "number" then raise("SyntheticRegressionData: b must be a number", 3) end
  self:save_hyperparameters({w = o.w, b = o.b, noise = o.noise or 0.01, num_train = o.num_train or 1000,
                             num_val = o.num_val or 1000, batch_size = o.batch_size or 32})
  local n = self.num_train + self.num_val
  self.X = torch.randn(n, o.w:numel())
  local noise_values = torch.randn(n, 1) * self.noise
  self.y = torch.matmul(self.X, o.w:reshape(-1, 1)) + self.b + noise_values
end

function d2l.SyntheticRegressionData:get_dataloader(train)
  local i = train and {1, self.num_train} or {self.num_train + 1, self.num_train + self.num_val}
  return self:get_tensorloader({self.X, self.y}, train, i)
end

--- The book's from-scratch minibatch SGD: `param -= lr * param.grad`.
d2l.SGD = d2l.HyperParameters:extend("SGD")

function d2l.SGD:__init(params, lr) self:save_hyperparameters({params = params, lr = lr}) end

function d2l.SGD:step()
  for _, param in ipairs(self.params) do param:sub_(self.lr * param.grad) end
end

function d2l.SGD:zero_grad()
  for _, param in ipairs(self.params) do
    if param.grad ~= nil then param.grad:zero_() end
  end
end

--- `LinearRegressionScratch(num_inputs, lr, sigma=0.01)`: w ~ N(0, sigma²), b = 0.
d2l.LinearRegressionScratch = d2l.Module:extend("LinearRegressionScratch")

function d2l.LinearRegressionScratch:__init(num_inputs, lr, sigma)
  d2l.Module.__init(self)
  sigma = sigma or 0.01
  self:save_hyperparameters({num_inputs = num_inputs, lr = lr, sigma = sigma})
  self.w = torch.normal(0, sigma, {num_inputs, 1}, {requires_grad = true})
  self.b = torch.zeros(1, {requires_grad = true})
end

function d2l.LinearRegressionScratch:forward(X) return torch.matmul(X, self.w) + self.b end

function d2l.LinearRegressionScratch:loss(y_hat, y)
  local l = (y_hat - y) ^ 2 / 2
  return l:mean()
end

function d2l.LinearRegressionScratch:configure_optimizers() return d2l.SGD({self.w, self.b}, self.lr) end

--- `LinearRegression(lr)`: `nn.LazyLinear(1)`, MSE loss, `torch.optim.SGD`. The book also calls
--- `weight.data.normal_(0, 0.01)` here; on PyTorch's uninitialised lazy parameter that draws
--- nothing and the first batch's default initialisation replaces it, so the weights are
--- LazyLinear's own (drawn at the first forward pass), here as in PyTorch.
d2l.LinearRegression = d2l.Module:extend("LinearRegression")

function d2l.LinearRegression:__init(lr)
  d2l.Module.__init(self)
  self:save_hyperparameters({lr = lr})
  self.net = nn.LazyLinear(1)
end

function d2l.LinearRegression:forward(X) return self.net(X) end
function d2l.LinearRegression:loss(y_hat, y) return nn.MSELoss()(y_hat, y) end
function d2l.LinearRegression:configure_optimizers() return torch.optim.SGD(self:parameters(), {lr = self.lr}) end
function d2l.LinearRegression:get_w_b() return self.net.weight:detach(), self.net.bias:detach() end

-- MARK: - Chapter 4: classification

--- The base class of classifiers: validation reports loss and accuracy.
d2l.Classifier = d2l.Module:extend("Classifier")

function d2l.Classifier:validation_step(batch)
  local Y_hat = self(split_batch(batch))
  self:plot("loss", self:loss(Y_hat, batch[#batch]), false)
  self:plot("acc", self:accuracy(Y_hat, batch[#batch]), false)
end

--- The fraction (or, with `averaged=false`, the 0/1 vector) of rows whose largest score is at
--- the label (1-based labels, as argmax returns).
function d2l.Classifier:accuracy(Y_hat, Y, averaged)
  Y_hat = Y_hat:reshape(-1, Y_hat.shape[Y_hat.ndim])
  local preds = Y_hat:argmax(2):to(Y.dtype)
  local compare = preds:eq(Y:reshape(-1)):to(torch.float32)
  if averaged == false then return compare end
  return compare:mean()
end

function d2l.Classifier:loss(Y_hat, Y, averaged)
  Y_hat = Y_hat:reshape(-1, Y_hat.shape[Y_hat.ndim])
  Y = Y:reshape(-1)
  return F.cross_entropy(Y_hat, Y, {reduction = averaged == false and "none" or "mean"})
end

--- `SoftmaxRegression(num_outputs, lr)`: Flatten, then LazyLinear(num_outputs).
d2l.SoftmaxRegression = d2l.Classifier:extend("SoftmaxRegression")

function d2l.SoftmaxRegression:__init(num_outputs, lr)
  d2l.Module.__init(self)
  self:save_hyperparameters({num_outputs = num_outputs, lr = lr})
  self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))
end

function d2l.SoftmaxRegression:forward(X) return self.net(X) end

-- MARK: - Image data

-- A DataModule over a torch.datasets image data set's train and validation splits.
local function image_data_module(name, load)
  local class = d2l.DataModule:extend(name)
  function class:__init(batch_size, options)
    if type(batch_size) == "table" then batch_size, options = batch_size.batch_size, batch_size end
    options = options or {}
    d2l.DataModule.__init(self, options)
    self.batch_size = batch_size or 64
    self.train, self.val = load(self, true), load(self, false)
  end
  function class:text_labels(indices) return self.train:text_labels(indices) end
  function class:get_dataloader(train)
    local dataset = train and self.train or self.val
    return torch.utils.data.DataLoader(dataset, {batch_size = self.batch_size, shuffle = train})
  end
  return class
end

--- `FashionMNIST{batch_size=64, root="../data"}`: Fashion-MNIST from IDX files (no download;
--- see torch.datasets.FashionMNIST for where they go). Only 28x28 (no resize).
d2l.FashionMNIST = image_data_module("FashionMNIST", function(self, train)
  return torch.datasets.FashionMNIST{root = self.root, train = train}
end)

--- `Digits{batch_size=64}`: the 8x8 digits compiled into LuaGrad, as the book's FashionMNIST
--- would be used (1437 training, 360 validation images, 1 x 8 x 8).
d2l.Digits = image_data_module("Digits", function(_, train) return torch.datasets.Digits{train = train} end)

return d2l
