-- softmax along a dim, forward and backward, against PyTorch's values (fixtures/softmax.py ->
-- fixtures/softmax.txt). PyTorch's CPU kernel computes a float32 line in float; so does
-- LuaGrad's, adding in the same order and multiplying by the sum's reciprocal. Its `exp` is
-- SLEEF's vector function (within 1 ulp), ours glibc's `expf`: a line's values can differ by
-- an ulp or two. Hence the tolerance: a few float32 ulps, far below what a different formula
-- or summation order gives (the double-precision path this replaced differed by up to ~3 ulps).
local pt = require("pytorch_fixture").load("softmax")
local recorded = pt.recorded
local ULPS = { rtol = 4e-7, atol = 1e-8 }
-- A gradient is a difference of products near the line's sum: allow an ulp of that sum.
local GRAD_ULPS = { rtol = 4e-7, atol = 4e-7 }
local DOUBLE = { rtol = 1e-14, atol = 1e-15 }

describe("softmax", function()
  it("gives PyTorch's values and gradient for a batch of 64 lines of 10", function()
    local x = recorded("input"):requires_grad_()
    local y = torch.softmax(x, 2)
    pt.assert_tensor("softmax", y, ULPS)
    y:backward(recorded("grad_output"))
    pt.assert_tensor("input grad", x.grad, GRAD_ULPS)
  end)

  it("gives PyTorch's values for lines of 1000", function()
    pt.assert_tensor("wide softmax", torch.softmax(recorded("wide input"), 2), ULPS)
  end)

  it("gives PyTorch's values and gradient for lines split over the threads", function()
    local x = recorded("big input"):requires_grad_()
    local y = torch.nn.functional.softmax(x, 2)
    pt.assert_tensor("big softmax", y, ULPS)
    y:backward(recorded("big grad_output"))
    pt.assert_tensor("big input grad", x.grad, GRAD_ULPS)
  end)

  it("gives PyTorch's float64 values and gradient along the last of three dims", function()
    local x = recorded("double input", torch.float64):requires_grad_()
    local y = torch.softmax(x, 3)
    pt.assert_tensor("double softmax", y, DOUBLE)
    y:backward(recorded("double grad_output", torch.float64))
    pt.assert_tensor("double input grad", x.grad, DOUBLE)
  end)

  it("gives PyTorch's values and gradient along the first dim", function()
    local x = recorded("column input"):requires_grad_()
    local y = torch.softmax(x, 1)
    pt.assert_tensor("column softmax", y, ULPS)
    local weighted = y * torch.arange(0, 20):reshape(5, 4)
    weighted:sum():backward()
    pt.assert_tensor("column input grad", x.grad, GRAD_ULPS)
  end)

  it("takes F.softmax and F.log_softmax with a dim and no options", function()
    local F = torch.nn.functional
    pt.assert_tensor("softmax", F.softmax(recorded("input"), 2), ULPS)
    pt.assert_tensor("softmax", torch.softmax(recorded("input"), 2, {}), ULPS)
    local logp = F.log_softmax(recorded("input"), 2)
    pt.assert_tensor("softmax", logp:exp(), { rtol = 2e-6, atol = 1e-8 })
  end)

  it("makes a line with NaN or an infinity NaN, as PyTorch does", function()
    pt.assert_tensor("special softmax", torch.softmax(recorded("special input"), 2))
  end)

  it("records a graph through its gradient under create_graph", function()
    local x = recorded("input"):requires_grad_()
    local g = recorded("grad_output")
    local y = torch.softmax(x, 2)
    local gx = torch.autograd.grad(y, x, { grad_outputs = g, create_graph = true })
    pt.assert_tensor("input grad", gx:detach(), GRAD_ULPS)
    assert.is_true(gx.requires_grad)
  end)
end)
