-- Passing fixture found in a subdirectory under the *_test.lua pattern.
local count = 0
before_each(function() count = count + 1 end)

it("runs before_each at the top level", function()
  assert.are.equal(1, count)
end)

it("runs it again for the next test", function()
  assert.are.equal(2, count)
end)
