-- ScriptHostTests: raises an error on line 4, from a function called on line 5.
local function fail(why)
  -- the error
  error("failed: " .. why)
end fail("on purpose")
