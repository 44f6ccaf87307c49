-- Deliberately failing fixture (see ../README.md): a syntax error on line 3.
it("is never run", function() end)
local x = = 1
