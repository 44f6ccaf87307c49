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

  -- The tensor metatable's __index answers `.grad` in C once the gradient has its userdata
  -- (shim.c, `lg_index_grad`); the cases it leaves to Swift must still answer alike.
  it("is made again after the collector took it, and is then the same object", function()
    local p = torch.ones(2, { requires_grad = true })
    ;(p * 2):sum():backward()
    do local _ = p.grad end
    collectgarbage(); collectgarbage()
    local g = p.grad
    assert.is_true(rawequal(g, p.grad))
    assert.are.equal(pt.text("q.grad"), tostring(g))
  end)

  it("is nil for a tensor without a gradient, and an error for a freed tensor", function()
    assert.is_nil(torch.ones(2).grad)
    local p = torch.ones(2, { requires_grad = true })
    ;(p * 2):sum():backward()
    local _ = p.grad
    p:free()
    local ok, err = pcall(function() return p.grad end)
    assert.is_false(ok)
    assert.is_truthy(tostring(err):find("the tensor was freed", 1, true))
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


-- A product whose gradient feeds a leaf alone is added straight into an existing .grad
-- (BLAS with beta = 1); everywhere the engine would not have added it unchanged, it is not.
-- Integer-valued operands: every order of summation gives the same floats.
describe("products and .grad", function()
  local function operands()
    local x = torch.arange(6.0):reshape(2, 3)
    local w = torch.arange(12.0):reshape(3, 4):requires_grad_()
    local m = torch.arange(8.0):reshape(2, 4) - 3
    return x, w, m
  end
  local function text(name) return pt.text(name) end

  it("an existing .grad takes the product in place", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    local held = w.grad
    ;(x:mm(w) * m):sum():backward()
    assert.are.equal(text("into .grad"), tostring(w.grad))
    assert.is_true(rawequal(held, w.grad))
    assert.are.equal(text("into .grad held"), tostring(held))
    assert.are.equal(tonumber(text("into .grad version")), held._version)
    ;(x:mm(w) * m):sum():backward()
    assert.are.equal(text("into .grad twice"), tostring(w.grad))
  end)

  it("so does the left operand's", function()
    local x, w, m = operands()
    x:requires_grad_()
    x.grad = torch.full({2, 3}, 0.5)
    ;(x:mm(w) * m):sum():backward()
    assert.are.equal(text("mat1 into .grad"), tostring(x.grad))
  end)

  it("a leaf reached by two products sums both first", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    ;(x:mm(w) * m + x:mm(w)):sum():backward()
    assert.are.equal(text("two paths"), tostring(w.grad))
  end)

  it("a hook on the leaf sees the product before .grad does", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    local seen = {}
    w:register_hook(function(g) seen[#seen + 1] = g:clone(); return g * 2 end)
    ;(x:mm(w) * m):sum():backward()
    assert.are.equal(text("hooked product"), tostring(seen[1]))
    assert.are.equal(text("hooked .grad"), tostring(w.grad))
  end)

  it("autograd.grad and backward(inputs=) leave .grad alone", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    local gw = torch.autograd.grad((x:mm(w) * m):sum(), w)
    assert.are.equal(text("autograd.grad result"), tostring(gw))
    assert.are.equal(text("autograd.grad .grad"), tostring(w.grad))
    x:requires_grad_()
    ;(x:mm(w) * m):sum():backward({inputs = {x}})
    assert.are.equal(text("inputs= .grad"), tostring(w.grad))
    assert.are.equal(text("inputs= x.grad"), tostring(x.grad))
  end)

  it("a .grad that is the product's own operand is added to after the product", function()
    local s = torch.arange(9.0):reshape(3, 3)
    local v = torch.arange(9.0):reshape(3, 3):requires_grad_()
    v.grad = s
    ;(s:mm(v) * (s - 4)):sum():backward()
    assert.are.equal(text("aliased .grad"), tostring(v.grad))
  end)

  it("a transposed .grad keeps its layout", function()
    local x, w, m = operands()
    w.grad = torch.ones(4, 3):t()
    ;(x:mm(w) * m):sum():backward()
    assert.are.equal(text("transposed .grad"), tostring(w.grad))
    assert.are.equal(text("transposed .grad strides"), "(" .. table.concat(w.grad:stride(), ", ") .. ")")
  end)

  it("with create_graph the sum is a new tensor", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    local held = w.grad
    ;(x:mm(w) * m):sum():backward({create_graph = true})
    assert.are.equal(text("create_graph .grad"), tostring(w.grad))
    assert.are.equal(text("create_graph held"), tostring(held))
    assert.are.equal(text("create_graph requires_grad"), w.grad.requires_grad and "True" or "False")
  end)

  it("addmm adds its product unless alpha scales it", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    ;(torch.addmm(torch.zeros(4), x, w) * m):sum():backward()
    assert.are.equal(text("addmm into .grad"), tostring(w.grad))
    x, w, m = operands()
    w.grad = torch.ones(3, 4)
    ;(torch.addmm(torch.zeros(4), x, w, {alpha = 2}) * m):sum():backward()
    assert.are.equal(text("addmm alpha 2"), tostring(w.grad))
  end)

  it("under anomaly detection", function()
    local x, w, m = operands()
    w.grad = torch.ones(3, 4)
    torch.autograd.set_detect_anomaly(true)
    local ok, err = pcall(function() (x:mm(w) * m):sum():backward() end)
    torch.autograd.set_detect_anomaly(false)
    assert.is_true(ok, err)
    assert.are.equal(text("anomaly .grad"), tostring(w.grad))
  end)

  it("Linear's weight gradient arrives laid out as the weight", function()
    local _, _, m = operands()
    local lin = torch.nn.Linear(3, 4)
    torch.no_grad(function()
      lin.weight:copy_(torch.arange(12.0):reshape(4, 3))
      lin.bias:zero_()
    end)
    local xs = torch.arange(6.0):reshape(2, 3)
    ;(lin(xs) * m):sum():backward()
    assert.are.equal(text("linear weight.grad"), tostring(lin.weight.grad))
    assert.are.equal(text("linear weight.grad strides"), "(" .. table.concat(lin.weight.grad:stride(), ", ") .. ")")
    lin:zero_grad({set_to_none = false})
    ;(lin(xs) * m):sum():backward()
    assert.are.equal(text("linear zeroed weight.grad"), tostring(lin.weight.grad))
  end)

  it("column-major operands get their gradients", function()
    local _, _, m = operands()
    local p = torch.arange(6.0):reshape(3, 2):requires_grad_()
    local q = torch.arange(12.0):reshape(4, 3):requires_grad_()
    ;(p:t():mm(q:t()) * m):sum():backward()
    assert.are.equal(text("column-major p.grad"), tostring(p.grad))
    assert.are.equal(text("column-major q.grad"), tostring(q.grad))
    local strides = string.format("((%d, %d), (%d, %d))", p.grad:stride()[1], p.grad:stride()[2],
      q.grad:stride()[1], q.grad:stride()[2])
    assert.are.equal(text("column-major strides"), strides)
  end)
end)
