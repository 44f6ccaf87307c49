-- torch.nn.init and the in-place random fills (uniform_, normal_, bernoulli_) against real
-- PyTorch: after the same seed every draw is PyTorch's bit for bit; fills record no graph;
-- bad input raises PyTorch's text at the caller's line.
-- Expected values: fixtures/nn_init.txt, written by fixtures/nn_init.py
-- (regenerate with Tests/lua/fixtures/regenerate nn_init).
local pt = require("pytorch_fixture").load("nn_init")
local init = torch.nn.init

--- Asserts that `fn` raises the fixture's message `name`, positioned at this test file.
local function raises(name, fn)
  local ok, message = pcall(fn)
  assert.is_false(ok, name .. " did not raise")
  message = tostring(message)
  assert.are.equal(pt.text(name), message:sub(-#pt.text(name)))
  assert.truthy(message:find("test_nn_init.lua:%d+: ") or not message:find("%.lua:%d+:"),
    name .. ": the message should point at the caller: " .. message)
end

describe("in-place random fills", function()
  it("draw PyTorch's values", function()
    torch.manual_seed(0)
    pt.assert_tensor("uniform_ -1 1", torch.empty(3, 4):uniform_(-1, 1))
    pt.assert_tensor("uniform_ default f64", torch.empty(5, { dtype = torch.float64 }):uniform_())
    pt.assert_tensor("normal_ 7", torch.empty(7):normal_(1, 2))
    pt.assert_tensor("normal_ 37", torch.empty(37):normal_(-1, 0.5))
    pt.assert_tensor("normal_ f64 20", torch.empty(4, 5, { dtype = torch.float64 }):normal_())
    pt.assert_tensor("bernoulli_ 0.3", torch.empty(3, 5):bernoulli_(0.3))
    pt.assert_tensor("bernoulli_ default", torch.empty(8):bernoulli_())
    torch.manual_seed(3)
    pt.assert_tensor("normal_ transposed", torch.empty(4, 5):t():normal_())
  end)

  it("return the tensor they fill", function()
    local x = torch.empty(2, 2)
    assert.is_true(rawequal(x, x:uniform_()))
    assert.is_true(rawequal(x, x:normal_()))
    assert.is_true(rawequal(x, x:bernoulli_(0.5)))
  end)

  it("record PyTorch's grad_fn in a graph and refuse leaves", function()
    local x = torch.zeros(3, { requires_grad = true })
    raises("leaf uniform_", function() x:uniform_() end)
    assert.are.equal(pt.text("grad_fn uniform_"), (x * 1):uniform_().grad_fn.name)
    assert.are.equal(pt.text("grad_fn normal_"), (x * 1):normal_().grad_fn.name)
    assert.are.equal(pt.text("grad_fn bernoulli_"), (x * 1):bernoulli_(0.5).grad_fn.name)
    local y = (x * 1):uniform_()
    y:sum():backward()
    assert.are.same({ 0, 0, 0 }, x.grad:tolist())
  end)

  it("raise PyTorch's errors", function()
    raises("uniform_ long", function() torch.zeros(3, { dtype = torch.int64 }):uniform_() end)
    raises("uniform_ bounds", function() torch.zeros(3):uniform_(2, 1) end)
    raises("normal_ std", function() torch.zeros(3):normal_(0, -1) end)
    raises("bernoulli_ p", function() torch.zeros(3):bernoulli_(1.5) end)
  end)
end)

describe("torch.nn.init", function()
  it("draws PyTorch's values", function()
    torch.manual_seed(0)
    local w = torch.empty(3, 4)
    assert.is_true(rawequal(w, init.kaiming_uniform_(w, { a = math.sqrt(5) })))
    pt.assert_tensor("kaiming_uniform_ a=sqrt5", w)
    pt.assert_tensor("kaiming_uniform_ default", init.kaiming_uniform_(torch.empty(4, 3, 2)))
    pt.assert_tensor("kaiming_uniform_ fan_out relu",
      init.kaiming_uniform_(torch.empty(5, 2), { mode = "fan_out", nonlinearity = "relu" }))
    pt.assert_tensor("kaiming_normal_ default", init.kaiming_normal_(torch.empty(6, 5)))
    pt.assert_tensor("kaiming_normal_ fan_out", init.kaiming_normal_(torch.empty(2, 3), 0, "fan_out"))
    pt.assert_tensor("xavier_uniform_", init.xavier_uniform_(torch.empty(4, 6)))
    pt.assert_tensor("xavier_uniform_ gain",
      init.xavier_uniform_(torch.empty(3, 2, 2), { gain = init.calculate_gain("tanh") }))
    pt.assert_tensor("xavier_normal_", init.xavier_normal_(torch.empty(5, 6)))
    pt.assert_tensor("xavier_normal_ gain", init.xavier_normal_(torch.empty(2, 9), 2.0))
    pt.assert_tensor("init uniform_", init.uniform_(torch.empty(2, 3)))
    pt.assert_tensor("init uniform_ a b", init.uniform_(torch.empty(2, 3), -0.5, 0.25))
    pt.assert_tensor("init normal_", init.normal_(torch.empty(2, 3)))
    pt.assert_tensor("init normal_ std", init.normal_(torch.empty(17), { std = 0.02 }))
    pt.assert_tensor("constant_", init.constant_(torch.empty(2, 2), 0.5))
    pt.assert_tensor("ones_", init.ones_(torch.empty(3)))
    pt.assert_tensor("zeros_", init.zeros_(torch.empty(3)))
  end)

  it("fills parameters without recording a graph", function()
    local p = torch.empty(3, 2, { requires_grad = true })
    init.kaiming_uniform_(p, { a = math.sqrt(5) })
    pt.assert_tensor("param", p:detach())
    assert.are.same(pt.value("param is_leaf"), { p.is_leaf, p.requires_grad, p.grad_fn == nil })
  end)

  it("reproduces nn.Linear's default initialisation", function()
    torch.manual_seed(42)
    local weight = init.kaiming_uniform_(torch.empty(3, 4), { a = math.sqrt(5) })
    local fan_in = init._calculate_fan_in_and_fan_out(weight)
    local bound = 1 / math.sqrt(fan_in)
    local bias = init.uniform_(torch.empty(3), -bound, bound)
    pt.assert_tensor("linear weight", weight)
    pt.assert_tensor("linear bias", bias)
  end)

  it("computes gains and fans as PyTorch", function()
    local gains = {}
    for i, n in ipairs({ "linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu" }) do
      gains[i] = init.calculate_gain(n)
    end
    assert.are.same(pt.value("gains"), gains)
    assert.are.equal(pt.value("gain leaky 0.2"), init.calculate_gain("leaky_relu", 0.2))
    assert.are.equal(pt.value("gain leaky sqrt5"), init.calculate_gain("leaky_relu", math.sqrt(5)))
    assert.are.same(pt.value("fans"), { init._calculate_fan_in_and_fan_out(torch.empty(4, 3, 5, 2)) })
  end)

  it("raises PyTorch's errors at the caller's line", function()
    raises("gain unsupported", function() init.calculate_gain("swish") end)
    raises("gain bad slope", function() init.calculate_gain("leaky_relu", "x") end)
    raises("fan 1-d", function() init.xavier_uniform_(torch.empty(3)) end)
    raises("kaiming mode", function() init.kaiming_uniform_(torch.empty(3, 2), { mode = "fan_avg" }) end)
  end)

  it("leaves tensors without elements as they are", function()
    local empty = torch.empty(0, 3)
    assert.is_true(rawequal(empty, init.kaiming_uniform_(empty)))
  end)
end)
