-- torch.nn's module system (nn_module.lua, nn_containers.lua): nn.Parameter, classes made with
-- nn.Module:extend, registration by assignment, traversal names and order, modes, printing,
-- state dicts and their PyTorch errors. Expected text: fixtures/nn_module.py (same names).
local fixture = require("pytorch_fixture")
local pt = fixture.load("nn_module")
local message_of = fixture.message_of
local nn = torch.nn

-- PyTorch raises some of these as KeyError, whose str() is the repr of the message.
local function key_error(text)
  return (text:gsub("^'(.*)'$", "%1"):gsub("\\'", "'"):gsub('^"(.*)"$', "%1"))
end

-- The twin of fixtures/nn_module.py's Block and Net.
local Block = nn.Module:extend("Block")
function Block:__init()
  nn.Module.__init(self) -- optional, as super().__init__() is in PyTorch: harmless here
  self.scale = nn.Parameter(torch.tensor({ 2.0, 3.0 }))
  self:register_buffer("count", torch.zeros(1))
  self:register_buffer("cache", torch.ones(2), { persistent = false })
  self.act = nn.Tanh()
end
function Block:forward(x) return self.act(x) * self.scale end

local Net = nn.Module:extend("Net")
function Net:__init()
  self.first = Block()
  self.bias = nn.Parameter(torch.tensor({ 0.5, -0.5 }))
  self.layers = nn.Sequential(Block(), nn.ReLU(), nn.Identity())
  self.shared = self.first
end
function Net:forward(x) return self.layers(self.first(x)) + self.bias end

local function names(iterator)
  local list = {}
  for name in iterator do list[#list + 1] = name end
  return list
end

describe("nn.Parameter", function()
  it("prints as PyTorch's Parameter, through print, tostring and ..", function()
    local p = nn.Parameter(torch.ones(2))
    assert.are.equal(pt.text("parameter"), tostring(p))
    assert.are.equal(pt.text("parameter"), "" .. p)
    assert.are.equal(pt.text("parameter no grad"), tostring(nn.Parameter(torch.arange(3.0), false)))
    assert.are.equal(pt.text("parameter no grad"),
      tostring(nn.Parameter(torch.arange(3.0), { requires_grad = false })))
  end)

  it("is a leaf sharing the data's storage; results of ops are plain tensors", function()
    local t = torch.zeros(2)
    local p = nn.Parameter(t)
    assert.is_true(p.is_leaf and p.requires_grad)
    t[1] = 5
    assert.are.equal(5.0, p[1]:item())
    assert.are.equal(pt.text("parameter plus one"), tostring(nn.Parameter(torch.ones(2)) + 1))
    assert.is_true(nn.Parameter:isinstance(p))
    assert.is_false(nn.Parameter:isinstance(p:detach()))
  end)

  it("a Parameter of a Parameter is a new object over the same storage", function()
    local p = nn.Parameter(torch.ones(2))
    local q = nn.Parameter(p)
    assert.are.equal(pt.value("parameter of parameter is new"), not rawequal(p, q))
    p:detach()[1] = 7
    assert.are.equal(7.0, q[1]:item())
  end)

  it("keeps its mark through in-place methods that return it", function()
    local p = nn.Parameter(torch.ones(2))
    assert.is_true(rawequal(p, p:requires_grad_(false)))
    assert.is_true(tostring(p):find("^Parameter containing:") ~= nil)
  end)
end)

describe("classes", function()
  it("Class(...) sets up the base, then runs __init with the arguments", function()
    local Scaled = nn.Module:extend("Scaled")
    function Scaled:__init(k) self.k = k end
    function Scaled:forward(x) return x * self.k end
    local m = Scaled(3)
    assert.is_true(m.training)
    assert.are.equal(3, m.k)
    assert.are.equal(6.0, m(torch.tensor(2.0)):item())
  end)

  it("subclasses inherit methods and call their parent's __init", function()
    local Base = nn.Module:extend("Base")
    function Base:__init(a) self.a = a; self.w = nn.Parameter(torch.ones(a)) end
    function Base:forward(x) return x + self.a end
    local Deeper = Base:extend("Deeper")
    function Deeper:__init(a, b) Base.__init(self, a); self.b = b end
    local d = Deeper(2, 5)
    assert.are.equal(2, d.a)
    assert.are.equal(5, d.b)
    assert.are.equal(3.0, d(torch.tensor(1.0)):item())
    assert.are.equal("Deeper()", tostring(d))
    assert.are.same({ "w" }, names(d:named_parameters()))
    assert.is_true(Base:isinstance(d) and nn.Module:isinstance(d))
    assert.is_false(Deeper:isinstance(Base(1)))
    assert.is_true(rawequal(Deeper.super, Base))
  end)

  it("a module with no forward raises PyTorch's error at the call", function()
    assert.are.equal(pt.text("missing forward"), message_of(function() return nn.Module()(torch.ones(1)) end))
  end)
end)

describe("registration", function()
  it("assignment registers parameters and children in order; plain tensors are attributes", function()
    local m = nn.Module()
    m.b = nn.Parameter(torch.ones(1))
    m.a = nn.Parameter(torch.ones(2))
    m.plain = torch.ones(3)
    m.child = nn.ReLU()
    assert.are.same({ "b", "a" }, names(m:named_parameters()))
    assert.are.same({ "child" }, names(m:named_children()))
    assert.are.same({}, names(m:named_buffers()))
    assert.are.equal(3, #m.plain)
  end)

  it("re-assigning keeps the place; assigning nil removes", function()
    local m = nn.Module()
    m.a = nn.Parameter(torch.ones(1))
    m.b = nn.Parameter(torch.ones(1))
    m.a = nn.Parameter(torch.zeros(4))
    assert.are.same({ "a", "b" }, names(m:named_parameters()))
    assert.are.equal(4, #m.a)
    m.a = nil
    assert.are.same({ "b" }, names(m:named_parameters()))
    assert.is_nil(m.a)
    -- as in PyTorch, only a Parameter or nil may replace a parameter
    assert.are.equal("cannot assign 'ReLU' as parameter 'b' (torch.nn.Parameter or None expected)",
      message_of(function() m.b = nn.ReLU() end))
    m.b = nil
    m.b = nn.ReLU()
    assert.are.same({ "b" }, names(m:named_children()))
  end)

  it("assigning a tensor to a buffer's name replaces the buffer", function()
    local m = nn.Module()
    m:register_buffer("running", torch.zeros(2))
    m.running = torch.ones(2)
    assert.are.equal(2.0, m:buffers()[1]:sum():item())
  end)

  it("raises PyTorch's errors for bad names and values", function()
    local m = nn.Module()
    assert.are.equal(pt.text("register_parameter tensor"),
      message_of(m.register_parameter, m, "w", torch.ones(1)))
    assert.are.equal(key_error(pt.text("register_buffer dot")),
      message_of(m.register_buffer, m, "a.b", torch.ones(1)))
    assert.are.equal(key_error(pt.text("register_buffer empty")),
      message_of(m.register_buffer, m, "", torch.ones(1)))
    assert.are.equal(key_error(pt.text("add_module dot")), message_of(m.add_module, m, "a.b", nn.ReLU()))
    assert.are.equal(key_error(pt.text("add_module empty")), message_of(m.add_module, m, "", nn.ReLU()))
    m.w = nn.Parameter(torch.ones(1))
    assert.are.equal(pt.text("assign tensor to parameter"), message_of(function() m.w = torch.ones(1) end))
    m.child = nn.ReLU()
    assert.are.equal(pt.text("assign number to child"):gsub("'int'", "'number'"),
      message_of(function() m.child = 3 end))
    assert.are.equal(key_error(pt.text("register existing attribute")),
      message_of(m.register_buffer, m, "w", torch.ones(1)))
    assert.are.equal(pt.text("train non-boolean"), message_of(m.train, m, 1))
  end)

  it("errors from assignments point at the assigning line", function()
    local m = nn.Module()
    m.w = nn.Parameter(torch.ones(1))
    local ok, err = pcall(function()
      m.w = torch.ones(1) -- this line
    end)
    assert.is_false(ok)
    assert.is_truthy(err:find("test_nn_module.lua:" .. (debug.getinfo(1, "l").currentline - 3) .. ":", 1, true))
  end)
end)

describe("traversal", function()
  it("names and orders parameters, buffers, modules and children as PyTorch", function()
    local net = Net()
    assert.are.equal(pt.text("net"), tostring(net))
    assert.are.same(pt.value("named_parameters"), names(net:named_parameters()))
    assert.are.same(pt.value("named_buffers"), names(net:named_buffers()))
    assert.are.same(pt.value("named_modules"), names(net:named_modules()))
    assert.are.same(pt.value("named_children"), names(net:named_children()))
    assert.are.equal(pt.value("parameters count"), #net:parameters())
    assert.are.equal(pt.value("modules count"), #net:modules())
    assert.are.same({ "scale" }, names(net.first:named_parameters()))
    assert.are.same({ "bias" }, names(net:named_parameters({ recurse = false })))
    assert.are.same({ "net.bias", "net.first.scale", "net.layers.0.scale" },
      names(net:named_parameters({ prefix = "net" })))
  end)

  it("forward and backward through registered parameters", function()
    local net = Net()
    local y = net(torch.tensor({ -1.0, 0.25 }))
    assert.are.equal(pt.text("forward"), tostring(y))
    y:sum():backward()
    pt.assert_tensor("grad first.scale", net.first.scale.grad, { rtol = 1e-6 })
    pt.assert_tensor("grad bias", net.bias.grad)
    net:zero_grad()
    assert.is_nil(net.bias.grad)
    net(torch.ones(2)):sum():backward()
    net:zero_grad(false)
    assert.are.equal(0.0, net.bias.grad:abs():sum():item())
  end)

  it("train and eval reach every module; apply visits children first", function()
    local net = Net()
    assert.is_true(rawequal(net, net:eval()))
    for _, m in ipairs(net:modules()) do assert.is_false(m.training) end
    net:train()
    for _, m in ipairs(net:modules()) do assert.is_true(m.training) end
    local seen = {}
    net.layers:apply(function(m) seen[#seen + 1] = getmetatable(m).__name end)
    assert.are.same({ "Tanh", "Block", "ReLU", "Identity", "Sequential" }, seen)
  end)

  it("requires_grad_ and double() reach every parameter", function()
    local net = Net()
    net:requires_grad_(false)
    for _, p in ipairs(net:parameters()) do assert.is_false(p.requires_grad) end
    local b = Block():double()
    assert.are.equal(pt.text("double scale"), tostring(b.scale))
    assert.are.equal(pt.text("double count"), tostring(b.count))
    assert.are.equal(torch.float32, b:float().scale.dtype)
    assert.are.equal(torch.float64, Block():to(torch.float64).scale.dtype)
    assert.are.equal(pt.text("to int64"), message_of(function() return Block():to(torch.int64) end))
  end)
end)

describe("state dicts", function()
  it("iterate in PyTorch's key order with detached values", function()
    local net = Net()
    local sd = net:state_dict()
    local keys = {}
    for key, value in pairs(sd) do
      keys[#keys + 1] = key
      assert.is_false(value.requires_grad)
    end
    assert.are.same(pt.value("state_dict keys"), keys)
    assert.are.equal(pt.text("state_dict bias"), tostring(sd.bias))
  end)

  it("load copies values in place and reports PyTorch's errors", function()
    local net = Net()
    local sd = net:state_dict()
    local other = Net()
    other.bias:detach():fill_(9)
    local bias = other.bias
    assert.are.equal(pt.value("load all matched"), tostring(other:load_state_dict(sd)))
    assert.is_true(rawequal(bias, other.bias))
    assert.are.equal(0.5, other.bias[1]:item())

    sd["first.count"] = nil
    sd["layers.5.weight"] = torch.ones(1)
    sd.extra = torch.ones(1)
    sd.bias = torch.ones(3)
    assert.are.equal(pt.text("load errors"), message_of(net.load_state_dict, net, sd))
    local result = net:load_state_dict({ bias = torch.ones(2) }, { strict = false })
    assert.are.equal(pt.value("load non-strict"), tostring(result))
    assert.are.equal(pt.text("load non-strict size mismatch"),
      message_of(net.load_state_dict, net, { bias = torch.ones(3) }, { strict = false }))
  end)

  it("a load error points at the caller's line", function()
    local net = Net()
    local ok, err = pcall(function() net:load_state_dict({}) end)
    assert.is_false(ok)
    assert.is_truthy(err:find("test_nn_module.lua:" .. (debug.getinfo(1, "l").currentline - 2) .. ":", 1, true))
  end)
end)

describe("containers", function()
  it("Sequential indexes children from 1, names them from 0", function()
    local net = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    assert.are.equal(3, #net)
    assert.are.equal("ReLU()", tostring(net[1]))
    assert.are.equal("Sigmoid()", tostring(net[-1]))
    assert.is_nil(net[4])
    local seen = 0
    for i, m in ipairs(net) do seen = i; assert.is_true(nn.Module:isinstance(m)) end
    assert.are.equal(3, seen)
    assert.is_true(rawequal(net[1], net["0"]))
    net[2] = nn.Identity()
    assert.are.equal("Identity()", tostring(net[2]))
    assert.are.equal(pt.text("empty sequential"), tostring(nn.Sequential()))
    assert.are.equal(pt.text("named sequential"), tostring(nn.Sequential({ { "act", nn.ReLU() }, { "out", nn.Sigmoid() } })))
    assert.are.equal(pt.text("nested"), tostring(nn.Sequential(nn.Sequential(nn.ReLU(), nn.Tanh()), nn.ModuleList({ nn.Identity() }))))
  end)

  it("ModuleList prints runs of equal modules once; insert shifts names", function()
    local list = nn.ModuleList({ nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.Tanh(), nn.Tanh() })
    list:append(nn.Sigmoid())
    assert.are.equal(pt.text("module list"), tostring(list))
    assert.are.equal(6, #list)
    local ml = nn.ModuleList({ nn.ReLU(), nn.Tanh() })
    ml:insert(2, nn.Sigmoid())
    assert.are.equal(pt.text("module list insert"), tostring(ml))
    assert.are.equal("Tanh()", tostring(ml[3]))
  end)

  it("ModuleDict keeps insertion order", function()
    local d = nn.ModuleDict({ { "b", nn.ReLU() }, { "a", nn.Tanh() } })
    assert.are.equal(pt.text("module dict"), tostring(d))
    assert.are.same({ "b", "a" }, d:keys())
    assert.are.equal("Tanh()", tostring(d.a))
    d.c = nn.Sigmoid()
    assert.are.equal(3, #d)
    assert.are.equal("Sigmoid()", tostring(d:pop("c")))
    assert.are.equal(2, #d)
  end)
end)

describe("printing of layers", function()
  -- PyTorch's dims shifted to Lua's: Flatten(0, 2) is Flatten(1, 3), Softmax(dim=1) is dim=2.
  local cases = {
    { "relu", nn.ReLU() }, { "relu inplace", nn.ReLU(true) },
    { "leaky", nn.LeakyReLU() }, { "leaky 0.2", nn.LeakyReLU(0.2) }, { "gelu", nn.GELU() },
    { "gelu tanh", nn.GELU("tanh") }, { "sigmoid", nn.Sigmoid() }, { "tanh", nn.Tanh() },
    { "softmax none", nn.Softmax() }, { "log_softmax", nn.LogSoftmax({ dim = -1 }) },
    { "dropout", nn.Dropout() }, { "dropout 0.1", nn.Dropout(0.1) }, { "dropout 0", nn.Dropout(0) },
    { "identity", nn.Identity() }, { "lazy", nn.LazyLinear(3) }, { "mse", nn.MSELoss() },
    { "l1", nn.L1Loss() }, { "huber", nn.HuberLoss({ delta = 0.5 }) },
    { "ce", nn.CrossEntropyLoss({ label_smoothing = 0.1 }) }, { "nll", nn.NLLLoss() },
    { "bce", nn.BCELoss() }, { "bcel", nn.BCEWithLogitsLoss({ pos_weight = torch.ones(2) }) },
  }
  for _, case in ipairs(cases) do
    it(case[1], function() assert.are.equal(pt.text("repr " .. case[1]), tostring(case[2])) end)
  end
  it("dims in Lua's terms", function()
    assert.are.equal(pt.text("repr flatten"):gsub("start_dim=1", "start_dim=2"), tostring(nn.Flatten()))
    assert.are.equal("Flatten(start_dim=1, end_dim=3)", tostring(nn.Flatten(1, 3)))
    assert.are.equal(pt.text("repr flatten 1 3"), "Flatten(start_dim=0, end_dim=2)")
    assert.are.equal(pt.text("repr softmax"):gsub("dim=1", "dim=2"), tostring(nn.Softmax(2)))
  end)
  it("bad options", function()
    assert.are.equal(pt.text("repr dropout"), tostring(nn.Dropout({ p = 0.5 })))
    assert.are.equal(pt.text("dropout p"), message_of(function() return nn.Dropout(1.5) end))
  end)
end)
