-- Deliberately failing fixture (see ../README.md): the line numbers are checked.
local helper = require "mixed_helper"

describe("mixed", function()
  it("passes", function()
    assert.are.equal(4, helper.double(2))
  end)
  it("fails an assertion", function()
    assert.are.equal(5, helper.double(2))
  end)
  it("raises an error", function()
    local missing = nil
    return missing.field
  end)
  it("fails in a helper", function()
    helper.check_positive(-1)
  end)
  pending("is not written yet")
  describe("inner", function()
    it("passes too", function() assert.is_true(true) end)
    it("fails with an error object", function() error({ code = 7 }) end)
  end)
end)
