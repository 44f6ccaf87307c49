-- log_softmax over the last dim of float32 logits, forward and backward, against PyTorch's
-- values (fixtures/log_softmax.py -> fixtures/log_softmax.txt). PyTorch's CPU kernel computes
-- a float32 line in float; so does LuaGrad's, adding in the same order. Its `exp` and `log`
-- are SLEEF's vector functions (within 1 ulp), ours glibc's `expf` and `logf` (correctly
-- rounded but for rare cases): a sum of exponentials can differ in its last bit, and so the
-- line's values by an ulp or two, in about one line in twenty. Hence the tolerance: a few
-- float32 ulps, far below what a different formula or summation order gives.
local pt = require("pytorch_fixture").load("log_softmax")
local recorded = pt.recorded
local ULPS = { rtol = 4e-7, atol = 1e-8 }
-- The gradient reads exp(output): an ulp of an output near -3 (2.4e-7) moves a gradient by up
-- to that much times the line's sum of grad_output.
local GRAD_ULPS = { rtol = 4e-7, atol = 4e-7 }

describe("log_softmax of float32 logits", function()
  it("gives PyTorch's values and gradient for a batch of 64 lines of 10", function()
    local x = recorded("input"):requires_grad_()
    local y = torch.log_softmax(x, 2)
    pt.assert_tensor("log_softmax", y, ULPS)
    y:backward(recorded("grad_output"))
    pt.assert_tensor("input grad", x.grad, GRAD_ULPS)
  end)

  it("gives PyTorch's classifier loss and its gradient", function()
    local x = recorded("input"):requires_grad_()
    local labels = (torch.arange(0, 64) % 10 + 1):reshape(64, 1)
    local loss = -torch.log_softmax(x, 2):gather(2, labels):mean()
    assert.is_true(math.abs(pt.value("loss") - loss:item()) <= 4e-7 * math.abs(pt.value("loss")))
    loss:backward()
    pt.assert_tensor("loss grad", x.grad, ULPS)
  end)

  it("gives PyTorch's values for lines longer than one 16-float vector", function()
    pt.assert_tensor("wide log_softmax", torch.log_softmax(recorded("wide input"), 2), ULPS)
  end)

  it("makes a line with NaN or an infinity NaN, as PyTorch does", function()
    pt.assert_tensor("special log_softmax", torch.log_softmax(recorded("special input"), 2))
  end)
end)
