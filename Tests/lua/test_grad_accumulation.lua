-- A leaf's first gradient: adopted when nothing else holds it (no copy, as PyTorch's
-- AccumulateGrad steals it), copied otherwise; no two .grad tensors may ever share memory.
-- Values: fixtures/grad_accumulation.py (same names).
local pt = require("pytorch_fixture").load("grad_accumulation")

describe("first gradients", function()
  it("operands of add get separate gradients", function()
    local x = torch.ones(3, { requires_grad = true })
    local y = torch.ones(3, { requires_grad = true })
    ;(x + y):sum():backward()
    x.grad:add_(5)
    assert.are.equal(pt.text("add x.grad"), tostring(x.grad))
    assert.are.equal(pt.text("add y.grad"), tostring(y.grad))
  end)

  it("a gradient passed straight through is not shared", function()
    local a = torch.ones(2, 2, { requires_grad = true })
    local b = torch.ones(2, 2, { requires_grad = true })
    ;((a * 3) + b):sum():backward()
    b.grad:mul_(10)
    assert.are.equal(pt.text("mixed a.grad"), tostring(a.grad))
    assert.are.equal(pt.text("mixed b.grad"), tostring(b.grad))
  end)

  it("later passes accumulate into the adopted tensor", function()
    local w = torch.ones(2, 3, { requires_grad = true })
    ;(w:matmul(torch.ones(3, 4))):sum():backward()
    local first = w.grad
    ;(w:matmul(torch.ones(3, 4))):sum():backward()
    assert.are.equal(pt.text("accumulated w.grad"), tostring(w.grad))
    assert.are.equal(pt.text("first w.grad after the second pass"), tostring(first))
  end)

  it("a gradient the script gave is copied", function()
    local v = torch.ones(2, { requires_grad = true })
    local g = torch.tensor({ 1.0, 2.0 })
    v:backward(g)
    g:mul_(100)
    assert.are.equal(pt.text("given v.grad"), tostring(v.grad))
  end)

  it("a gradient a hook kept is copied", function()
    local h = torch.ones(2, { requires_grad = true })
    local kept = {}
    h:register_hook(function(grad) kept[#kept + 1] = grad end)
    ;(h * 4):sum():backward()
    kept[1]:add_(1)
    assert.are.equal(pt.text("hooked h.grad"), tostring(h.grad))
  end)
end)

describe("the .grad object", function()
  it("is the same object on every read, as in PyTorch", function()
    local p = torch.ones(3, { requires_grad = true })
    ;(p * 2):sum():backward()
    assert.are.equal(pt.text("same object"), tostring(rawequal(p.grad, p.grad)):gsub("^%l", string.upper))
    local g1 = p.grad
    ;(p * 2):sum():backward()
    assert.are.equal(pt.text("held .grad after a second pass"), tostring(g1))
    assert.are.equal(pt.text("same object after a second pass"), tostring(rawequal(g1, p.grad)):gsub("^%l", string.upper))
    p.grad = nil
    assert.are.equal(pt.text("cleared"), tostring(p.grad):gsub("nil", "None"))
    ;(p * 3):sum():backward()
    assert.are.equal(pt.text("new .grad after clearing"), tostring(p.grad))
  end)

  it("freed by the script, is replaced by a new object on the next read", function()
    local q = torch.ones(2, { requires_grad = true })
    ;(q * 2):sum():backward()
    local g = q.grad
    g:free()
    assert.is_false(rawequal(g, q.grad))
    assert.are.equal(pt.text("q.grad"), tostring(q.grad))
  end)

  it("is collected once nothing refers to it", function()
    local before = collectgarbage("count")
    for _ = 1, 20000 do
      local p = torch.ones(2, { requires_grad = true })
      ;(p * 2):sum():backward()
      local _ = p.grad
    end
    collectgarbage(); collectgarbage()
    assert.is_true(collectgarbage("count") < before + 512)
  end)
end)

