-- Deliberately failing fixture (see ../README.md): an error while declaring, on line 4.
it("is never run", function() end)
describe("broken", function()
  local settings = nil; print(settings.verbose)
end)
