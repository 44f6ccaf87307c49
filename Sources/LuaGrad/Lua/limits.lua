-- Closes the two ways Lua code could run where the host's count hook cannot stop it: a
-- finalizer (`__gc` runs with hooks off) and `debug.sethook` (which would replace the host's
-- hook). Run in the sandbox, and whenever an instruction or time limit is set.

local setmetatable, rawget, type, error = setmetatable, rawget, type, error
_G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed under the host's limits (a finalizer cannot be interrupted)", 2)
  end
  local object = setmetatable(t, mt)
  return object
end
if type(debug) == "table" then
  debug.sethook = function()
    error("debug.sethook is not available: the host's limits use the hook", 2)
  end
end
