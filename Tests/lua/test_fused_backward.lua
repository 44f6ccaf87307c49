-- Some backward formulas run as one fused pass when nothing records them (`x * x` sends
-- 2·grad·x to x once instead of two products the engine adds; `sqrt` divides by 2·result in
-- one pass). They must give bit for bit what the recorded ops give, which is what a
-- create_graph backward runs, and must not change what a recorded backward builds. Some
-- write their result into the incoming gradient when nothing else holds it.

-- x.grad from `loss(x)`, plain and with create_graph (the recorded formula), as a pair.
local function both_ways(make, loss)
  local plain = make()
  loss(plain):backward()
  local recorded = make()
  loss(recorded):backward({ create_graph = true })
  return plain.grad, recorded.grad
end

local function same_bits(a, b)
  return torch.allclose(a, b, { rtol = 0, atol = 0, equal_nan = true })
end

describe("fused backward formulas", function()
  torch.manual_seed(0)
  -- Past the parallel threshold and below it, float32 and float64.
  local sizes = { 7, 70000 }

  it("x * x gives 2·grad·x, as the two products the engine adds", function()
    for _, n in ipairs(sizes) do
      for _, dtype in ipairs({ torch.float32, torch.float64 }) do
        local values = torch.randn(n, { dtype = dtype })
        local function make() return values:clone():requires_grad_() end
        local g = torch.randn(n, { dtype = dtype })
        local plain, recorded = both_ways(make, function(x) return ((x * x) * g):sum() end)
        assert.is_true(same_bits(plain, recorded), "n = " .. n)
        assert.is_true(same_bits(plain, g * values * 2), "n = " .. n)
      end
    end
  end)

  it("x * x through a non-leaf, and next to a product of two tensors", function()
    local values = torch.randn(50)
    local function make() return values:clone():requires_grad_() end
    local plain, recorded = both_ways(make, function(x)
      local y = x * 3
      return (y * y + y * x):sum()
    end)
    assert.is_true(same_bits(plain, recorded))
  end)

  it("sqrt divides by twice its result", function()
    for _, n in ipairs(sizes) do
      local values = torch.rand(n, { dtype = torch.float64 }) * 4 + 0.01
      local function make() return values:clone():requires_grad_() end
      local plain, recorded = both_ways(make, function(x) return torch.sqrt(x * x + 1):sum() end)
      assert.is_true(same_bits(plain, recorded), "n = " .. n)
    end
  end)

  it("mean of everything and gather give the recorded ops' bits", function()
    -- Unrecorded, mean()'s gradient is one quotient seen over its input and gather's is added
    -- into its new zeros; recorded, they are `expand / count` and an out-of-place scatter_add.
    for _, rows in ipairs({ 3, 7000 }) do
      for _, dtype in ipairs({ torch.float32, torch.float64 }) do
        local values = torch.randn(rows, 10, { dtype = dtype })
        local labels = torch.randint(1, 11, { rows, 2 })
        local function make() return values:clone():requires_grad_() end
        local plain, recorded = both_ways(make, function(x)
          return -torch.log_softmax(x, 2):gather(2, labels):mean()
        end)
        assert.is_true(same_bits(plain, recorded), "rows = " .. rows)
        plain, recorded = both_ways(make, function(x) return (x * x):mean() end)
        assert.is_true(same_bits(plain, recorded), "rows = " .. rows)
      end
    end
    -- A mean over dims keeps its gradient of several values: the recorded division.
    local function make() return torch.randn(4, 5):requires_grad_() end
    local x = make()
    x:mean(2):sum():backward()
    assert.is_true(same_bits(x.grad, torch.full({ 4, 5 }, 1 / 5)))
  end)

  it("relu's gradient written over the product that feeds it gives the recorded bits", function()
    -- Unrecorded, relu's backward writes into the gradient the product just made (nothing
    -- else holds it); recorded, it is a threshold_backward op with a new output. NaN inputs
    -- keep their gradient, zeros and negatives get none.
    for _, rows in ipairs({ 3, 700 }) do
      for _, dtype in ipairs({ torch.float32, torch.float64 }) do
        local values = torch.randn(rows, 100, { dtype = dtype })
        values[1][1] = 0 / 0
        values[1][2] = 0
        local w = torch.randn(100, 5, { dtype = dtype })
        local g = torch.randn(rows, 5, { dtype = dtype })
        local function make() return values:clone():requires_grad_() end
        local plain, recorded = both_ways(make, function(x) return (torch.relu(x * 2):matmul(w) * g):sum() end)
        assert.is_true(same_bits(plain, recorded), "rows = " .. rows)
        local expected = (g:matmul(w:t()) * 2):masked_fill(values:le(0), 0)
        assert.is_true(same_bits(plain, expected), "rows = " .. rows)
      end
    end
  end)

  it("tanh and sigmoid give their composed gradients' bits in one pass", function()
    -- g * (1 - y²) and g * y * (1 - y), each rounded as its three ops; written into the
    -- gradient when the engine hands it over, into a new tensor when recorded.
    for _, n in ipairs(sizes) do
      for _, dtype in ipairs({ torch.float32, torch.float64 }) do
        local values = torch.randn(n, { dtype = dtype }) * 3
        local g = torch.randn(n, { dtype = dtype })
        local function make() return values:clone():requires_grad_() end
        local y = torch.tanh(values)
        local plain, recorded = both_ways(make, function(x) return (torch.tanh(x * 1) * g):sum() end)
        assert.is_true(same_bits(plain, recorded), "tanh, n = " .. n)
        assert.is_true(same_bits(plain, g * (1 - y * y)), "tanh, n = " .. n)
        local s = torch.sigmoid(values)
        plain, recorded = both_ways(make, function(x) return (torch.sigmoid(x * 1) * g):sum() end)
        assert.is_true(same_bits(plain, recorded), "sigmoid, n = " .. n)
        assert.is_true(same_bits(plain, g * s * (1 - s)), "sigmoid, n = " .. n)
      end
    end
  end)

  it("relu's backward leaves a gradient someone else holds as it was", function()
    -- A retained gradient of relu's output is the one relu's backward reads: it must not
    -- be overwritten with the input's gradient.
    local x = torch.tensor({ -1.0, 2.0, -3.0, 4.0 }, { requires_grad = true })
    local y = x * 1
    local r = torch.relu(y)
    r:retain_grad()
    local loss = (r * torch.tensor({ 10.0, 20.0, 30.0, 40.0 })):sum()
    loss:backward()
    assert.is_true(same_bits(r.grad, torch.tensor({ 10.0, 20.0, 30.0, 40.0 })))
    assert.is_true(same_bits(x.grad, torch.tensor({ 0.0, 20.0, 0.0, 40.0 })))
    -- A hook that keeps the gradient it sees.
    local seen
    local z = torch.tensor({ -1.0, 2.0 }, { requires_grad = true })
    local h = torch.relu(z * 1)
    h:register_hook(function(grad) seen = grad end)
    local hloss = (h * torch.tensor({ 5.0, 6.0 })):sum()
    hloss:backward()
    assert.is_true(same_bits(seen, torch.tensor({ 5.0, 6.0 })))
    assert.is_true(same_bits(z.grad, torch.tensor({ 0.0, 6.0 })))
  end)

  it("a recorded backward still differentiates twice", function()
    local x = torch.tensor({ 0.5, 2, 3 }, { requires_grad = true })
    local gx = torch.autograd.grad((x * x * x):sum(), { x }, { create_graph = true })
    local ggx = torch.autograd.grad(gx:sum(), { x })
    -- d/dx of 3x² is 6x.
    assert.is_true(torch.allclose(ggx, x:detach() * 6))
    local y = torch.tensor({ 4.0, 9.0 }, { requires_grad = true })
    local gy = torch.autograd.grad(torch.sqrt(y):sum(), { y }, { create_graph = true })
    local ggy = torch.autograd.grad(gy:sum(), { y })
    -- d/dy of 1/(2√y) is -1/(4 y^1.5): -1/32 and -1/108.
    assert.is_true(torch.allclose(ggy, torch.tensor({ -1 / 32, -1 / 108 })))
  end)
end)
