-- torch.autograd.Function and the functional transforms (torch.func, torch.autograd.functional),
-- written in Lua on top of the bindings: they are compositions of torch.autograd.grad and read
-- most naturally as Lua. Run when the torch module opens; receives the module.
local torch = ...
local autograd = torch.autograd
local unpack, pack = table.unpack, table.pack

-- MARK: torch.autograd.Function

-- PyTorch's message for a saved tensor changed in place; `producer` names the node that
-- made it ("Exp" for this function's own output, the current grad_fn for an input).
local function check_version(t, version, producer)
  if t._version ~= version then
    local origin = producer and (", which is output 0 of " .. producer .. ",") or ""
    error(string.format("one of the variables needed for gradient computation has been modified by an inplace operation: [torch.%s [%s]]%s is at version %d; expected version %d instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).",
      ({float32 = "FloatTensor", float64 = "DoubleTensor", int64 = "LongTensor", bool = "BoolTensor"})[t.dtype.name],
      table.concat(t.shape, ", "), origin, t._version, version), 3)
  end
end

local function stem(name) return (name:gsub("Backward%d*$", "")) end

local Context = {}
Context.__index = function(ctx, key)
  if key == "saved_tensors" then
    local saved = rawget(ctx, "_saved")
    if saved == nil then return {} end
    if rawget(ctx, "_released") then
      error("Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.", 2)
    end
    for i = 1, saved.n do
      local t = saved[i]
      if torch.is_tensor(t) then
        local producer
        for _, out in ipairs(rawget(ctx, "_outputs") or {}) do
          if rawequal(out, t) then producer = stem(rawget(ctx, "_name")) end
        end
        if producer == nil and t.grad_fn ~= nil then producer = stem(t.grad_fn.name) end
        check_version(t, ctx._versions[i], producer)
      end
    end
    return { unpack(saved, 1, saved.n) }
  end
  return Context[key]
end

function Context:save_for_backward(...)
  local saved = pack(...)
  local versions = {}
  for i = 1, saved.n do
    if torch.is_tensor(saved[i]) then versions[i] = saved[i]._version end
  end
  rawset(self, "_saved", saved)
  rawset(self, "_versions", versions)
end

function Context:mark_non_differentiable(...)
  local list = rawget(self, "_nondiff") or {}
  for _, t in ipairs({ ... }) do list[#list + 1] = t end
  rawset(self, "_nondiff", list)
end

function Context:set_materialize_grads(flag) rawset(self, "_materialize", flag) end

--- torch.autograd.Function{forward = function(ctx, ...) end, backward = function(ctx, ...) end,
--- name = "Exp"}: returns a table F with F.apply(...).
function autograd.Function(def)
  assert(type(def) == "table" and type(def.forward) == "function" and type(def.backward) == "function",
    "torch.autograd.Function expects a table with forward and backward functions")
  local F = { name = def.name or "Function", forward = def.forward, backward = def.backward }
  function F.apply(...)
    local args = pack(...)
    local needs = {}
    for i = 1, args.n do needs[i] = torch.is_tensor(args[i]) and args[i].requires_grad or false end
    local ctx = setmetatable({ needs_input_grad = needs, _name = F.name .. "Backward" }, Context)
    local outs = pack(torch.no_grad(function() return def.forward(ctx, unpack(args, 1, args.n)) end))
    local tensors = {}
    for i = 1, outs.n do
      local out = outs[i]
      if torch.is_tensor(out) then
        -- An input returned as is becomes a new tensor, so the input keeps its own history.
        for j = 1, args.n do
          if rawequal(out, args[j]) then out = torch.no_grad(function() return out:detach() end) end
        end
        outs[i] = out
        tensors[#tensors + 1] = out
      end
    end
    rawset(ctx, "_outputs", tensors)
    autograd._attach(F.name .. "Backward", args, tensors, rawget(ctx, "_nondiff"), function(...)
      local grads = pack(def.backward(ctx, ...))
      if grads.n ~= args.n then
        error(string.format("function %sBackward returned an incorrect number of gradients (expected %d, got %d)",
          F.name, args.n, grads.n), 0)
      end
      return unpack(grads, 1, grads.n)
    end)
    return unpack(outs, 1, outs.n)
  end
  return F
end

-- MARK: torch.autograd.functional

local functional = {}
autograd.functional = functional

local function as_list(x)
  if torch.is_tensor(x) then return { x }, true end
  return x, false
end

-- Calls a user function one transform level deeper (torch.func transforms inside it keep
-- their results in the graph, so this level can differentiate them).
local function call_inner(f, ...)
  local func = torch.func
  func._depth = func._depth + 1
  local results = pack(pcall(f, ...))
  func._depth = func._depth - 1
  if not results[1] then error(results[2], 0) end
  return unpack(results, 2, results.n)
end

-- The inputs a functional API differentiates with respect to, and its options. Inside another
-- transform (torch.func._depth > 0) an input already in a graph stays in it and the
-- derivatives are recorded, so the outer transform can differentiate them in turn.
local function prepare(inputs, opts)
  local list, single = as_list(inputs)
  local prepared, nested = {}, false
  for i, x in ipairs(list) do
    if x.requires_grad and (opts.create_graph or torch.func._depth > 0) then
      prepared[i] = x * 1
      nested = true
    else
      prepared[i] = x:detach()
      prepared[i]:requires_grad_(true)
    end
  end
  if nested and not opts.create_graph then
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.create_graph = true
    opts = copy
  end
  return prepared, single, opts
end

local function zeros_if_nil(g, like)
  if g == nil then return torch.zeros(like.shape, { dtype = like.dtype }) end
  return g
end

--- vjp(func, inputs, v): the output and vᵀJ for each input.
function functional.vjp(func, inputs, v, opts)
  opts = opts or {}
  local xs, single
  xs, single, opts = prepare(inputs, opts)
  local out = call_inner(func, unpack(xs))
  if v == nil then
    if out:numel() ~= 1 then
      error("The vector v can only be None if the user-provided function returns a single Tensor with a single element.", 2)
    end
    v = torch.ones(out.shape, { dtype = out.dtype })
  end
  local grads = pack(autograd.grad(out, xs, { grad_outputs = { v }, create_graph = opts.create_graph, allow_unused = true }))
  for i = 1, #xs do grads[i] = zeros_if_nil(grads[i], xs[i]) end
  if not opts.create_graph then out = out:detach() end
  if single then return out, grads[1] end
  return out, unpack(grads, 1, #xs)
end

--- jvp(func, inputs, v): the output and J v, by the double-vjp identity.
function functional.jvp(func, inputs, v, opts)
  opts = opts or {}
  local xs, single
  xs, single, opts = prepare(inputs, opts)
  if v == nil then
    if #xs ~= 1 or xs[1]:numel() ~= 1 then
      error("The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.", 2)
    end
    v = torch.ones(xs[1].shape, { dtype = xs[1].dtype })
  end
  local vs = as_list(v)
  local out = call_inner(func, unpack(xs))
  local u = torch.zeros(out.shape, { dtype = out.dtype, requires_grad = true })
  local gs = pack(autograd.grad(out, xs, { grad_outputs = { u }, create_graph = true, allow_unused = true }))
  local used, tangents = {}, {}
  for i = 1, #xs do
    if gs[i] ~= nil and gs[i].requires_grad then used[#used + 1] = gs[i]; tangents[#tangents + 1] = vs[i] end
  end
  local result
  if #used == 0 then
    result = torch.zeros(out.shape, { dtype = out.dtype })
  else
    result = autograd.grad(used, u, { grad_outputs = tangents, create_graph = opts.create_graph, allow_unused = true })
    result = zeros_if_nil(result, out)
  end
  if not opts.create_graph then out = out:detach() end
  return out, result
end

--- jacobian(func, inputs): one Jacobian per input, each of shape out.shape .. input.shape.
function functional.jacobian(func, inputs, opts)
  opts = opts or {}
  local xs, single
  xs, single, opts = prepare(inputs, opts)
  local out = call_inner(func, unpack(xs))
  local n = out:numel()
  local rows = {}
  for i = 1, #xs do rows[i] = {} end
  local flat = out:reshape(-1)
  for k = 1, n do
    local gs = pack(autograd.grad(flat[k], xs, { retain_graph = true, create_graph = opts.create_graph, allow_unused = true }))
    for i = 1, #xs do rows[i][k] = zeros_if_nil(gs[i], xs[i]):reshape(-1) end
  end
  local result = {}
  for i = 1, #xs do
    local shape = {}
    for _, s in ipairs(out.shape) do shape[#shape + 1] = s end
    for _, s in ipairs(xs[i].shape) do shape[#shape + 1] = s end
    if n == 0 then
      result[i] = torch.zeros(shape, { dtype = out.dtype })
    else
      result[i] = torch.cat(rows[i]):reshape(shape)
    end
  end
  return unpack(result, 1, #xs)
end

--- hessian(func, inputs): the Jacobian of the gradient (func returns a scalar). With several
--- inputs, one table of blocks per input: {H11, H12, ...}, {H21, H22, ...}.
function functional.hessian(func, inputs, opts)
  opts = opts or {}
  local xs, single
  xs, single, opts = prepare(inputs, opts)
  local out = call_inner(func, unpack(xs))
  local gs = pack(autograd.grad(out, xs, { create_graph = true, allow_unused = true }))
  local function block(g, x)
    local shape = {}
    for _, s in ipairs(g.shape) do shape[#shape + 1] = s end
    for _, s in ipairs(x.shape) do shape[#shape + 1] = s end
    if not g.requires_grad or g:numel() == 0 then return torch.zeros(shape, { dtype = g.dtype }) end
    local flat, rows = g:reshape(-1), {}
    for k = 1, flat:numel() do
      local r = autograd.grad(flat[k], x, { retain_graph = true, create_graph = opts.create_graph, allow_unused = true })
      rows[k] = zeros_if_nil(r, x):reshape(-1)
    end
    return torch.cat(rows):reshape(shape)
  end
  if single then return block(zeros_if_nil(gs[1], xs[1]), xs[1]) end
  local result = {}
  for i = 1, #xs do
    local g = zeros_if_nil(gs[i], xs[i])
    result[i] = {}
    for j = 1, #xs do result[i][j] = block(g, xs[j]) end
  end
  return unpack(result, 1, #xs)
end

--- vhp(func, inputs, v): the output and vᵀH; hvp: the output and H v (equal for smooth func).
function functional.vhp(func, inputs, v, opts)
  opts = opts or {}
  local xs, single
  xs, single, opts = prepare(inputs, opts)
  local vs = as_list(v)
  local out = call_inner(func, unpack(xs))
  local gs = pack(autograd.grad(out, xs, { create_graph = true, allow_unused = true }))
  local used, weights, which = {}, {}, {}
  for i = 1, #xs do
    if gs[i] ~= nil and gs[i].requires_grad then used[#used + 1] = gs[i]; weights[#weights + 1] = vs[i] end
  end
  local result = {}
  if #used > 0 then
    result = pack(autograd.grad(used, xs, { grad_outputs = weights, create_graph = opts.create_graph, allow_unused = true }))
  end
  for i = 1, #xs do result[i] = zeros_if_nil(result[i], xs[i]) end
  if not opts.create_graph then out = out:detach() end
  return out, unpack(result, 1, #xs)
end
functional.hvp = functional.vhp

-- MARK: torch.func (transforms that return functions)

local func = {}
torch.func = func

local function argnum_list(argnums)
  if argnums == nil then return { 1 }, true end
  if type(argnums) == "number" then return { argnums }, true end
  return argnums, false
end

--- grad_and_value(f, {argnums=1, has_aux=false}): a function returning (gradient(s), value).
function func.grad_and_value(f, opts)
  opts = opts or {}
  local nums, single = argnum_list(opts.argnums)
  return function(...)
    local args = pack(...)
    local wrt = {}
    for i, k in ipairs(nums) do
      -- A tensor already in a graph (an outer transform) stays in it, so transforms nest.
      if not args[k].requires_grad then args[k] = args[k]:detach():requires_grad_(true) end
      wrt[i] = args[k]
    end
    -- Inner transforms record their gradients (create_graph) so outer ones can differentiate
    -- through them; only the outermost returns plain tensors.
    func._depth = func._depth + 1
    local ok, value, aux, grads = pcall(function()
      local value, aux = torch.enable_grad(function() return f(unpack(args, 1, args.n)) end)
      if not torch.is_tensor(value) or value:numel() ~= 1 then
        error("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
          .. (torch.is_tensor(value) and value:dim() or 0) .. " dims. Maybe you wanted to use the vjp or jacrev APIs instead?", 0)
      end
      local grads = pack(torch.enable_grad(function()
        return autograd.grad(value, wrt, { create_graph = true, allow_unused = true })
      end))
      return value, aux, grads
    end)
    func._depth = func._depth - 1
    if not ok then error(value, 2) end
    local outermost = func._depth == 0
    local function result(t) return (outermost and torch.is_tensor(t)) and t:detach() or t end
    for i = 1, #wrt do grads[i] = result(zeros_if_nil(grads[i], wrt[i])) end
    aux = result(aux)
    value = value:detach()
    -- Several argnums give several gradients, as several return values before the value.
    if single then
      if opts.has_aux then return grads[1], value, aux end
      return grads[1], value
    end
    if opts.has_aux then return { unpack(grads, 1, #wrt) }, value, aux end
    return { unpack(grads, 1, #wrt) }, value
  end
end
func._depth = 0

--- grad(f, {argnums=1}): a function returning the gradient of f's (scalar) result.
function func.grad(f, opts)
  local gv = func.grad_and_value(f, opts)
  return function(...)
    local g, _, aux = gv(...)
    if opts and opts.has_aux then return g, aux end
    -- grad with several argnums returns one gradient per argnum, as multiple values.
    if type(g) == "table" and not torch.is_tensor(g) then return unpack(g) end
    return g
  end
end

--- vjp(f, ...primals): the output and a function mapping cotangents to vᵀJ per primal.
function func.vjp(f, ...)
  local primals = pack(...)
  local xs = {}
  for i = 1, primals.n do xs[i] = primals[i]:detach():requires_grad_(true) end
  local out = torch.enable_grad(function() return f(unpack(xs, 1, primals.n)) end)
  local function vjp_fn(v)
    local grads = pack(autograd.grad(out, xs, { grad_outputs = { v }, retain_graph = true, allow_unused = true }))
    for i = 1, #xs do grads[i] = zeros_if_nil(grads[i], xs[i]) end
    return unpack(grads, 1, #xs)
  end
  return out:detach(), vjp_fn
end

--- jvp(f, primals, tangents): the output and J·tangents (forward mode).
function func.jvp(f, primals, tangents)
  return functional.jvp(function(...) return f(...) end, primals, tangents)
end

--- jacrev(f, {argnums=1}) and jacfwd: functions returning the Jacobian.
function func.jacrev(f, opts)
  local nums, single = argnum_list(opts and opts.argnums)
  return function(...)
    local args = pack(...)
    local wrt = {}
    for i, k in ipairs(nums) do wrt[i] = args[k] end
    local function partial(...)
      local given = { ... }
      for i, k in ipairs(nums) do args[k] = given[i] end
      return f(unpack(args, 1, args.n))
    end
    local jacobians = pack(functional.jacobian(partial, wrt))
    return unpack(jacobians, 1, jacobians.n)
  end
end
func.jacfwd = func.jacrev

--- hessian(f, {argnums=1}): a function returning the Hessian.
function func.hessian(f, opts)
  local k = (opts and opts.argnums) or 1
  return function(...)
    local args = pack(...)
    return functional.hessian(function(x)
      args[k] = x
      return f(unpack(args, 1, args.n))
    end, args[k])
  end
end

-- MARK: torch.autograd.forward_ad

local forward_ad = autograd.forward_ad
local Level = { __close = function() forward_ad._exit() end, __name = "torch.dual_level" }

--- dual_level(fn) runs fn inside a dual level; `local l <close> = dual_level()` enters one.
function forward_ad.dual_level(fn)
  forward_ad._enter()
  if fn == nil then return setmetatable({}, Level) end
  local results = pack(pcall(fn))
  forward_ad._exit()
  if not results[1] then error(results[2], 0) end
  return unpack(results, 2, results.n)
end
