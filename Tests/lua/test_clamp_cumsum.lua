-- clamp between two numbers and running sums and products along the last dim, against
-- PyTorch (fixtures/clamp_cumsum.py -> fixtures/clamp_cumsum.txt): NaNs, infinities, signed
-- zeros and inverted bounds through the eight-lane loop and its tail, and lines long and many
-- enough to be split over the threads. Inputs are built from integers here as there.
local pt = require("pytorch_fixture").load("clamp_cumsum")
local nan, inf = 0 / 0, math.huge

local function values()
  return torch.tensor({ -3.0, -0.75, -0.5, -0.25, -0.0, 0.0, 0.25, 0.5, 0.75, 3.0, nan, inf, -inf,
                        0.4999, -0.5001, 1e-30, -1e30, 2.0, -2.0, 0.125, nan })
end

describe("clamp between two numbers", function()
  it("gives PyTorch's values for NaN, infinities, zeros of both signs and the tail", function()
    pt.assert_tensor("values", values())
    local y = torch.clamp(values(), -0.5, 0.5)
    pt.assert_tensor("clamp", y)
    pt.assert_zero_signs("clamp", y)
    pt.assert_tensor("clamp inverted", torch.clamp(values(), 0.5, -0.5))
    pt.assert_tensor("clamp nan bound", torch.clamp(values(), nan, 0.5))
    pt.assert_tensor("clamp int bounds", values():clamp(-1, 2))
    pt.assert_tensor("clamp double", torch.clamp(values():double(), -0.5, 0.5))
  end)

  it("gives PyTorch's values split over the threads", function()
    local big = (torch.arange(0, 70001):float() % 97 - 48) / 16
    local y = torch.clamp(big, -1.5, 2.25)
    pt.assert_tensor("clamp big sum", y:double():sum())
    pt.assert_tensor("clamp big head", y[{ { 1, 200 } }])
  end)
end)

describe("cumsum and cumprod along the last dim", function()
  local lines = (((torch.arange(0, 300 * 300):float() % 101) - 50):reshape(300, 300)) / 7

  it("give PyTorch's running sums of lines split over the threads", function()
    local weights = torch.arange(1, 90001):reshape(300, 300):double()
    -- The digest's own sum adds 90 000 doubles in another order than PyTorch's: its last bits.
    pt.assert_tensor("cumsum lines digest", (lines:cumsum(2):double() * weights):sum(), { rtol = 1e-14 })
    pt.assert_tensor("cumsum lines row 7", lines:cumsum(2)[8])
    pt.assert_tensor("cumsum lines double row 299", lines:double():cumsum(2)[300])
  end)

  it("give PyTorch's values through NaN and infinities, and running products", function()
    local short = torch.tensor({ { 1.0, 2.0, 3.0, 4.0 }, { 0.5, nan, 1.0, 2.0 }, { inf, -inf, 1.0, 0.0 } })
    pt.assert_tensor("cumsum short", short:cumsum(2))
    pt.assert_tensor("cumprod short", short:cumprod(2))
    pt.assert_tensor("cumprod lines row 3", (lines[{ {}, { 1, 40 } }] / 4 + 1):cumprod(2)[4])
  end)
end)
