-- Seeing the graph (issue 4 item 8): torch.viz.dot(t) gives Graphviz DOT text of the graph
-- behind t, torch.viz.svg(t, path) renders it with Graphviz's `dot` (or says how to install
-- it), and `luagrad run --graph out.svg FILE` draws the graph of the script's last backward.
-- The nodes and edges each graph must show come from PyTorch's own graph of the same
-- computation (fixtures/viz.py walks grad_fn.next_functions the way GraphDot walks Node.edges).
-- Without Graphviz, the SVG tests check the install hint instead of the picture.
local pt = require("pytorch_fixture").load("viz")
local program = require "luagrad_program"

local THIS_FILE = debug.getinfo(1, "S").source:sub(2)
local function here() return debug.getinfo(2, "l").currentline end

-- torch.viz comes from Viz.install in TorchModule.build.
local declare = it

--- The node declarations and edges of DOT text, as the fixture writes them: node lines
--- without their colours, edges as "a -> b", in the order of the text.
local function parse(dot)
  local nodes, edges = {}, {}
  for line in dot:gmatch("[^\n]+") do
    local edge = line:match("^  (%w+ %-> %w+);$")
    if edge then
      edges[#edges + 1] = edge
    elseif line:match("^  [nt]%d+ %[") then
      nodes[#nodes + 1] = line:gsub(", fillcolor=[%w]+", ""):match("^  (.-);$")
    end
  end
  return nodes, edges
end

--- Asserts that the DOT text of `roots` shows the graph the fixture recorded as `name`.
local function assert_graph(name, roots)
  local nodes, edges = parse(torch.viz.dot(roots))
  assert.are.same(pt.value(name .. " nodes"), nodes)
  assert.are.same(pt.value(name .. " edges"), edges)
end

local function f(a)
  local b = a * 2
  while b:norm() < 1000 do b = b * 2 end
  local c
  if b:sum() > 0 then c = b else c = 100 * b end
  return c
end

describe("torch.viz.dot", function()
  declare("writes the whole DOT text of the chapter's y = 2 * torch.dot(x, x)", function()
    local x = torch.arange(4.0, { requires_grad = true })
    local expected = table.concat({
      'digraph autograd {',
      '  node [shape=box, style="rounded,filled", fillcolor=lightgrey, fontname="Helvetica", fontsize=11];',
      '  t1 [label="tensor ()", fillcolor=darkolivegreen1];',
      '  n1 [label="MulBackward0"];',
      '  n2 [label="DotBackward0"];',
      '  n3 [label="AccumulateGrad\\nleaf (4)\\nrequires_grad", fillcolor=lightblue];',
      '  n1 -> t1;',
      '  n2 -> n1;',
      '  n3 -> n2;',
      '  n3 -> n2;',
      '}',
      '',
    }, "\n")
    assert.are.equal(expected, torch.viz.dot(2 * torch.dot(x, x)))
  end)

  declare("the chapter's y: PyTorch's nodes and edges", function()
    local x = torch.arange(4.0, { requires_grad = true })
    assert_graph("chapter y", 2 * torch.dot(x, x))
  end)

  declare("the chapter's f(a), through either branch", function()
    assert_graph("chapter f positive", f(torch.tensor(0.8033, { requires_grad = true })))
    assert_graph("chapter f negative", f(torch.tensor(-1.6053, { requires_grad = true })))
  end)

  declare("a reused non-leaf and two leaves", function()
    local x = torch.tensor({ 0.5, -1.2, 2.0 }, { requires_grad = true })
    local w = torch.tensor({ 1.0, 2.0, 3.0 }, { requires_grad = true })
    local a = x * w
    assert_graph("diamond", (a:exp() + a:sin()):sum())
  end)

  declare("a layer: matmul, broadcast add, relu, mean (constants have no node)", function()
    local W = torch.ones(2, 3, { requires_grad = true })
    local b = torch.zeros(2, { requires_grad = true })
    assert_graph("layer", (torch.matmul(W, torch.ones(3)) + b):relu():mean())
  end)

  declare("a custom function is one node named <Name>Backward", function()
    local Exp = torch.autograd.Function{
      name = "Exp",
      forward = function(ctx, x) local r = x:exp(); ctx:save_for_backward(r); return r end,
      backward = function(ctx, g) return g * ctx.saved_tensors[1] end,
    }
    local x = torch.tensor({ 0.5, -1.2, 2.0 }, { requires_grad = true })
    assert_graph("custom function", Exp.apply(x * 2):sum())
  end)

  declare("a leaf, a constant, and a table of roots sharing nodes", function()
    local x = torch.tensor({ 0.5, -1.2, 2.0 }, { requires_grad = true })
    local w = torch.tensor({ 1.0, 2.0, 3.0 }, { requires_grad = true })
    assert_graph("leaf root", x)
    assert_graph("constant root", torch.ones(2, 2))
    local y1 = x:sin()
    assert_graph("two roots", { y1:sum(), (y1 * w):mean() })
  end)

  declare("is the same text every time, and survives backward", function()
    local x = torch.arange(4.0, { requires_grad = true })
    local y = (x:exp() * x):sum()
    local before = torch.viz.dot(y)
    assert.are.equal(before, torch.viz.dot(y))
    y:backward()
    assert.are.equal(before, torch.viz.dot(y))
  end)

  declare("escapes names and handles deep graphs without recursion", function()
    local Odd = torch.autograd.Function{
      name = 'Say "hi" \\',
      forward = function(ctx, x) return x * 1 end,
      backward = function(ctx, g) return g end,
    }
    local y = Odd.apply(torch.ones(1, { requires_grad = true }))
    assert.matches('n1 [label="Say \\"hi\\" \\\\Backward"];', torch.viz.dot(y), 1, true)
    local z = torch.tensor(1.0, { requires_grad = true })
    for _ = 1, 20000 do z = z + 1 end
    local _, edges = parse(torch.viz.dot(z))
    assert.are.equal(20001, #edges)
  end)

  declare("rejects what is not a tensor", function()
    assert.has_error(function() torch.viz.dot() end)
    assert.has_error(function() torch.viz.dot(3) end)
    assert.has_error(function() torch.viz.dot({ 3 }) end)
  end)
end)

--- A fresh file name in the temporary directory.
local function temporary(name)
  local path = os.tmpname()
  os.remove(path)
  return path .. "-" .. name
end

local function read(path)
  local file = io.open(path, "r")
  if not file then return nil end
  local text = file:read("a")
  file:close()
  return text
end

describe("torch.viz.svg", function()
  declare("renders with Graphviz, or explains how to install it", function()
    local x = torch.arange(4.0, { requires_grad = true })
    local path = temporary("graph.svg")
    local ok, result = pcall(torch.viz.svg, 2 * torch.dot(x, x), path)
    if not ok then
      assert.matches("apt-get install graphviz", result, 1, true)
      return pending("Graphviz's dot is not installed")
    end
    assert.are.equal(path, result)
    local svg = read(path)
    os.remove(path)
    assert.is_truthy(svg and svg:find("<svg", 1, true), "an SVG file")
    assert.is_truthy(svg:find("DotBackward0", 1, true))
    assert.is_truthy(svg:find("AccumulateGrad", 1, true))
  end)

  declare("rejects a missing file name", function()
    assert.has_error(function() torch.viz.svg(torch.ones(1)) end)
  end)
end)

describe("recording the last backward", function()
  declare("_record_backward(true) keeps the root of t:backward() and torch.autograd.backward", function()
    torch.viz._record_backward(true)
    finally(function() torch.viz._record_backward(false) end)
    local x = torch.arange(4.0, { requires_grad = true })
    local y = (x * x):sum()
    y:backward()
    assert.is_true(rawequal(y, torch.viz._last_root))
    local v = torch.tensor({ 1.0, 0.5, 0.1, 2.0 })
    local z = x * 3
    z:backward(v)
    assert.is_true(rawequal(z, torch.viz._last_root))
    -- 2x from the first pass, plus 3v
    assert.are.equal("tensor([ 3.0000,  3.5000,  4.3000, 12.0000])", tostring(x.grad))
    local roots = { x:sum() }
    torch.autograd.backward(roots)
    assert.is_true(rawequal(roots, torch.viz._last_root))
    assert.matches('[label="SumBackward0"]', torch.viz.dot(torch.viz._last_root), 1, true)
  end)

  declare("backward keeps its errors, positioned at the script's line", function()
    torch.viz._record_backward(true)
    finally(function() torch.viz._record_backward(false) end)
    local x = torch.arange(4.0, { requires_grad = true })
    local line = here(); local ok, err = pcall(function() (x * x):backward() end)
    assert.is_false(ok)
    assert.are.equal(THIS_FILE .. ":" .. line .. ": grad can be implicitly created only for scalar outputs", err)
  end)

  declare("_record_backward(false) stops recording", function()
    torch.viz._record_backward(true)
    torch.viz._record_backward(false)
    local before = torch.viz._last_root
    torch.arange(4.0, { requires_grad = true }):sum():backward()
    assert.is_true(rawequal(before, torch.viz._last_root))
  end)
end)

--- Runs `luagrad run --graph GRAPH script` on `source`; returns stdout, stderr, status.
local function run_with_graph(source, graph)
  local path = program.path()
  local script = temporary("script.lua")
  local file = assert(io.open(script, "w"))
  file:write(source)
  file:close()
  local out, err = temporary("stdout"), temporary("stderr")
  local q = function(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
  local runner = assert(io.popen(q(path) .. " run --graph " .. q(graph) .. " " .. q(script) ..
    " >" .. q(out) .. " 2>" .. q(err) .. "; echo $?"))
  local status = tonumber(runner:read("l"))
  runner:close()
  local stdout, stderr = read(out), read(err)
  os.remove(script); os.remove(out); os.remove(err)
  return stdout, stderr, status
end

describe("luagrad run --graph", function()
  declare("draws the graph of the last backward pass", function()
    if not program.path() then return pending("needs io.popen and /proc to run the luagrad program") end
    local graph = temporary("last.svg")
    local out, err, status = run_with_graph([[
      local x = torch.arange(4.0, {requires_grad = true})
      x:exp():sum():backward()
      local y = (x:sin() * 2):sum()
      y:backward()
      print(torch.allclose(x.grad, x:exp() + 2 * x:cos()))
    ]], graph)
    if status ~= 0 and err:find("apt-get install graphviz", 1, true) then
      return pending("Graphviz's dot is not installed")
    end
    assert.are.equal(0, status, err)
    assert.are.equal("true\n", out)
    local svg = read(graph)
    os.remove(graph)
    assert.is_truthy(svg and svg:find("SinBackward0", 1, true), "the last graph is drawn")
    assert.is_nil(svg:find("ExpBackward0", 1, true), "not an earlier one")
  end)

  declare("fails clearly when the script ran no backward", function()
    if not program.path() then return pending("needs io.popen and /proc to run the luagrad program") end
    local _, err, status = run_with_graph("print(1)", temporary("none.svg"))
    assert.are.equal(1, status)
    assert.matches("the script ran no backward pass", err, 1, true)
  end)
end)
