-- max, min, argmax and argmin along the last dim of float32 lines, against PyTorch's values
-- and positions (fixtures/line_extremum.py -> fixtures/line_extremum.txt): lines shorter and
-- longer than a vector of eight, ties (the first position wins), signed zeros, NaNs (the first
-- NaN wins) and infinities in every part of a line, and a batch split over the threads; then
-- the same along a dim that is not the last (columns side by side, eight at a time).
-- Positions are 1-based here, 0-based in the fixture.
local pt = require("pytorch_fixture").load("line_extremum")
local recorded = pt.recorded

--- Checks values and positions (shifted to 0-based) against the fixture's `key` sections.
local function check(key, values, positions)
  if values then pt.assert_tensor(key, values) end
  pt.assert_tensor(key .. (values and " indices" or ""), positions - 1)
end

describe("max, min, argmax and argmin along the last dim", function()
  for _, n in ipairs({ 1, 7, 15, 16, 17, 33, 100 }) do
    it("give PyTorch's values and first positions for lines of " .. n, function()
      local x = recorded("random " .. n)
      local key = "random " .. n
      check(key .. " max", x:max(2))
      check(key .. " min", x:min(2))
      check(key .. " argmax", nil, x:argmax(2))
      check(key .. " argmin", nil, x:argmin(2))
    end)
  end

  --- Checks max and min of the recorded `key` lines, their positions and their zeros' signs.
  local function check_extrema(key)
    local x = recorded(key)
    for _, which in ipairs({ "max", "min" }) do
      local v, i = x[which](x, 2)
      check(key .. " " .. which, v, i)
      pt.assert_zero_signs(key .. " " .. which, v)
    end
    return x
  end

  it("take the first of tied, NaN and infinite elements wherever they stand in a line", function()
    local x = check_extrema("special")
    check("special argmax", nil, x:argmax(2))
    check("special argmin", nil, x:argmin(2))
  end)

  it("give PyTorch's answers for short lines with NaNs, ties and signed zeros", function()
    check_extrema("short")
  end)

  it("give PyTorch's answers for a batch split over the threads", function()
    local x = recorded("big")
    check("big max", x:max(2))
    check("big argmin", nil, x:argmin(2))
  end)

  it("give PyTorch's answers along the first dim: ties, NaNs, signed zeros, infinities", function()
    local x = recorded("columns")
    for _, which in ipairs({ "max", "min" }) do
      local v, i = x[which](x, 1)
      check("columns " .. which, v, i)
      pt.assert_zero_signs("columns " .. which, v)
    end
    check("columns argmax", nil, x:argmax(1))
  end)

  it("give PyTorch's answers along a middle dim, keepdim or not", function()
    local x = recorded("cube")
    check("cube max", x:max(2))
    check("cube min", x:min(2, true))
  end)

  it("give PyTorch's answers for columns split over the threads", function()
    local n = 64 * 4100
    local wide = ((torch.arange(n) * 7919) % 1000):float():reshape(64, 4100) / 10 - 50
    wide[34][4098] = 0 / 0
    check("wide max", wide:max(1))
    check("wide argmin", nil, wide:argmin(1))
  end)
end)
