-- torch.nn's layers and loss modules (nn_layers.lua, nn_losses.lua): PyTorch's default
-- initialisation draw for draw under a seed, forwards and grad_fn names, shape errors,
-- LazyLinear, Dropout's mask, activations and losses. Expected values: fixtures/nn_layers.py
-- (same names; its class labels are 0-based, these are 1-based).
local fixture = require("pytorch_fixture")
local pt = fixture.load("nn_layers")
local message_of = fixture.message_of
local nn, F = torch.nn, torch.nn.functional

local function shape_of(t)
  local shape = {}
  for i, n in ipairs(t.shape) do shape[i] = n end
  return shape
end

local function seeded_net()
  torch.manual_seed(0)
  return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
end

local X = torch.arange(8.0):reshape(2, 4) / 4 - 0.5

describe("Linear", function()
  it("draws PyTorch's default initialisation", function()
    local net = seeded_net()
    assert.are.equal(pt.text("sequential"), tostring(net))
    for name, p in net:named_parameters() do pt.assert_tensor("init " .. name, p) end
    assert.are.equal(pt.text("first weight"), tostring(net[1].weight))
  end)

  it("forward records AddmmBackward0 and backpropagates", function()
    local net = seeded_net()
    local y = net(X)
    assert.are.equal(pt.text("forward"), tostring(y))
    y:sum():backward()
    for name, p in net:named_parameters() do pt.assert_tensor("grad " .. name, p.grad, { rtol = 1e-5, atol = 1e-7 }) end
  end)

  it("without bias", function()
    assert.are.equal(pt.text("linear no bias"), tostring(nn.Linear(2, 3, { bias = false })))
    local names = {}
    for name in nn.Linear(2, 3, false):named_parameters() do names[#names + 1] = name end
    assert.are.same(pt.value("linear no bias names"), names)
    assert.is_nil(nn.Linear(2, 3, false).bias)
  end)

  it("other ranks", function()
    assert.are.equal(pt.text("linear 1-d"), nn.Linear(4, 3)(torch.ones(4)).grad_fn.name)
    assert.are.equal(pt.text("linear 3-d"), nn.Linear(4, 3)(torch.ones(2, 2, 4)).grad_fn.name)
  end)

  it("a wrong input size is PyTorch's error at the caller's line", function()
    assert.are.equal(pt.text("shape 2-d"), message_of(function() return nn.Linear(4, 3)(torch.ones(2, 5)) end))
    assert.are.equal(pt.text("shape 3-d"), message_of(function() return nn.Linear(4, 3)(torch.ones(2, 3, 5)) end))
    local lin = nn.Linear(4, 3)
    local ok, err = pcall(function()
      local _ = lin(torch.ones(2, 5)) -- this line
    end)
    assert.is_false(ok)
    assert.is_truthy(err:find("test_nn_layers.lua:" .. (debug.getinfo(1, "l").currentline - 3) .. ":", 1, true))
    local net = nn.Sequential(nn.ReLU(), nn.Linear(4, 3))
    ok, err = pcall(function()
      local _ = net(torch.ones(2, 5)) -- through a container: still this line
    end)
    assert.is_false(ok)
    assert.is_truthy(err:find("test_nn_layers.lua:" .. (debug.getinfo(1, "l").currentline - 3) .. ":", 1, true))
  end)

  it("casts to float64", function()
    local net = seeded_net():double()
    assert.are.equal(pt.text("double forward"), tostring(net(X:double())))
  end)

  it("state dicts load between equal nets and fail between different ones", function()
    local net = seeded_net()
    local other = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    other:load_state_dict(net:state_dict())
    assert.is_true(other[1].weight == net[1].weight)
    local small = nn.Sequential(nn.Linear(5, 3))
    assert.are.equal(pt.text("load size mismatch"), message_of(small.load_state_dict, small, net:state_dict()))
  end)
end)

describe("LazyLinear", function()
  it("draws at its first call and becomes a Linear", function()
    torch.manual_seed(1)
    local lazy = nn.LazyLinear(3)
    lazy(torch.ones(2, 5))
    assert.are.equal(pt.text("lazy after"), tostring(lazy))
    pt.assert_tensor("lazy weight", lazy.weight)
    pt.assert_tensor("lazy bias", lazy.bias)
  end)

  it("in a custom module (DESIGN.md's MLP)", function()
    local MLP = nn.Module:extend("MLP")
    function MLP:__init(h)
      self.hidden = nn.LazyLinear(h)
      self.out = nn.Linear(h, 10)
      self.scale = nn.Parameter(torch.ones(1))
    end
    function MLP:forward(x) return self.out(F.relu(self.hidden(x))) * self.scale end
    torch.manual_seed(2)
    local mlp = MLP(6)
    assert.are.equal(pt.text("mlp before"), tostring(mlp))
    local out = mlp(torch.ones(3, 4))
    assert.are.equal(pt.text("mlp after"), tostring(mlp))
    pt.assert_tensor("mlp output", out, { rtol = 1e-6 })
    local names = {}
    for name in mlp:named_parameters() do names[#names + 1] = name end
    assert.are.same(pt.value("mlp names"), names)
  end)
end)

describe("shape and activation layers", function()
  it("Dropout draws PyTorch's mask in training and is the identity in eval", function()
    torch.manual_seed(3)
    local drop = nn.Dropout(0.3)
    pt.assert_tensor("dropout train", drop(torch.ones(2, 6)))
    drop:eval()
    pt.assert_tensor("dropout eval", drop(torch.ones(2, 6)))
  end)

  it("Flatten keeps the batch dim by default; dims are 1-based", function()
    assert.are.same(pt.value("flatten shape"), shape_of(nn.Flatten()(torch.ones(2, 3, 4))))
    assert.are.same(pt.value("flatten 0 1 shape"), shape_of(nn.Flatten(1, 2)(torch.ones(2, 3, 4))))
  end)

  local a = torch.tensor({ { -1.5, -0.2, 0.0, 0.7, 2.0 }, { 0.3, -0.8, 1.1, -2.2, 0.05 } })
  local cases = {
    { "relu", nn.ReLU() }, { "leaky", nn.LeakyReLU(0.2) }, { "gelu", nn.GELU() },
    { "gelu tanh", nn.GELU("tanh") }, { "sigmoid", nn.Sigmoid() }, { "tanh", nn.Tanh() },
    { "softmax", nn.Softmax(2) }, { "log_softmax", nn.LogSoftmax(2) },
    { "softmax dim0", nn.Softmax(1) }, { "identity", nn.Identity() },
  }
  for _, case in ipairs(cases) do
    it(case[1], function() pt.assert_tensor("act " .. case[1], case[2](a), { rtol = 1e-6, atol = 1e-7 }) end)
  end
end)

describe("loss modules", function()
  local logits = torch.tensor({ { 1.0, 2.0, 0.5 }, { 0.1, -1.0, 2.0 }, { 0.3, 0.3, 0.3 }, { 2.0, 1.0, -1.0 } })
  local labels = torch.tensor({ 2, 3, 1, 1 }) -- PyTorch's 1, 2, 0, 0
  local pred = torch.tensor({ 0.2, 0.7, 0.9, 0.4 })
  local target = torch.tensor({ 0.0, 1.0, 1.0, 0.0 })
  local close = { rtol = 1e-6 }
  it("regression losses", function()
    pt.assert_tensor("mse", nn.MSELoss()(pred, target), close)
    pt.assert_tensor("l1 sum", nn.L1Loss({ reduction = "sum" })(pred, target), close)
    pt.assert_tensor("huber", nn.HuberLoss({ delta = 0.5 })(pred * 3, target), close)
  end)
  it("classification losses with 1-based labels", function()
    pt.assert_tensor("ce", nn.CrossEntropyLoss()(logits, labels), close)
    pt.assert_tensor("ce smoothing", nn.CrossEntropyLoss({ label_smoothing = 0.1 })(logits, labels), close)
    pt.assert_tensor("ce none", nn.CrossEntropyLoss({ reduction = "none" })(logits, labels), close)
    pt.assert_tensor("ce weight", nn.CrossEntropyLoss(torch.tensor({ 1.0, 2.0, 0.5 }))(logits, labels), close)
    pt.assert_tensor("ce ignore", nn.CrossEntropyLoss({ ignore_index = 1 })(logits, labels), close)
    pt.assert_tensor("nll", nn.NLLLoss()(logits:log_softmax(2), labels), close)
    local l = nn.CrossEntropyLoss()(logits:clone():requires_grad_(), labels)
    assert.are.equal(pt.text("ce grad_fn"), l.grad_fn.name)
  end)
  it("binary losses", function()
    pt.assert_tensor("bce", nn.BCELoss()(pred, target), close)
    pt.assert_tensor("bce logits", nn.BCEWithLogitsLoss({ pos_weight = torch.tensor({ 2.0 }) })(pred, target), close)
  end)
  it("a bad reduction is PyTorch's error", function()
    assert.are.equal(pt.text("bad reduction"), message_of(function() return nn.MSELoss({ reduction = "max" }) end))
  end)
end)
