-- Copies past the parallel threshold (Parallel.threshold, 2^16 elements) run their parts on
-- worker threads, in a loop specialised per dtype pair: contiguous ones in ranges, strided
-- ones by blocks of rows. Every element must be what the
-- serial copy writes: same dtype, the exact value; a conversion, the value rounded once to
-- the target (checked against Lua's own conversion: string.pack("f", x) rounds a double to
-- the nearest float, as C's cast does). Sizes are not multiples of a part, so the last part
-- is short; each check reads every element.
local N = 300007

-- The float32 nearest to the Lua number x (exact for integers below 2^53).
local function f32(x)
  return (string.unpack("f", string.pack("f", x)))
end

-- Asserts t (1-d) holds expected(i) at every 1-based position i.
local function holds(t, expected, what)
  local values = t:tolist()
  assert.are.equal(N, #values, what .. ": size")
  for i = 1, N do
    local want = expected(i)
    if values[i] ~= want then
      error(string.format("%s: element %d is %.17g, expected %.17g", what, i, values[i], want))
    end
  end
end

describe("copy_ past the parallel threshold", function()
  it("float32 to float32", function()
    local dst = torch.zeros(N)
    dst:copy_(torch.arange(N, { dtype = torch.float32 }))
    holds(dst, function(i) return i - 1.0 end, "float32")
  end)

  it("float64 to float64, values float32 cannot hold", function()
    local dst = torch.zeros(N, { dtype = torch.float64 })
    dst:copy_(torch.arange(N, { dtype = torch.float64 }) / 3)
    holds(dst, function(i) return (i - 1) / 3 end, "float64")
  end)

  it("int64 to int64", function()
    local dst = torch.zeros(N, { dtype = torch.int64 })
    dst:copy_(torch.arange(N) * 4099 - (1 << 40))
    holds(dst, function(i) return (i - 1) * 4099 - (1 << 40) end, "int64")
  end)

  it("float64 to float32, rounding each value once", function()
    local dst = torch.zeros(N)
    dst:copy_(torch.arange(N, { dtype = torch.float64 }) / 3)
    holds(dst, function(i) return f32((i - 1) / 3) end, "float64 -> float32")
  end)

  it("float32 to float64, exactly", function()
    local dst = torch.zeros(N, { dtype = torch.float64 })
    -- A float32 quotient is the double quotient rounded once (53 >= 2 * 24 + 2 bits).
    dst:copy_(torch.arange(N, { dtype = torch.float32 }) / 3)
    holds(dst, function(i) return f32((i - 1) / 3) end, "float32 -> float64")
  end)

  it("int64 to float32 past 2^24, rounding once", function()
    local dst = torch.zeros(N)
    dst:copy_(torch.arange(N) + (1 << 24) - 7)
    holds(dst, function(i) return f32(i - 1 + (1 << 24) - 7) end, "int64 -> float32")
  end)

  it("into a slice of a larger tensor, and back out of one", function()
    local base = torch.zeros(N + 10)
    base:narrow(1, 6, N):copy_(torch.arange(N, { dtype = torch.float64 }) + 0.25)
    holds(base:narrow(1, 6, N), function(i) return i - 0.75 end, "into a slice")
    local out = torch.zeros(N, { dtype = torch.float64 }):copy_(base:narrow(1, 6, N))
    holds(out, function(i) return i - 0.75 end, "from a slice")
    assert.are.equal(0.0, base[5]:item())
    assert.are.equal(0.0, base[N + 6]:item())
  end)

  it("bumps the version once", function()
    local dst = torch.zeros(N)
    local v = dst._version
    dst:copy_(torch.ones(N, { dtype = torch.float64 }))
    assert.are.equal(v + 1, dst._version)
  end)
end)

describe("strided copy_ past the threshold", function()
  -- Asserts the 2-d tensor t holds expected(r, c) at every 0-based row r and column c.
  local function holds2(t, expected, what)
    local rows, cols = t.shape[1], t.shape[2]
    local values = t:reshape(-1):tolist()
    for r = 0, rows - 1 do
      for c = 0, cols - 1 do
        local got, want = values[r * cols + c + 1], expected(r, c)
        if got ~= want then
          error(string.format("%s: element (%d, %d) is %.17g, expected %.17g", what, r, c, got, want))
        end
      end
    end
  end

  it("into a block of columns of a wider matrix, converting, and back out", function()
    local base = torch.zeros(600, 1000, { dtype = torch.float64 })
    local block = base[{ {}, { 1, 500 } }]
    block:copy_(torch.arange(300000, { dtype = torch.float32 }):reshape(600, 500))
    holds2(base, function(r, c) return c < 500 and r * 500 + c or 0 end, "float32 into columns")
    block:copy_(torch.arange(300000, { dtype = torch.float64 }):reshape(600, 500) / 3)
    holds2(base, function(r, c) return c < 500 and (r * 500 + c) / 3 or 0 end, "float64 into columns")
    local out = torch.zeros(600, 500):copy_(block)
    holds2(out, function(r, c) return f32((r * 500 + c) / 3) end, "out of columns to float32")
  end)

  it("a row broadcast down every row", function()
    local dst = torch.zeros(1000, 300, { dtype = torch.int64 })
    dst:copy_(torch.arange(300) - 150)
    holds2(dst, function(_, c) return c - 150 end, "broadcast row")
  end)

  it("into a transposed destination (tiles, by bands of rows)", function()
    local dst = torch.zeros(500, 600)
    dst:t():copy_(torch.arange(300000, { dtype = torch.float64 }):reshape(600, 500))
    holds2(dst, function(r, c) return c * 500 + r end, "transposed destination")
  end)
end)

-- Transposes copy tile by tile (32 x 32): every element of shapes at, under and past a tile's
-- edges, both ways, below the threshold (one thread), with and without a conversion. A side
-- that steps by a multiple of 4 KiB is 8 long (512 int64s, 1024 floats): the last three shapes
-- take it on the source's side, the destination's, or both.
describe("transposing copies", function()
  for _, size in ipairs({ { 32, 32 }, { 33, 95 }, { 31, 64 }, { 64, 31 }, { 100, 70 },
                          { 512, 40 }, { 40, 1024 }, { 1024, 96 } }) do
    local rows, cols = size[1], size[2]
    local function check(t, what)
      local values = t:tolist()
      for r = 1, rows do
        for c = 1, cols do
          local want = (c - 1) * rows + (r - 1)
          if values[r][c] ~= want then
            error(string.format("%s %dx%d: [%d][%d] is %s, expected %d", what, rows, cols, r, c, values[r][c], want))
          end
        end
      end
    end
    it(rows .. " x " .. cols, function()
      local source = torch.arange(rows * cols, { dtype = torch.int64 }):reshape(cols, rows)
      check(source:t():contiguous(), "contiguous")
      check(source:t():double(), "double")
      local dst = torch.zeros(cols, rows, { dtype = torch.float32 })
      dst:t():copy_(source:t():contiguous())
      check(dst:t(), "into a transposed destination")
    end)
  end

  it("a batch of matrices (transpose of the last two dims), past the threshold", function()
    local b, rows, cols = 5, 130, 101
    local m = torch.arange(b * rows * cols, { dtype = torch.float64 }):reshape(b, cols, rows):transpose(2, 3):float()
    assert.are.same({ b, rows, cols }, m.shape)
    local values = m:tolist()
    for k = 1, b do
      for r = 1, rows do
        for c = 1, cols do
          local want = (k - 1) * rows * cols + (c - 1) * rows + (r - 1)
          assert(values[k][r][c] == want, string.format("[%d][%d][%d] is %s, expected %d", k, r, c, values[k][r][c], want))
        end
      end
    end
  end)
end)

describe("materializing copies past the parallel threshold", function()
  local src = torch.arange(N, { dtype = torch.float64 }) / 3

  it("clone", function()
    holds(src:clone(), function(i) return (i - 1) / 3 end, "clone")
  end)

  it("to float32 and back", function()
    local single = src:float()
    assert.are.equal(torch.float32, single.dtype)
    holds(single, function(i) return f32((i - 1) / 3) end, "float")
    holds(single:double(), function(i) return f32((i - 1) / 3) end, "double")
  end)

  it("contiguous of a transposed tensor (tiles, by bands of rows)", function()
    local m = torch.arange(N - 7, { dtype = torch.float32 }):reshape(300, 1000):t():contiguous()
    assert.is_true(m:is_contiguous())
    local values = m:reshape(-1):tolist()
    for k = 1, #values do
      local row, col = (k - 1) // 300, (k - 1) % 300
      assert(values[k] == col * 1000 + row, "transposed element " .. k)
    end
  end)

  it("the recorded copy_: values and gradient", function()
    local s = (torch.arange(N, { dtype = torch.float64 }) / 3):requires_grad_()
    local y = torch.zeros(N)
    y:copy_(s * 1)
    holds(y:detach(), function(i) return f32((i - 1) / 3) end, "recorded")
    y:sum():backward()
    assert.is_true(torch.equal(s.grad, torch.ones(N, { dtype = torch.float64 })))
  end)
end)
