-- torch.optim.lr_scheduler: the rates of each schedule, step by step, equal PyTorch's
-- (fixtures/lr_scheduler.py, same names).
local pt = require("pytorch_fixture").load("lr_scheduler")
local optim = torch.optim
local lr_scheduler = optim.lr_scheduler

local THIS_FILE = debug.getinfo(1, "S").source:sub(2)

local function expect_error(text, fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  assert.matches("^" .. THIS_FILE:gsub("%p", "%%%0") .. ":%d+: " .. text:gsub("%p", "%%%0") .. "$", err)
end

-- The rates after the initial step and after each of `steps` steps, compared with PyTorch's.
local function run(name, make, steps, lrs)
  steps, lrs = steps or 15, lrs or { 0.1 }
  local groups = {}
  for i, lr in ipairs(lrs) do groups[i] = { params = { torch.zeros(1, { requires_grad = true }) }, lr = lr } end
  local opt = optim.SGD(groups, { lr = 0.1 })
  local scheduler = make(opt)
  local rates = { scheduler:get_last_lr() }
  for _ = 1, steps do
    opt:step()
    scheduler:step()
    rates[#rates + 1] = scheduler:get_last_lr()
  end
  assert.are.same(pt.value(name), rates)
  local current = {}
  for i, g in ipairs(opt.param_groups) do current[i] = g.lr end
  assert.are.same(pt.value(name .. " group lr"), current)
end

describe("learning-rate schedules", function()
  it("StepLR", function()
    run("StepLR", function(o) return lr_scheduler.StepLR(o, { step_size = 3, gamma = 0.5 }) end)
    run("StepLR default gamma", function(o) return lr_scheduler.StepLR(o, 4) end)
  end)

  it("ExponentialLR", function()
    run("ExponentialLR", function(o) return lr_scheduler.ExponentialLR(o, { gamma = 0.9 }) end, 15, { 0.1, 0.03 })
  end)

  it("CosineAnnealingLR follows PyTorch's recursive formula", function()
    run("CosineAnnealingLR", function(o) return lr_scheduler.CosineAnnealingLR(o, { T_max = 5, eta_min = 0.01 }) end, 23)
    run("CosineAnnealingLR no eta_min", function(o) return lr_scheduler.CosineAnnealingLR(o, 4) end, 12, { 0.5, 0.2 })
  end)

  it("LambdaLR", function()
    run("LambdaLR", function(o) return lr_scheduler.LambdaLR(o, function(e) return 0.95 ^ e end) end)
    run("LambdaLR per group", function(o)
      return lr_scheduler.LambdaLR(o, { function(e) return 1 / (e + 1) end, function(e) return 0.5 * e end })
    end, 15, { 0.1, 0.2 })
  end)

  it("rejects what PyTorch rejects", function()
    local p = torch.zeros(1, { requires_grad = true })
    local two = optim.SGD({ { params = { p } }, { params = { torch.zeros(1, { requires_grad = true }) } } }, { lr = 0.1 })
    expect_error(pt.text("LambdaLR count"), function() lr_scheduler.LambdaLR(two, { function() return 1.0 end }) end)
    -- PyTorch raises a KeyError, whose text is quoted with escaped newlines: its first line.
    local first_line = pt.text("resume without initial_lr"):match('^"(.-)\\n')
    local ok, err = pcall(function() lr_scheduler.StepLR(optim.SGD({ p }, { lr = 0.1 }), 3, { last_epoch = 2 }) end)
    assert.is_false(ok)
    assert.matches((first_line:gsub("%p", "%%%0")), err)
  end)
end)
