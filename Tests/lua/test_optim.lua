-- torch.optim: seeded trajectories of every optimizer and option combination against PyTorch
-- (fixtures/optim.py, same names), parameter groups, closures, zero_grad, state dicts, errors.
local pt = require("pytorch_fixture").load("optim")
local optim = torch.optim

local THIS_FILE = debug.getinfo(1, "S").source:sub(2)

-- Asserts that `fn` raises `text` (PyTorch's), positioned in this file.
local function expect_error(text, fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  assert.matches("^" .. THIS_FILE:gsub("%p", "%%%0") .. ":%d+: " .. text:gsub("%p", "%%%0") .. "$", err)
end

local function make_params()
  torch.manual_seed(7)
  return torch.randn(3, { requires_grad = true }), torch.randn({ 2, 2 }, { requires_grad = true })
end

local function loss_of(p1, p2)
  local a = torch.tensor({ 0.5, -1.0, 2.0 })
  return ((p1 * a - 1) ^ 2):sum() + (p2 * p2 * p2):sum() * 0.1 + (p1:sum() * p2):sum()
end

local tolerance = { rtol = 1e-5, atol = 1e-6 }

local cases = {
  { "sgd", optim.SGD, { lr = 0.1 } },
  { "sgd momentum", optim.SGD, { lr = 0.1, momentum = 0.9 } },
  { "sgd nesterov", optim.SGD, { lr = 0.05, momentum = 0.9, nesterov = true, weight_decay = 0.01 } },
  { "sgd dampening maximize", optim.SGD, { lr = 0.01, momentum = 0.5, dampening = 0.3, maximize = true, weight_decay = 0.1 } },
  { "adam", optim.Adam, { lr = 0.1 } },
  { "adam amsgrad", optim.Adam, { lr = 0.05, betas = { 0.8, 0.9 }, amsgrad = true, weight_decay = 0.1 } },
  { "adam maximize", optim.Adam, { lr = 0.01, maximize = true, eps = 1e-6 } },
  { "adamw", optim.AdamW, { lr = 0.1 } },
  { "adamw amsgrad", optim.AdamW, { lr = 0.05, weight_decay = 0.5, amsgrad = true } },
  { "rmsprop", optim.RMSprop, { lr = 0.01 } },
  { "rmsprop centered momentum", optim.RMSprop, { lr = 0.01, alpha = 0.9, centered = true, momentum = 0.5, weight_decay = 0.1 } },
  { "rmsprop momentum", optim.RMSprop, { lr = 0.02, momentum = 0.9, maximize = true } },
  { "adagrad", optim.Adagrad, { lr = 0.1 } },
  { "adagrad decay", optim.Adagrad, { lr = 0.1, lr_decay = 0.01, initial_accumulator_value = 0.5, weight_decay = 0.1, eps = 1e-8 } },
}

describe("optimizer trajectories match PyTorch's", function()
  for _, case in ipairs(cases) do
    local name, class, options = case[1], case[2], case[3]
    it(name, function()
      local p1, p2 = make_params()
      local opt = class({ p1, p2 }, options)
      for k = 1, 5 do
        opt:zero_grad()
        loss_of(p1, p2):backward()
        opt:step()
        pt.assert_tensor(name .. " " .. k .. " p1", p1:detach(), tolerance)
        pt.assert_tensor(name .. " " .. k .. " p2", p2:detach(), tolerance)
      end
    end)
  end
end)

describe("optimizer API", function()
  it("parameter groups have their own options", function()
    local p1, p2 = make_params()
    local opt = optim.SGD({ { params = { p1 }, weight_decay = 3 }, { params = p2, lr = 0.01 } }, { lr = 0.1, momentum = 0.9 })
    assert.are.same(pt.value("groups lr"), { opt.param_groups[1].lr, opt.param_groups[2].lr })
    for k = 1, 3 do
      opt:zero_grad()
      loss_of(p1, p2):backward()
      opt:step()
      pt.assert_tensor("groups " .. k .. " p1", p1:detach(), tolerance)
      pt.assert_tensor("groups " .. k .. " p2", p2:detach(), tolerance)
    end
  end)

  it("step(closure) returns the loss; zero_grad sets to nil or zeros", function()
    local p1, p2 = make_params()
    local opt = optim.Adam({ p1, p2 }, { lr = 0.1 })
    local function closure()
      opt:zero_grad()
      local l = loss_of(p1, p2)
      l:backward()
      return l
    end
    assert.near(pt.value("closure loss 1"), opt:step(closure):item(), 1e-5)
    assert.near(pt.value("closure loss 2"), opt:step(closure):item(), 1e-5)
    pt.assert_tensor("closure p1", p1:detach(), tolerance)
    opt:zero_grad()
    assert.are.equal(pt.value("zero_grad none"), p1.grad == nil)
    loss_of(p1, p2):backward()
    opt:zero_grad(false)
    pt.assert_tensor("zero_grad zeros", p1.grad)
    opt:zero_grad({ set_to_none = false })
    pt.assert_tensor("zero_grad zeros", p1.grad)
  end)

  it("state_dict has PyTorch's layout and load_state_dict resumes", function()
    local p1, p2 = make_params()
    local opt = optim.Adam({ p1, p2 }, { lr = 0.1, amsgrad = true })
    for _ = 1, 2 do
      opt:zero_grad(); loss_of(p1, p2):backward(); opt:step()
    end
    local sd = opt:state_dict()
    local keys = {}
    for k in pairs(sd.state) do keys[#keys + 1] = k end
    table.sort(keys)
    assert.are.same(pt.value("state keys"), keys)
    local fields = {}
    for k in pairs(sd.state[0]) do fields[#fields + 1] = k end
    table.sort(fields)
    assert.are.same(pt.value("state 0 fields"), fields)
    pt.assert_tensor("state 0 step", sd.state[0].step)
    pt.assert_tensor("state 1 exp_avg", sd.state[1].exp_avg, tolerance)
    assert.are.same(pt.value("group params"), sd.param_groups[1].params)
    assert.are.equal(pt.value("group lr"), sd.param_groups[1].lr)

    local q1 = p1:detach():clone():requires_grad_()
    local q2 = p2:detach():clone():requires_grad_()
    local opt2 = optim.Adam({ q1, q2 }, { lr = 0.5 })
    opt2:load_state_dict(sd)
    assert.are.equal(pt.value("loaded lr"), opt2.param_groups[1].lr)
    opt2:zero_grad(); loss_of(q1, q2):backward(); opt2:step()
    pt.assert_tensor("loaded step p2", q2:detach(), tolerance)

    local opt3 = optim.Adam({ q1 }, { lr = 0.5 })
    local two_groups = optim.Adam({ { params = { q1 } }, { params = { q2 } } }):state_dict()
    expect_error(pt.text("load wrong groups"), function() opt3:load_state_dict(two_groups) end)
    expect_error(pt.text("load wrong sizes"), function() opt3:load_state_dict(opt2:state_dict()) end)
  end)

  it("keeps PyTorch's state entries", function()
    local p1, p2 = make_params()
    local opt = optim.SGD({ p1, p2 }, { lr = 0.1 })
    loss_of(p1, p2):backward(); opt:step()
    local n = 0
    for _ in pairs(opt:state_dict().state) do n = n + 1 end
    assert.are.equal(pt.value("sgd state size"), n)
    p1, p2 = make_params()
    opt = optim.Adagrad({ p1, p2 }, { lr = 0.1, initial_accumulator_value = 0.25 })
    pt.assert_tensor("adagrad initial sum", opt:state_dict().state[1].sum)
  end)

  it("rejects what PyTorch rejects", function()
    local x = torch.randn(3, { requires_grad = true })
    expect_error(pt.text("non-leaf"), function() optim.SGD({ x * 2 }, { lr = 0.1 }) end)
    expect_error(pt.text("empty"), function() optim.SGD({}, { lr = 0.1 }) end)
    -- PyTorch names Python's type ("int"); LuaGrad names Lua's.
    expect_error(pt.text("non-tensor"):gsub("int$", "number"), function() optim.SGD({ x, 3 }, { lr = 0.1 }) end)
    expect_error(pt.text("bad lr"), function() optim.SGD({ x }, { lr = -0.1 }) end)
    expect_error(pt.text("bad momentum"), function() optim.SGD({ x }, { lr = 0.1, momentum = -1 }) end)
    expect_error(pt.text("nesterov"), function() optim.SGD({ x }, { lr = 0.1, nesterov = true }) end)
    expect_error(pt.text("bad beta"), function() optim.Adam({ x }, { betas = { 1.0, 0.9 } }) end)
    expect_error(pt.text("bad eps"), function() optim.Adam({ x }, { eps = -1e-8 }) end)
    expect_error(pt.text("bad alpha"), function() optim.RMSprop({ x }, { alpha = -0.5 }) end)
    expect_error(pt.text("bad lr_decay"), function() optim.Adagrad({ x }, { lr_decay = -0.5 }) end)
    expect_error(pt.text("duplicate"), function() optim.SGD({ { params = { x } }, { params = { x } } }, { lr = 0.1 }) end)
  end)
end)
