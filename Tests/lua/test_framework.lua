-- Self-test of the luagrad test framework: every assertion, passing and failing, and the
-- hooks. Failing assertions are checked through `pcall`, so this file passes as a whole.

-- The message an assertion failure raises, and the line it was raised for.
local function failure_of(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected the assertion to fail")
  return err
end

-- This file's path as the framework reports it, and the current line.
local function here()
  local info = debug.getinfo(2, "Sl")
  return info.source:sub(2), info.currentline
end

describe("assert.are.equal", function()
  it("passes for equal values, numbers of either subtype included", function()
    assert.are.equal(1, 1)
    assert.equals("a", "a")
    assert.equal(1, 1.0)
    local t = {}
    assert.are.equal(t, t)
  end)

  it("reports what was expected and what came", function()
    local err = failure_of(function() assert.are.equal(3, 4) end)
    assert.matches("expected 3, got 4$", err)
    err = failure_of(function() assert.are.equal("3", 3) end)
    assert.matches('expected "3", got 3$', err)
    err = failure_of(function() assert.are.equal(0.1 + 0.2, 0.3) end)
    assert.matches("expected 0.30000000000000004, got 0.3$", err)
  end)

  it("hints at assert.are.same for equal-looking tables", function()
    local err = failure_of(function() assert.are.equal({ 1 }, { 1 }) end)
    assert.matches("use assert.are.same", err, 1, true)
  end)

  it("is negated by are_not", function()
    assert.are_not.equal(1, 2)
    assert.is_not.equal("a", "b")
    local err = failure_of(function() assert.are_not.equal(1, 1) end)
    assert.matches("expected a value different from 1, got 1$", err)
  end)

  it("positions failures at the assertion's line in the test file", function()
    local path, line = here(); local err = failure_of(function() assert.are.equal(1, 2) end)
    assert.are.equal(path .. ":" .. line .. ": expected 1, got 2", err)
  end)

  it("prefixes a custom message", function()
    local err = failure_of(function() assert.are.equal(1, 2, "the count") end)
    assert.matches(": the count: expected 1, got 2$", err)
  end)
end)

describe("assert.are.same", function()
  it("compares tables deeply", function()
    assert.are.same({ 1, { 2, 3 }, x = { y = "z" } }, { 1, { 2, 3 }, x = { y = "z" } })
    assert.same("a", "a")
    local cyclic_a, cyclic_b = {}, {}
    cyclic_a.self, cyclic_b.self = cyclic_a, cyclic_b
    assert.are.same(cyclic_a, cyclic_b)
  end)

  it("names the first difference", function()
    local err = failure_of(function() assert.are.same({ 1, { 2, 3 } }, { 1, { 2, 4 } }) end)
    assert.matches("expected {1, {2, 3}}, got {1, {2, 4}} (first difference at [2][2])", err, 1, true)
    err = failure_of(function() assert.are.same({ a = 1 }, { a = 1, b = 2 }) end)
    assert.matches("first difference at .b)", err, 1, true)
  end)

  it("is negated by are_not", function()
    assert.are_not.same({ 1 }, { 2 })
    local err = failure_of(function() assert.are_not.same({ 1 }, { 1 }) end)
    assert.matches("expected a value not the same as {1}, got {1}", err, 1, true)
  end)
end)

describe("boolean and nil assertions", function()
  it("passes", function()
    assert.is_true(true)
    assert.is_false(false)
    assert.is_nil(nil)
    assert.is_not_nil(0)
    assert.truthy(0)
    assert.is_truthy("")
    assert.falsy(nil)
    assert.is_falsy(false)
    assert.is_not_true(1)
    assert.is_not.falsy(1)
  end)

  it("fails with what was expected", function()
    assert.matches("expected true, got 1$", failure_of(function() assert.is_true(1) end))
    assert.matches("expected false, got nil$", failure_of(function() assert.is_false(nil) end))
    assert.matches("expected nil, got {}$", failure_of(function() assert.is_nil({}) end))
    assert.matches("expected a value other than nil, got nil$", failure_of(function() assert.is_not_nil(nil) end))
    assert.matches("expected a truthy value, got false$", failure_of(function() assert.truthy(false) end))
    assert.matches("expected a falsy value, got 0$", failure_of(function() assert.falsy(0) end))
  end)
end)

describe("type assertions", function()
  it("checks types", function()
    assert.is_number(1)
    assert.is_string("s")
    assert.is_table({})
    assert.is_function(print)
    assert.is_boolean(false)
    assert.is_not_number("1")
    local err = failure_of(function() assert.is_number("1") end)
    assert.matches('expected a number, got "1" (a string)', err, 1, true)
  end)
end)

describe("error assertions", function()
  it("has_error passes when the function raises", function()
    assert.has_error(function() error("boom") end)
    assert.has_error(function() error("boom") end, "boom")
    assert.has_error(function() error({ code = 1 }) end, { code = 1 })
    assert.has.errors(function() local x = nil; return x.y end)
    assert.error(function() error("x") end, "x")
  end)

  it("has_error fails when nothing or something else is raised", function()
    assert.matches("expected an error, but none was raised$", failure_of(function()
      assert.has_error(function() end)
    end))
    assert.matches('expected error "bam", got error "boom"$', failure_of(function()
      assert.has_error(function() error("boom") end, "bam")
    end))
  end)

  it("has_no.errors", function()
    assert.has_no.errors(function() end)
    assert.has_no.error(function() end)
    assert.matches('expected no error, got error "boom"$', failure_of(function()
      assert.has_no.errors(function() error("boom") end)
    end))
  end)

  it("error_matches", function()
    assert.error_matches(function() error("index 7 out of range") end, "index %d+ out")
    assert.has_error_matches(function() error("a.b") end, "a.b", 1, true)
    assert.matches('expected an error matching "^x", got error "boom"$', failure_of(function()
      assert.error_matches(function() error("boom") end, "^x")
    end))
    assert.matches('expected an error matching "x", but none was raised$', failure_of(function()
      assert.error_matches(function() end, "x")
    end))
  end)

  it("reports misuse at the calling line", function()
    local path, line = here(); local err = failure_of(function() assert.has_error(42) end)
    assert.are.equal(path .. ":" .. line .. ": assert.has_error expected a function to call, got 42", err)
  end)
end)

describe("assert.near", function()
  it("accepts values within the tolerance", function()
    assert.near(1.0, 1.05, 0.1)
    assert.is_near(-2, -2, 0)
    assert.is_not.near(1.0, 2.0, 0.5)
  end)

  it("says by how much it is off", function()
    local err = failure_of(function() assert.near(1.0, 1.5, 0.1) end)
    assert.matches("expected 1.0 +/- 0.1, got 1.5 (off by 0.5)", err, 1, true)
  end)
end)

describe("assert.matches", function()
  it("matches strings against patterns", function()
    assert.matches("^ab", "abc")
    assert.does_not.match("^b", "abc")
    assert.matches("expected a string matching \"^b\", got \"abc\"", failure_of(function()
      assert.matches("^b", "abc")
    end), 1, true)
  end)
end)

describe("plain assert", function()
  it("returns its arguments when the value is true", function()
    local a, b, c = assert(1, "m", 3)
    assert.are.same({ 1, "m", 3 }, { a, b, c })
  end)

  it("raises its message at the calling line", function()
    local path, line = here(); local err = failure_of(function() assert(false, "plain") end)
    assert.are.equal(path .. ":" .. line .. ": plain", err)
    assert.matches("assertion failed!$", failure_of(function() assert(nil) end))
  end)

  it("rejects unknown assertions", function()
    assert.matches("unknown assertion assert.is_wibble$", failure_of(function() assert.is_wibble(1) end))
  end)
end)

describe("hooks", function()
  local log = {}
  setup(function() log[#log + 1] = "setup" end)
  before_each(function() log[#log + 1] = "before" end)
  after_each(function() log[#log + 1] = "after" end)
  teardown(function() log[#log + 1] = "teardown" end)

  describe("nested", function()
    before_each(function() log[#log + 1] = "inner before" end)
    after_each(function() log[#log + 1] = "inner after" end)

    it("runs outer hooks first, inner hooks last", function()
      assert.are.same({ "setup", "before", "inner before" }, log)
    end)
  end)

  it("runs after_each after every test and setup once", function()
    assert.are.same({ "setup", "before", "inner before", "inner after", "after", "before" }, log)
  end)

  it("runs finally after the test body", function()
    local done = false
    finally(function() done = true end)
    assert.is_false(done)
  end)
end)

pending("pending tests are counted as skipped")

describe("tensor assertions", function()
  if not (torch and torch.tensor and torch.allclose) then
    pending("need the torch module")
    return
  end

  it("allclose passes for close tensors and fails for distant ones", function()
    local a = torch.tensor({ 1.0, 2.0, 3.0 })
    assert.allclose(a, torch.tensor({ 1.0, 2.0, 3.0000001 }))
    assert.allclose(a, torch.tensor({ 1.0, 2.0, 3.01 }), { atol = 0.1 })
    local err = failure_of(function() assert.allclose(a, torch.tensor({ 1.0, 2.0, 4.0 })) end)
    assert.matches("tensors are not close (rtol=1e-05, atol=1e-08)", err, 1, true)
    assert.matches("expected:\ntensor([1., 2., 4.])\ngot:\ntensor([1., 2., 3.])", err, 1, true)
  end)

  it("gradcheck passes for a correct gradient", function()
    local x = torch.randn({ 3, dtype = torch.float64, requires_grad = true })
    assert.gradcheck(function(t) return (t * t):sum() end, { x })
  end)
end)
