-- Element-wise ops on large strided operands (transposes, permutations, slices) run through a
-- contiguous copy (Tensor.denseOperand): the results must equal the same ops on contiguous
-- copies of those operands, bit for bit, whatever the op and its path.
torch.manual_seed(0)
local base = torch.randn(96, 128)
local strided = {
  transposed = base:t(),                                   -- 128 x 96, strides (1, 128)
  permuted = torch.randn(8, 16, 64):permute(2, 3, 1),      -- 16 x 64 x 8
  sliced = torch.randn(96, 256):narrow(2, 1, 255):narrow(2, 2, 250),  -- rows with gaps between them
}

local unary = {"exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sqrt", "neg"}

describe("element-wise ops on strided tensors", function()
for name, x in pairs(strided) do
  it("unary ops on a " .. name .. " tensor equal them on its contiguous copy", function()
    assert.is_false(x:is_contiguous())
    local dense = x:contiguous()
    for _, op in ipairs(unary) do
      local input, copy = x, dense
      if op == "log" or op == "sqrt" then input, copy = x:abs(), dense:abs() end
      assert.is_true(torch.equal(input[op](input), copy[op](copy)), op)
    end
  end)

  it("binary ops on a " .. name .. " tensor equal them on contiguous copies", function()
    local dense = x:contiguous()
    local other = torch.randn(table.unpack(x.shape))
    assert.is_true(torch.equal(x + 1, dense + 1))
    assert.is_true(torch.equal(x * x, dense * dense))
    assert.is_true(torch.equal(x - other, dense - other))
    assert.is_true(torch.equal(other / x, other / dense))
    assert.is_true(torch.equal(torch.maximum(x, other), torch.maximum(dense, other)))
    assert.is_true(torch.equal(x:gt(0), dense:gt(0)))
  end)
end

it("a strided operand is left untouched, and the result is contiguous", function()
  local x = base:t()
  local before = x:clone()
  local y = x:exp() + x
  assert.is_true(torch.equal(x, before))
  assert.is_true(y:is_contiguous())
  assert.are.equal(y.shape[1], 128)
end)

it("gradients through strided element-wise ops equal the contiguous ones", function()
  local w = torch.randn(64, 128, {requires_grad = true})
  local v = w:detach():clone():requires_grad_()
  local strided_loss = (w:t():sin() * w:t()):sum()
  strided_loss:backward()
  local dense = v:t():contiguous()
  local dense_loss = (dense:sin() * dense):sum()
  dense_loss:backward()
  assert.is_true(torch.equal(w.grad, v.grad))
end)
end)
