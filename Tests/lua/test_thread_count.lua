-- A result may not depend on how many threads computed it: the same script run with
-- OMP_NUM_THREADS=1, 2 and 3 prints the same bits. Sums of 2^20 elements or more are cut into
-- parts by length, not by thread count; element-wise ops (exp's and tanh's eight-lane loops
-- among them) split at element boundaries that change nothing; matrix products are cut into
-- blocks that keep one BLAS call's bits, or else into as many blocks whatever the thread
-- count (float32 products of fewer than 128 rows with a wider output, cut into columns); work
-- split by lines (softmax, sums and extrema along a dim) computes each line whole.
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
-- Products: column blocks (64 x 256 @ 256 x 512, 100 x 300 @ 300 x 700, 8 x 1024 @ 1024 x 2048),
-- row blocks (their transposes), the depth split (16 x 784 @ 784 x 256), and a backward whose
-- products write a wide gradient (g @ W^T: 64 x 512 @ 512 x 256). Each entry weighs in by its
-- position, so two entries trading places would show too.
local function digest(p)
  return hex((p:double() * torch.arange(1, p:numel() + 1):reshape(p.shape):double()):sum())
end
for _, s in ipairs{{64, 256, 512}, {100, 300, 700}, {8, 1024, 2048}, {16, 784, 256}} do
  local a, b = torch.randn(s[1], s[2]), torch.randn(s[2], s[3])
  print(digest(a:matmul(b)), digest(b:t():matmul(a:t())))
end
local x, w = torch.randn(64, 256), torch.randn(256, 512, {requires_grad = true})
local h = x:requires_grad_():matmul(w)
torch.tanh(h):sum():backward()
print(digest(h), digest(w.grad), digest(x.grad))
-- Work split by lines: sums along either end of a matrix, softmax and its gradient, and the
-- extrema of each line with their positions.
local m = torch.randn(300, 1000)
print(digest(m:sum(1)), digest(m:sum(2)), digest(m:mean(2)))
local s = torch.softmax(m:requires_grad_(), 2)
s:backward(torch.randn(300, 1000))
print(digest(s), digest(m.grad), digest(torch.log_softmax(m, 2)))
local v, i = m:max(2)
print(digest(v), digest(i), digest(m:argmin(2)))
]]

describe("thread count", function()
  it("leaves long sums, element-wise ops, products and line-wise ops bit for bit the same", function()
    local one = run_with_threads(script, 1)
    assert.is_true(one:find("status 0", 1, true) ~= nil, one)
    assert.are.equal(one, run_with_threads(script, 2))
    assert.are.equal(one, run_with_threads(script, 3))
  end)
end)
