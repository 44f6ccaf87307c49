-- Element-wise ops on tensors past the parallel threshold (2^19 elements) run their parts on
-- worker threads in a separately compiled loop; they must give exactly what the serial loop
-- gives on the same elements. Each case compares slices of a large result (start, middle and
-- end, across chunk boundaries) with the op run on the same slices as small tensors.
local N = (1 << 20) + 37
local SLICE = 999

local function starts()
  return { 1, (N // 2) - SLICE // 2, N - SLICE + 1 }
end

-- Asserts f(inputs...) on the large tensors equals f on each slice of them (NaN equal to NaN).
local function same_as_serial(name, f, ...)
  local inputs = { ... }
  local big = f(table.unpack(inputs))
  assert.are.equal(N, big:numel(), name .. ": size")
  for _, s in ipairs(starts()) do
    local parts = {}
    for i, x in ipairs(inputs) do
      parts[i] = (type(x) == "userdata" and x:dim() > 0) and x:narrow(1, s, SLICE):clone() or x
    end
    local small = f(table.unpack(parts))
    local part = big:narrow(1, s, SLICE)
    local same = part.dtype == small.dtype and (part.dtype.is_floating_point
      and torch.allclose(part, small, { rtol = 0, atol = 0, equal_nan = true }) or torch.equal(part, small))
    assert.is_true(same, name .. ": slice at " .. s)
  end
end

describe("element-wise ops past the parallel threshold", function()
  torch.manual_seed(0)
  local x = torch.rand(N) * 2 + 0.25
  local y = torch.rand(N) * 2 + 0.25
  local xd = x:double()
  local i = torch.randint(-50, 50, {N})
  local j = torch.randint(1, 9, {N})

  it("binary arithmetic on float32, float64 and int64", function()
    for _, case in ipairs({
      { "add", function(a, b) return a + b end },
      { "sub", function(a, b) return a - b end },
      { "mul", function(a, b) return a * b end },
      { "div", function(a, b) return a / b end },
      { "pow", function(a, b) return a ^ b end },
      { "remainder", function(a, b) return a % b end },
      { "maximum", torch.maximum },
      { "minimum", torch.minimum },
    }) do
      same_as_serial(case[1] .. " float32", case[2], x, y)
      same_as_serial(case[1] .. " float64", case[2], xd, y:double())
      same_as_serial(case[1] .. " int64", case[2], i, j)
    end
  end)

  it("a number operand (a broadcast scalar) on either side", function()
    same_as_serial("x + 1", function(a) return a + 1 end, x)
    same_as_serial("2 - x", function(a) return 2 - a end, x)
    same_as_serial("i * 3", function(a) return a * 3 end, i)
  end)

  it("unary functions", function()
    for _, name in ipairs({ "sqrt", "rsqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "reciprocal",
                            "log1p", "expm1", "exp2", "log2", "log10", "neg", "abs", "sign", "relu",
                            "floor", "ceil", "trunc", "round", "frac" }) do
      same_as_serial(name .. " float32", torch[name], x - 1)
      same_as_serial(name .. " float64", torch[name], xd - 1)
    end
    for _, name in ipairs({ "neg", "abs", "sign", "relu", "floor" }) do
      same_as_serial(name .. " int64", torch[name], i)
    end
  end)

  it("comparisons, logical ops and predicates", function()
    for _, name in ipairs({ "eq", "ne", "lt", "le", "gt", "ge" }) do
      same_as_serial(name, torch[name], x, y)
      same_as_serial(name .. " int64", torch[name], i, j)
    end
    same_as_serial("logical_and", torch.logical_and, x:gt(1), y:gt(1))
    same_as_serial("logical_not", torch.logical_not, i)
    same_as_serial("isnan", torch.isnan, x)
    same_as_serial("clamp", function(a) return torch.clamp(a, 0.5, 1.5) end, x)
  end)

  it("the elementwise benchmark's gradient", function()
    local a = x:clone():requires_grad_()
    torch.sqrt(a * a + 1):sum():backward()
    same_as_serial("d/dx sqrt(x*x + 1)", function(v) return v / torch.sqrt(v * v + 1) end, x)
    assert.is_true(torch.allclose(a.grad, x / torch.sqrt(x * x + 1)), "gradient")
  end)
end)
