-- Defers LuaGrad's larger Lua extensions (torch.nn, torch.optim, torch.utils.data,
-- torch.distributed, torch.datasets) until a script first reads one of those fields of
-- torch, or iterates torch with pairs: compiling them was half of an empty script's start-up.
-- Receives torch, the names of the deferred fields, the number of deferred chunks and
-- compile(i), which returns the i-th chunk as a function (Swift compiles; only Lua calls
-- Lua). Returns load(), which runs them all once, in order, as the torch module's opening
-- ran them before; the host calls it where a raw look at torch must see every field (the
-- REPL's completion, the sandbox).
local torch, fields, count, compile = ...
local rawget, rawset, setmetatable, next = rawget, rawset, setmetatable, next

-- The Swift halves of the deferred tables (torch.utils, torch.distributed, ...) wait here,
-- out of torch, so that reading them runs the chunks that complete them.
local held, deferred = {}, {}
for _, name in ipairs(fields) do
  deferred[name] = true
  held[name] = rawget(torch, name)
  rawset(torch, name, nil)
end

local pending = true
local function load()
  if not pending then return end
  pending = false
  setmetatable(torch, nil)
  for name, value in next, held do
    if rawget(torch, name) == nil then rawset(torch, name, value) end
  end
  for i = 1, count do compile(i)(torch) end
end

setmetatable(torch, {
  __index = function(t, key)
    if deferred[key] then
      load()
      return rawget(t, key)
    end
  end,
  __pairs = function(t)
    load()
    return next, t, nil
  end,
})

return load
