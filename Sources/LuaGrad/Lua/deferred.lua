-- Defers LuaGrad's Lua extensions (torch.autograd's Lua half and torch.func; torch.nn,
-- torch.optim, torch.utils.data, torch.distributed, torch.datasets) until a script first reads
-- one of their fields of torch, or iterates torch with pairs: compiling them was most of an
-- empty script's start-up once the dynamic linker's share was gone.
-- Receives torch, the groups and compile(i), which returns the i-th chunk (counted across
-- the groups, in order) as a function (Swift compiles; only Lua calls Lua). A group is
-- { fields = {names...}, count = n }: reading one of its fields runs its n chunks, in order.
-- Returns load(field), which runs the group of `field` once, or every group, in order, when
-- `field` is nil; the host calls it where a raw look at torch must see every field (the REPL's
-- completion, the sandbox) or a given one (torch.viz's recording of backward).
local torch, groups, compile = ...
local rawget, rawset, setmetatable, next = rawget, rawset, setmetatable, next

-- The Swift halves of the deferred tables (torch.autograd, torch.utils, torch.distributed,
-- ...) wait here, out of torch, so that reading them runs the chunks that complete them.
local held, group_of, first = {}, {}, {}
local pending = #groups
for g, group in ipairs(groups) do
  first[g] = g == 1 and 1 or first[g - 1] + groups[g - 1].count
  for _, name in ipairs(group.fields) do
    group_of[name] = g
    held[name] = rawget(torch, name)
    rawset(torch, name, nil)
  end
end

local function load_group(g)
  local group = groups[g]
  if group.loaded then return end
  group.loaded = true
  pending = pending - 1
  -- The last group leaves torch as it was before deferring: a plain table.
  if pending == 0 then setmetatable(torch, nil) end
  for _, name in ipairs(group.fields) do
    if rawget(torch, name) == nil then rawset(torch, name, held[name]) end
  end
  for i = first[g], first[g] + group.count - 1 do compile(i)(torch) end
end

local function load(field)
  if field ~= nil then
    if group_of[field] then load_group(group_of[field]) end
    return
  end
  for g = 1, #groups do load_group(g) end
end

setmetatable(torch, {
  __index = function(t, key)
    local g = group_of[key]
    if g then
      load_group(g)
      return rawget(t, key)
    end
  end,
  __pairs = function(t)
    load()
    return next, t, nil
  end,
})

return load
