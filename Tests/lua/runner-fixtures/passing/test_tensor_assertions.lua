-- Passing fixture: the framework's tensor assertions against a stand-in `torch`, so their
-- messages are checked without the real module (test_framework.lua uses the real one).
local seen_options
local function T(v)
  return setmetatable({ v = v }, { __tostring = function(t) return "tensor(" .. t.v .. ")" end })
end
torch = {
  allclose = function(a, b, options)
    seen_options = options
    if a.v == "bad" then error("The size of tensor a (3) must match the size of tensor b (4)") end
    return math.abs(a.v - b.v) <= ((options and options.atol) or 1e-08)
  end,
  autograd = {
    gradcheck = function(f, inputs)
      local verdict = f(inputs[1])
      if verdict == "raise" then error("Jacobian mismatch for output 0") end
      return verdict
    end,
  },
}

local function failure_of(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected the assertion to fail")
  return err
end

describe("assert.allclose", function()
  it("passes close tensors and forwards the options", function()
    assert.allclose(T(1), T(1))
    assert.allclose(T(1), T(1.05), { atol = 0.1 })
    assert.are.same({ atol = 0.1 }, seen_options)
  end)

  it("prints both tensors on failure", function()
    local err = failure_of(function() assert.allclose(T(1), T(2)) end)
    assert.matches("tensors are not close (rtol=1e-05, atol=1e-08)\nexpected:\ntensor(2)\ngot:\ntensor(1)", err, 1, true)
  end)

  it("reports tensors that cannot be compared", function()
    local err = failure_of(function() assert.allclose(T("bad"), T(2)) end)
    assert.matches("assert.allclose cannot compare: The size of tensor a (3) must match the size of tensor b (4)",
      err, 1, true)
  end)
end)

describe("assert.gradcheck", function()
  it("passes when gradcheck returns true", function()
    assert.gradcheck(function() return true end, { T(1) })
  end)

  it("fails with gradcheck's message", function()
    local err = failure_of(function() assert.gradcheck(function() return "raise" end, { T(1) }) end)
    assert.matches("gradcheck failed: Jacobian mismatch for output 0$", err)
    err = failure_of(function() assert.gradcheck(function() return false end, { T(1) }) end)
    assert.matches("gradcheck failed: gradcheck returned false$", err)
  end)
end)
