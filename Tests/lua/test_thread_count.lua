-- A result may not depend on how many threads computed it: the same script run with
-- OMP_NUM_THREADS=1 and =2 prints the same bits. Sums of 2^20 elements or more are cut into
-- parts by length, not by thread count; element-wise ops (exp's and tanh's eight-lane loops
-- among them) split at element boundaries that change nothing.
local program = require "luagrad_program"

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs `source` under OMP_NUM_THREADS=`threads`; returns its output, then "status" and its exit status.
local function run_with_threads(source, threads)
  local path = assert(program.path(), "cannot find the luagrad program")
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(source)
  f:close()
  local runner = assert(io.popen("OMP_NUM_THREADS=" .. threads .. " " .. quote(path) .. " " .. quote(script) .. " 2>&1; echo status $?"))
  local out = runner:read("a")
  runner:close()
  os.remove(script)
  return out
end

-- Every value as a hexadecimal float: all the bits, nothing rounded away by printing.
local script = [[
torch.manual_seed(0)
local x = torch.randn(1 << 21, {dtype = torch.float64})
local f = torch.randn(3 * (1 << 20))
local function hex(t) return string.format("%a", t:item()) end
print(hex(x:sum()), hex(x:mean()), hex(f:sum()), hex(f:double():sum()))
print(hex(torch.tanh(f):sum()), hex(torch.exp(f * 0.1):double():sum()))
print(hex((f * f + 1):sqrt():double():sum()))
]]

describe("thread count", function()
  it("leaves long sums and element-wise ops bit for bit the same", function()
    local one, two = run_with_threads(script, 1), run_with_threads(script, 2)
    assert.is_true(one:find("status 0", 1, true) ~= nil, one)
    assert.are.equal(one, two)
  end)
end)
