-- ScriptHostTests: returns the sum of its arguments and the name it was run as.
local sum = 0
for _, v in ipairs({ ... }) do sum = sum + v end
return sum, select("#", ...)
