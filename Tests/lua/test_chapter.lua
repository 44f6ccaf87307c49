-- The chapter block of DESIGN.md §2, verbatim, and each of its commented expectations.
-- The expectations in the comments are PyTorch's outputs of the chapter (d2l 2.5); the
-- `x.grad` values after each step are checked against fixtures/chapter.py's.
local pt = require("pytorch_fixture").load("chapter")

-- DESIGN.md §2 "The chapter in Lua", character for character.
local CHAPTER = [==[
local x = torch.arange(4.0)                 --> tensor([0., 1., 2., 3.])
x:requires_grad_(true)                      -- returns x
print(x.grad)                               --> nil
local y = 2 * torch.dot(x, x)               --> tensor(28., grad_fn=<MulBackward0>)
y:backward()
print(x.grad)                               --> tensor([ 0.,  4.,  8., 12.])
print(x.grad:eq(4 * x))                     --> tensor([True, True, True, True])
print(x.grad == 4 * x)                      --> true   (Lua's == is torch.equal)
x.grad:zero_()
y = x:sum(); y:backward()                   -- x.grad: tensor([1., 1., 1., 1.])
x.grad:zero_()
y = x * x
y:backward(torch.ones(#y))                  -- or y:backward{gradient=torch.ones(#y)}
x.grad:zero_()
y = x * x; local u = y:detach(); local z = u * x
z:sum():backward()                          -- x.grad == u
x.grad:zero_(); y:sum():backward()          -- x.grad == 2 * x
local function f(a)
  local b = a * 2
  while b:norm() < 1000 do b = b * 2 end
  local c
  if b:sum() > 0 then c = b else c = 100 * b end
  return c
end
local a = torch.randn{requires_grad=true}
local d = f(a); d:backward()
print(torch.allclose(a.grad, d / a))        --> true
]==]

-- Runs a chunk with `print` captured; returns the printed lines and the chunk's results.
local function run_capturing(source, name)
  local lines = {}
  local env = setmetatable({
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do parts[i] = tostring(parts[i]) end
      lines[#lines + 1] = table.concat(parts, "\t", 1, parts.n)
    end,
  }, { __index = _G })
  local chunk = assert(load(source, "=" .. name, "t", env))
  return lines, chunk()
end

describe("the chapter block of DESIGN.md", function()
  it("runs verbatim and prints what its comments say", function()
    torch.manual_seed(0)
    local lines = run_capturing(CHAPTER, "chapter")
    assert.are.same({
      "nil",
      pt.text("x.grad after 2 * dot"),
      pt.text("x.grad eq 4 * x"),
      "true",
      "true",
    }, lines)
  end)

  for _, seed in ipairs({ 0, 1, 2, 3, 4, 5, 42 }) do
    it("runs verbatim with seed " .. seed .. " (either branch of the if)", function()
      torch.manual_seed(seed)
      local lines = run_capturing(CHAPTER .. "return a, d", "chapter")
      assert.are.equal("true", lines[#lines])
    end)
  end
end)

describe("the chapter block, step by step", function()
  it("asserts each commented expectation", function()
    local x = torch.arange(4.0)                 --> tensor([0., 1., 2., 3.])
    assert.are.equal(pt.text("x"), tostring(x))
    assert.are.equal(x, x:requires_grad_(true)) -- returns x
    assert.is_true(rawequal(x, x:requires_grad_(true)))
    assert.is_true(x.requires_grad)
    assert.is_nil(x.grad)                       --> nil
    local y = 2 * torch.dot(x, x)               --> tensor(28., grad_fn=<MulBackward0>)
    assert.are.equal(pt.text("y = 2 * dot"), tostring(y))
    y:backward()
    assert.are.equal(pt.text("x.grad after 2 * dot"), tostring(x.grad)) --> tensor([ 0.,  4.,  8., 12.])
    assert.are.equal(pt.text("x.grad eq 4 * x"), tostring(x.grad:eq(4 * x))) --> tensor([True, True, True, True])
    assert.is_true(x.grad == 4 * x)             --> true   (Lua's == is torch.equal)
    x.grad:zero_()
    y = x:sum(); y:backward()                   -- x.grad: tensor([1., 1., 1., 1.])
    assert.are.equal(pt.text("x.grad after sum"), tostring(x.grad))
    x.grad:zero_()
    y = x * x
    y:backward(torch.ones(#y))                  -- or y:backward{gradient=torch.ones(#y)}
    assert.are.equal(pt.text("x.grad after x * x with gradient"), tostring(x.grad))
    x.grad:zero_()
    y = x * x
    y:backward{gradient=torch.ones(#y)}
    assert.are.equal(pt.text("x.grad after x * x with gradient"), tostring(x.grad))
    x.grad:zero_()
    y = x * x; local u = y:detach(); local z = u * x
    z:sum():backward()                          -- x.grad == u
    assert.is_true(x.grad == u)
    assert.are.equal(pt.text("x.grad eq u"), tostring(x.grad:eq(u)))
    x.grad:zero_(); y:sum():backward()          -- x.grad == 2 * x
    assert.is_true(x.grad == 2 * x)
    assert.are.equal(pt.text("x.grad after y.sum"), tostring(x.grad))
  end)

  -- The chapter's f: the loop count and the branch depend on a.
  local function f(a)
    local b = a * 2
    while b:norm() < 1000 do b = b * 2 end
    local c
    if b:sum() > 0 then c = b else c = 100 * b end
    return c
  end

  for _, seed in ipairs({ 0, 1, 4, 5, 42 }) do
    it("control flow: a.grad equals d / a with seed " .. seed, function()
      torch.manual_seed(seed)
      local a = torch.randn{requires_grad=true}
      local d = f(a); d:backward()
      assert.are.equal(pt.text("seed " .. seed .. " a"), tostring(a))
      assert.are.equal(pt.text("seed " .. seed .. " d"), tostring(d))
      assert.are.equal(pt.text("seed " .. seed .. " a.grad"), tostring(a.grad))
      assert.are.equal(pt.value("seed " .. seed .. " a.grad item"), a.grad:item())
      assert.is_true(torch.allclose(a.grad, d / a)) --> true
    end)
  end
end)
