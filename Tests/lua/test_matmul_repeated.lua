-- Matrix products where one operand repeats a single value: the gradient of sum() or mean()
-- reaching a product, which LuaGrad computes as scaled sums (one pass) instead of a full
-- product. Values: fixtures/matmul_repeated.py (same names).
local pt = require("pytorch_fixture").load("matmul_repeated")

describe("products with a repeated value", function()
  it("give sum()'s gradients through a product", function()
    torch.manual_seed(3)
    local a = torch.randn({3, 4}, {requires_grad = true})
    local b = torch.randn({4, 5}, {requires_grad = true})
    torch.matmul(a, b):sum():backward()
    assert.are.equal(pt.text("sum a.grad"), tostring(a.grad))
    assert.are.equal(pt.text("sum b.grad"), tostring(b.grad))
    a.grad = nil; b.grad = nil
    torch.matmul(a, b):mean():backward()
    assert.are.equal(pt.text("mean a.grad"), tostring(a.grad))
    assert.are.equal(pt.text("mean b.grad"), tostring(b.grad))
  end)

  it("equal the full product on either side and on transposed operands", function()
    assert.are.equal(pt.text("repeated left"),
      tostring(torch.matmul(torch.tensor(2.0):expand(2, 3), torch.arange(6.0):reshape(3, 2))))
    assert.are.equal(pt.text("repeated right"),
      tostring(torch.matmul(torch.arange(6.0):reshape(2, 3), torch.tensor(0.5):expand(3, 4))))
    assert.are.equal(pt.text("repeated right of a transpose"),
      tostring(torch.matmul(torch.arange(6.0):reshape(3, 2):t(), torch.tensor(0.5):expand(3, 4))))
    assert.are.equal(pt.text("float64"), tostring(torch.matmul(
      torch.tensor(1.5, {dtype = torch.float64}):expand(2, 3), torch.arange(6.0, {dtype = torch.float64}):reshape(3, 2))))
  end)

  it("keep 0 * inf = nan", function()
    assert.are.equal(pt.text("zero times inf"),
      tostring(torch.matmul(torch.tensor(0.0):expand(2, 2), torch.tensor({{1.0, math.huge}, {2.0, 3.0}}))))
  end)
end)
