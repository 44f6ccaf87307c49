-- Errors are Lua errors, catchable with pcall, positioned at the script line that caused
-- them, with PyTorch's text (fixtures/errors.py) and 1-based dims (DESIGN.md §2, "Errors").
local pt = require("pytorch_fixture").load("errors")
local program = require "luagrad_program"

local THIS_FILE = debug.getinfo(1, "S").source:sub(2)

-- The line of the caller.
local function here() return debug.getinfo(2, "l").currentline end

-- The error `fn` raises (failing the test when it raises none).
local function error_of(fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  return err
end

-- The message of an error raised at `line` of this file.
local function at(line, text) return THIS_FILE .. ":" .. line .. ": " .. text end

-- PyTorch's message with its 0-based numbers after `word ` shifted to Lua's 1-based ones.
local function one_based(text, ...)
  for _, word in ipairs({ ... }) do
    text = text:gsub(word .. " (%d+)", function(n) return word .. " " .. (tonumber(n) + 1) end)
  end
  return text
end

describe("autograd errors", function()
  local x
  before_each(function() x = torch.arange(4.0, { requires_grad = true }) end)

  it("implicit gradient of a non-scalar", function()
    local line = here(); local err = error_of(function() (x * x):backward() end)
    assert.are.equal(at(line, pt.text("implicit grad of a non-scalar")), err)
  end)

  it("second backward through a freed graph", function()
    local y = 2 * torch.dot(x, x)
    y:backward()
    local line = here(); local err = error_of(function() y:backward() end)
    assert.are.equal(at(line, pt.text("second backward")), err)
  end)

  it("backward of a tensor that does not require grad", function()
    local line = here(); local err = error_of(function() torch.ones(2):sum():backward() end)
    assert.are.equal(at(line, pt.text("no grad_fn")), err)
  end)

  it("in-place operation on a leaf that requires grad", function()
    local line = here(); local err = error_of(function() x:add_(1) end)
    assert.are.equal(at(line, pt.text("leaf in-place")), err)
    line = here(); err = error_of(function() x:zero_() end)
    assert.are.equal(at(line, pt.text("leaf in-place")), err)
  end)

  it("index assignment into a leaf that requires grad", function()
    local line = here(); local err = error_of(function() x[{ 1 }] = 5 end)
    assert.are.equal(at(line, pt.text("leaf view in-place")), err)
  end)

  it("a saved input modified in place", function()
    local a = x * 1
    local b = a * a
    a:mul_(2)
    local line = here(); local err = error_of(function() b:sum():backward() end)
    assert.are.equal(at(line, pt.text("modified saved input")), err)
  end)

  it("a saved output modified in place", function()
    local a = x * 1
    local b = a:exp()
    b:mul_(2)
    local line = here(); local err = error_of(function() b:sum():backward() end)
    assert.are.equal(at(line, pt.text("modified saved output")), err)
  end)

  it("a gradient of the wrong shape", function()
    local line = here(); local err = error_of(function() (x * x):backward(torch.ones(3)) end)
    assert.are.equal(at(line, pt.text("gradient shape mismatch")), err)
  end)

  it("backward of an integer tensor", function()
    local line = here(); local err = error_of(function() torch.arange(3):sum():backward() end)
    assert.are.equal(at(line, pt.text("backward of an int tensor")), err)
  end)

  it("requires_grad on an integer tensor", function()
    local line = here(); local err = error_of(function() torch.arange(4):requires_grad_(true) end)
    assert.are.equal(at(line, pt.text("requires_grad on int64")), err)
  end)
end)

describe("shape errors name both sizes and a 1-based dim", function()
  it("broadcasting 3 and 4", function()
    local line = here(); local err = error_of(function() return torch.ones(3) + torch.ones(4) end)
    assert.are.equal(at(line, one_based(pt.text("broadcast 3 and 4"), "dimension")), err)
  end)

  -- BUG: LuaGrad reports the first mismatch from the front: "a (2) ... b (3) at non-singleton dimension 1".
  it("broadcasting 2x3 and 3x2 (the last dims are compared first)", function()
    local line = here(); local err = error_of(function() return torch.ones(2, 3) + torch.ones(3, 2) end)
    assert.are.equal(at(line, one_based(pt.text("broadcast 2x3 and 3x2"), "dimension")), err)
  end)

  it("in-place broadcasting and element-wise ops with numbers on either side", function()
    local a = torch.ones(3)
    local line = here(); local err = error_of(function() a:add_(torch.ones(4)) end)
    assert.are.equal(at(line, one_based(pt.text("broadcast 3 and 4"), "dimension")), err)
    line = here(); err = error_of(function() return torch.ones(3) * torch.ones(4) end)
    assert.are.equal(at(line, one_based(pt.text("broadcast 3 and 4"), "dimension")), err)
  end)

  it("dot of different lengths", function()
    local line = here(); local err = error_of(function() return torch.dot(torch.ones(3), torch.ones(4)) end)
    assert.are.equal(at(line, pt.text("dot sizes")), err)
  end)

  -- BUG: LuaGrad drops PyTorch's "mm: " prefix.
  it("mm and matmul of incompatible matrices", function()
    local line = here(); local err = error_of(function() return torch.mm(torch.ones(2, 3), torch.ones(4, 2)) end)
    assert.are.equal(at(line, pt.text("mm shapes")), err)
    line = here(); err = error_of(function() return torch.matmul(torch.ones(2, 3), torch.ones(4, 2)) end)
    assert.are.equal(at(line, pt.text("matmul shapes")), err)
  end)

  it("reshape and view to a wrong number of elements", function()
    local line = here(); local err = error_of(function() return torch.ones(6):reshape(4) end)
    assert.are.equal(at(line, pt.text("reshape invalid")), err)
    line = here(); err = error_of(function() return torch.ones(6):view(4) end)
    assert.are.equal(at(line, pt.text("view invalid")), err)
  end)

  it("an index out of range, 1-based", function()
    local m = torch.ones(2, 3)
    local line = here(); local err = error_of(function() return m[3] end)
    assert.are.equal(at(line, one_based(pt.text("index out of range"), "index", "dimension")), err)
  end)

  -- BUG: LuaGrad says "index 4 is out of bounds for dimension 1 with size 3".
  it("an index out of range in dim 2 names dimension 2", function()
    local m = torch.ones(2, 3)
    local line = here(); local err = error_of(function() return m[{ 1, 4 }] end)
    assert.are.equal(at(line, one_based(pt.text("index out of range in dim 2"), "index", "dimension")), err)
  end)

  it("index 0 is out of range in Lua", function()
    local line = here(); local err = error_of(function() return torch.ones(2, 3)[0] end)
    assert.matches("^" .. THIS_FILE:gsub("%p", "%%%0") .. ":" .. line .. ": .*out of", err)
  end)

  it("a dim out of range", function()
    local line = here(); local err = error_of(function() return torch.ones(2, 3):sum(3) end)
    assert.matches("^.*:" .. line .. ": Dimension out of range %(expected to be in range of .*, but got 3%)$", err)
  end)

  it("item of a tensor with many elements", function()
    local line = here(); local err = error_of(function() return torch.ones(2, 3):item() end)
    assert.are.equal(at(line, pt.text("item of many")), err)
  end)
end)

describe("Lua-side errors", function()
  it("< <= > >= on multi-element tensors are ambiguous", function()
    local a, b = torch.ones(3), torch.ones(3)
    local expected = pt.text("ambiguous boolean")
    local line = here(); local err = error_of(function() return a < b end)
    assert.are.equal(at(line, expected), err)
    line = here(); err = error_of(function() return a <= b end)
    assert.are.equal(at(line, expected), err)
    line = here(); err = error_of(function() return a > 1 end)
    assert.are.equal(at(line, expected), err)
    line = here(); err = error_of(function() return 1 >= a end)
    assert.are.equal(at(line, expected), err)
    line = here(); err = error_of(function() return torch.ones(2, 2) < torch.ones(1) end)
    assert.are.equal(at(line, expected), err)
  end)

  it("a multi-element tensor in an if condition of the chapter's kind", function()
    local b = torch.randn(3)
    local line = here(); local err = error_of(function() if b:sum() > 0 and b > 0 then return 1 end end)
    assert.are.equal(at(line, pt.text("ambiguous boolean")), err)
  end)

  it("# of a 0-d tensor", function()
    local line = here(); local err = error_of(function() return #torch.tensor(1.0) end)
    assert.are.equal(at(line, pt.text("len of 0-d")), err)
  end)

  it("bad argument types name the argument and the function", function()
    local line = here(); local err = error_of(function() return torch.dot(1, torch.ones(2)) end)
    assert.are.equal(at(line, "bad argument #1 to 'dot' (Tensor expected, got number)"), err)
    line = here(); err = error_of(function() return torch.exp("a") end)
    assert.are.equal(at(line, "bad argument #1 to 'exp' (Tensor expected, got string)"), err)
    line = here(); err = error_of(function() return torch.arange("x") end)
    assert.are.equal(at(line, "bad argument #1 to 'arange' (number expected, got string)"), err)
    line = here(); err = error_of(function() return torch.ones(2):sum("a") end)
    assert.matches("^.*:" .. line .. ": bad argument #%d to 'sum' %(.*string%)$", err)
    line = here(); err = error_of(function() return torch.mm(torch.ones(2, 2), {}) end)
    assert.matches("^.*:" .. line .. ": bad argument #2 to 'mm' %(Tensor expected, got table%)$", err)
  end)

  -- BUG: LuaGrad says "zeros() takes at most 1 positional arguments, but argument #1 was given".
  it("a size that is a string is a bad argument", function()
    -- Lua's wording ("bad argument #1 to 'zeros' (... string)") or PyTorch's ("... not str")
    local line = here(); local err = error_of(function() return torch.zeros("a") end)
    assert.matches("^.*:" .. line .. ": .*zeros.*str", err)
  end)

  it("sizes that are not integers are bad arguments", function()
    local line = here(); local err = error_of(function() return torch.ones(2.5) end)
    assert.matches("^.*:" .. line .. ": bad argument #1 to 'ones'", err)
    line = here(); err = error_of(function() return torch.randn(-1) end)
    assert.matches("^.*:" .. line .. ": ", err)
  end)

  it("a negative size", function()
    local line = here(); local err = error_of(function() return torch.randn(-1) end)
    assert.are.equal(at(line, pt.text("negative dimension")), err)
  end)

  it("a ragged nested table (1-based dim)", function()
    local line = here(); local err = error_of(function() return torch.tensor({ { 1.0, 2.0 }, { 3.0 } }) end)
    local expected = one_based(pt.text("ragged nested list"), "dim"):gsub("%p", "%%%0")
    assert.matches("^.*:" .. line .. ": .*" .. expected .. "$", err)
  end)

  it("arithmetic with a string or a table", function()
    local line = here(); local err = error_of(function() return torch.ones(2) + "a" end)
    assert.matches("^.*:" .. line .. ": .*string", err)
    line = here(); err = error_of(function() return {} * torch.ones(2) end)
    assert.matches("^.*:" .. line .. ": .*table", err)
  end)

  it("an unknown method is Lua's usual error", function()
    local line = here(); local err = error_of(function() return torch.ones(2):frobnicate() end)
    assert.are.equal(at(line, "attempt to call a nil value (method 'frobnicate')"), err)
  end)

  it("errors are strings, and the script goes on after pcall", function()
    local ok, err = pcall(function() return torch.ones(3) + torch.ones(4) end)
    assert.is_false(ok)
    assert.is_string(err)
    local y = torch.ones(3) + torch.ones(3)
    assert.are.equal("tensor([2., 2., 2.])", tostring(y))
    -- error objects survive a re-raise through error() with level 0
    local ok2, err2 = pcall(function() error(err, 0) end)
    assert.is_false(ok2)
    assert.are.equal(err, err2)
  end)

  it("many caught errors leave the engine usable", function()
    for _ = 1, 200 do
      pcall(function() return torch.ones(3) + torch.ones(4) end)
      pcall(function() (torch.arange(4.0, { requires_grad = true }) * 2):backward() end)
    end
    local x = torch.arange(4.0, { requires_grad = true })
    local y = 2 * torch.dot(x, x)
    y:backward()
    assert.are.equal("tensor([ 0.,  4.,  8., 12.])", tostring(x.grad))
  end)
end)

describe("nothing traps: edge cases raise PyTorch's errors or wrap as PyTorch does", function()
  -- Asserts that `fn` raises PyTorch's text for `name`, positioned in this file.
  local function expect(name, fn)
    local err = error_of(fn)
    assert.matches("^" .. THIS_FILE:gsub("%p", "%%%0") .. ":%d+: " .. pt.text(name):gsub("%p", "%%%0") .. "$", err)
  end

  it("integer remainder by zero", function()
    expect("integer remainder by zero", function() return torch.tensor({ 1, -1, 0 }) % 0 end)
  end)

  it("an integer tensor to a negative integer power", function()
    expect("integer to a negative power", function() return torch.arange(3) ^ -1 end)
  end)

  it("arange with step 0", function()
    expect("arange step zero", function() return torch.arange(0, 3, 0) end)
  end)

  it("reshape with two -1", function()
    expect("reshape two -1", function() return torch.ones(3):reshape(-1, -1) end)
  end)

  -- BUG: LuaGrad says "shape '[-1, 0]' is invalid for input of size 0".
  it("reshape with -1 of an empty tensor is ambiguous", function()
    expect("reshape -1 of empty", function() return torch.ones(0):reshape(-1, 0) end)
  end)

  it("view of a non-contiguous tensor", function()
    expect("view of a transposed matrix", function() return torch.ones(2, 3):t():view(6) end)
  end)

  it("sizes too large to allocate or whose product overflows", function()
    assert.has_error(function() return torch.zeros(1e12) end)
    assert.has_error(function() return torch.zeros(2 ^ 40, 2 ^ 40) end)
    assert.has_error(function() return torch.zeros(4611686018427387904, 4) end)
    assert.has_error(function() return torch.ones(math.maxinteger) end)
  end)

  it("int64 arithmetic wraps around like PyTorch's", function()
    assert.are.equal(pt.text("int64 overflow wraps on add"), tostring(torch.tensor({ math.maxinteger }) + 1))
    assert.are.equal(pt.text("int64 overflow wraps on mul"), tostring(torch.tensor({ 4611686018427387904 }) * 4))
    assert.are.equal(pt.text("int64 pow wraps"), tostring(torch.tensor({ 3 }) ^ 40))
  end)

  it("division by zero gives inf and nan", function()
    assert.are.equal(pt.text("int64 divided by zero"), tostring(torch.arange(3) / 0))
    assert.are.equal(pt.text("float divided by zero"), tostring(torch.tensor({ 1.0, -1.0, 0.0 }) / 0))
  end)
end)

describe("an uncaught error in a script run by luagrad", function()
  it("exits with status 1 and prints file:line: message and a traceback on stderr", function()
    if not program.path() then return pending("needs io.popen and /proc to run the luagrad program") end
    local out, err, status = program.run(table.concat({
      "local x = torch.arange(4.0, {requires_grad=true})",
      "print(x)",
      "local y = x * x",
      "y:backward()",
      "print('not reached')",
    }, "\n") .. "\n", "nonscalar.lua")
    assert.are.equal("tensor([0., 1., 2., 3.], requires_grad=True)\n", out)
    assert.are.equal(1, status)
    assert.matches("^[^\n]*nonscalar%.lua:4: " .. pt.text("implicit grad of a non-scalar"):gsub("%p", "%%%0"), err)
    assert.matches("traceback", err)
  end)
end)
