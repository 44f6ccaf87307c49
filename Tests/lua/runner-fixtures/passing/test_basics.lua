-- Passing fixture: requires a module next to it, and has one pending test.
local support = require "support"

describe("basics", function()
  it("finds helpers next to the test file", function()
    assert.are.equal(42, support.answer)
  end)
  it("sees the torch module", function()
    assert.are.equal(require("torch"), torch)
    assert.are.equal(require("luagrad"), torch)
  end)
  pending("a pending test")
end)
