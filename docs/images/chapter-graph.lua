-- The graph of the chapter's f(a) (DESIGN.md §2), drawn for docs/images/chapter-graph.svg:
--   luagrad run --graph docs/images/chapter-graph.svg docs/images/chapter-graph.lua
-- (needs Graphviz's `dot`). The seed fixes a, hence how many times the loop doubles b.
torch.manual_seed(3)

local function f(a)
  local b = a * 2
  while b:norm() < 1000 do b = b * 2 end
  local c
  if b:sum() > 0 then c = b else c = 100 * b end
  return c
end

local a = torch.randn{requires_grad=true}
local d = f(a)
d:backward()
print(a, d, torch.allclose(a.grad, d / a))
