local helper = {}
function helper.double(x) return 2 * x end
function helper.check_positive(x) assert(x > 0, "expected a positive number, got " .. x) end
return helper
