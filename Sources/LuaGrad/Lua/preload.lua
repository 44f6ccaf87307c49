-- Makes LuaGrad's embedded Lua modules require-able: package.preload[name] compiles the
-- module's chunk on first use and runs it as require runs a module (with its name).
-- Receives package.preload, the module names in order, and compile(i), which returns the
-- i-th module's chunk as a function (Swift compiles; only Lua calls Lua).
local preload, names, compile = ...
for i, name in ipairs(names) do
  preload[name] = function(...) return compile(i)(...) end
end
