-- D2L 3.2: object-oriented design for implementation (add_to_class, hyper-parameters, the board).
local d2l = require "d2l"

-- Methods added to a class after it is defined (the book's @d2l.add_to_class).
local A = d2l.HyperParameters:extend("A")
function A:__init() self.b = 1 end
local a = A()
d2l.add_to_class(A)("do_", function(self) print(string.format('Class attribute "b" is %d', self.b)) end)
a:do_()

-- save_hyperparameters stores the arguments of __init as fields (ignoring those named).
local B = d2l.HyperParameters:extend("B")
function B:__init(a, b, c)
  self:save_hyperparameters(nil, {"c"})
  print(string.format("self.a = %d self.b = %d", self.a, self.b))
  print(string.format("There is no self.c = %s", tostring(self.c == nil)))
end
local _ = B(1, 2, 3)

-- The ProgressBoard averages every_n points of a line into one and prints it.
local board = d2l.ProgressBoard{xlabel = "x"}
local xs = torch.arange(0, 10, 0.1)
for i = 1, xs:numel() do
  local x = xs[i]:item()
  board:draw(x, math.sin(x), "sin", 10)
  board:draw(x, math.cos(x), "cos", 20)
end
