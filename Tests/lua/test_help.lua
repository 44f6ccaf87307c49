-- help(f): the op table's usage and doc line for torch functions and tensor methods.

-- What help(...) prints, captured by replacing the global `print` for the call.
local function help_text(...)
  local lines = {}
  local saved = print
  print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    lines[#lines + 1] = table.concat(parts, "\t", 1, parts.n)
  end
  local ok, err = pcall(help, ...)
  print = saved
  if not ok then error(err, 0) end
  return table.concat(lines, "\n")
end

describe("help", function()
  it("is a global and torch.help", function()
    assert.is_function(help)
    assert.are.equal(help, torch.help)
  end)

  it("prints the usage and doc line of a torch function", function()
    local text = help_text(torch.ones)
    assert.matches("torch.ones(size..., {dtype=nil, requires_grad=false}) -> Tensor", text, 1, true)
    assert.matches("A tensor of `size` filled with 1.", text, 1, true)
    assert.matches("grad_fn: not differentiable", text, 1, true)
  end)

  it("finds tensor methods, including their method form", function()
    local x = torch.ones(2, 3)
    local text = help_text(x.sum)
    assert.matches("torch.sum(input, dim=nil, {keepdim=false, dtype=nil}) -> Tensor", text, 1, true)
    assert.matches("input:sum(dim=nil, {keepdim=false, dtype=nil})", text, 1, true)
    assert.matches("grad_fn: SumBackward0", text, 1, true)
  end)

  it("finds method-only ops", function()
    local text = help_text(torch.zeros(1).view)
    assert.matches("Tensor.view(", text, 1, true)
    assert.matches("grad_fn: ViewBackward0", text, 1, true)
  end)

  it("resolves aliases to the canonical op and shows its operator", function()
    local text = help_text(torch.subtract)
    assert.matches("^torch.sub%(input, other, {alpha=nil}%) %-> Tensor", text)
    assert.matches("Operator: a - b", text, 1, true)
  end)

  it("shows every overload of a name", function()
    local text = help_text(torch.pow)
    assert.matches("PowBackward0", text, 1, true)
    assert.matches("PowBackward1", text, 1, true)
    assert.matches("PowBackward2", text, 1, true)
  end)

  it("lists the ops for help(torch)", function()
    local text = help_text(torch)
    for _, name in ipairs({ "zeros", "arange", "add", "sum", "matmul", "view", "eq", "add_" }) do
      assert.matches("%f[%w_]" .. name .. "%f[^%w_]", text)
    end
    assert.matches("no_grad", text, 1, true)
  end)

  it("lists a tensor's methods for help(x)", function()
    local text = help_text(torch.zeros(1))
    assert.matches("backward", text, 1, true)
    assert.matches("requires_grad_", text, 1, true)
  end)

  it("documents the functions that are not ops", function()
    local text = help_text(torch.no_grad)
    assert.matches("^torch.no_grad%(fn%)", text)
    assert.matches("Not an op", text, 1, true)
    assert.matches("torch.io.read_csv(path", help_text(torch.io.read_csv), 1, true)
    assert.matches("Monotonic seconds", help_text(torch.wallclock), 1, true)
    assert.matches("torch.distributions.Multinomial(", help_text(torch.distributions.Multinomial), 1, true)
  end)

  it("names an alias's canonical function", function()
    local text = help_text(torch.autograd.functional.hvp)
    assert.matches("^torch.autograd.functional.vhp%(", text)
    assert.matches("Aliases: torch.autograd.functional.hvp", text, 1, true)
  end)

  it("lists the functions that are not ops for help(torch)", function()
    local text = help_text(torch)
    for _, name in ipairs({ "wallclock", "distributions.Multinomial", "io.read_csv", "autograd.grad", "func.grad" }) do
      assert.matches(" " .. name .. "%f[%s]", text)
    end
  end)

  it("documents every function reachable from torch", function()
    -- The rule: every public function of the namespaces under torch (torch.*, nn.functional,
    -- nn.init, optim, optim.lr_scheduler, utils.data, io, ...) has help text: an op's, a
    -- ModuleReference entry (Swift functions) or a `---` doc comment (Lua functions). A class
    -- (a table with a `__name`, or a callable table: nn.Linear, optim.SGD, data.DataLoader)
    -- must itself have help text, from the `---` block above the line that creates it or its
    -- constructor's; the walk does not descend into classes, so methods (forward, extra_repr,
    -- __init, ...) need not each have one; help(obj.method) shows a method's comment when it
    -- has one. Names starting with `_` are internals (torch.autograd._attach, torch.utils._isatty).
    local missing, seen = {}, {}
    local function undocumented(value)
      local text = help_text(value)
      return text:find("no documentation", 1, true) or text:find("not in the op table", 1, true)
    end
    local function is_class(t)
      local meta = getmetatable(t)
      return type(rawget(t, "__name")) == "string" or (type(meta) == "table" and meta.__call ~= nil)
    end
    local function walk(t, prefix)
      if seen[t] then return end
      seen[t] = true
      for key, value in pairs(t) do
        local name = type(key) == "string" and prefix .. key
        if name and key:sub(1, 1) ~= "_" then
          if type(value) == "function" then
            if undocumented(value) then missing[#missing + 1] = name end
          elseif type(value) == "table" and is_class(value) then
            if undocumented(value) then missing[#missing + 1] = name end
          elseif type(value) == "table" then
            walk(value, name .. ".")
          end
        end
      end
    end
    walk(torch, "torch.")
    table.sort(missing)
    assert.are.same({}, missing)
  end)

  it("reads the doc comments of the Lua library", function()
    local text = help_text(torch.nn.Linear)
    assert.matches("nn.Linear(in_features, out_features", text, 1, true)
    assert.matches("defined in luagrad/nn_layers.lua:", text, 1, true)
    assert.matches("^F.relu%(input%) %-> Tensor\n    max%(x, 0%)", help_text(torch.nn.functional.relu))
    assert.matches("optim.SGD(params", help_text(torch.optim.SGD), 1, true)
    assert.matches("DataLoader(dataset", help_text(torch.utils.data.DataLoader), 1, true)
    assert.matches("One optimization step", help_text(torch.optim.SGD.step), 1, true)
    local layer = torch.nn.Linear(2, 3)
    assert.matches("Draws the weight and bias again", help_text(layer.reset_parameters), 1, true)
  end)

  it("documents the generator's methods", function()
    local g = torch.Generator()
    assert.matches("^g:manual_seed%(n%)", help_text(g.manual_seed))
    assert.matches("^torch.Generator%(%)", help_text(torch.Generator))
  end)

  it("says when a function is not an op", function()
    assert.matches("Tensor:backward is not in the op table", help_text(torch.zeros(1).backward), 1, true)
    assert.matches("no documentation for this function", help_text(print), 1, true)
    assert.matches("help(torch.ones)", help_text(), 1, true)
  end)

  it("returns nothing", function()
    local saved = print
    print = function() end
    local n = select("#", help(torch.ones))
    print = saved
    assert.are.equal(0, n)
  end)

  it("lets an error in print propagate", function()
    local saved = print
    print = function() error("print failed") end
    local ok, err = pcall(help, torch.ones)
    print = saved
    assert.is_false(ok)
    assert.matches("print failed", err, 1, true)
  end)
end)

describe("help's grad_fn line", function()
  -- What help says about composite ops is true: their results carry a grad_fn.
  it("is true of composite ops", function()
    local x = torch.ones(2, 2, { requires_grad = true })
    local results = {
      matmul = torch.matmul(x, x), reshape = x:t():reshape(4), flatten = x:flatten(),
      contiguous = x:t():contiguous(), rdiv = 2 / x,
    }
    for name, result in pairs(results) do
      assert.matches("composite", help_text(x[name]), 1, true)
      assert.is_not_nil(result.grad_fn, name .. " recorded no graph")
    end
  end)
end)
