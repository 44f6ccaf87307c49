-- Loads what python_writes.py wrote and compares it with its expected.lua.
-- Usage: luagrad lua_reads.lua DIR
local dir = ...
local expected = dofile(dir .. "/expected.lua")
local failures = 0

local function check(kind, name, t, want)
  local problems = {}
  if t.dtype.name ~= want.dtype then problems[#problems + 1] = "dtype " .. t.dtype.name .. " ~= " .. want.dtype end
  local shape = {}
  for d = 1, t:dim() do shape[d] = t:size(d) end
  if table.concat(shape, ",") ~= table.concat(want.shape, ",") then
    problems[#problems + 1] = "shape {" .. table.concat(shape, ",") .. "} ~= {" .. table.concat(want.shape, ",") .. "}"
  end
  if #problems == 0 then
    local values = t:numel() == 0 and {} or t:reshape(-1):tolist()
    for i, v in ipairs(want.values) do
      if values[i] ~= v or math.type(values[i]) ~= math.type(v) then
        problems[#problems + 1] = ("element %d: %s ~= %s"):format(i, tostring(values[i]), tostring(v))
        break
      end
    end
  end
  if #problems > 0 then
    failures = failures + 1
    print(("FAIL %s %s: %s"):format(kind, name, table.concat(problems, "; ")))
  end
end

for name, want in pairs(expected.npy) do
  check("npy", name, torch.io.load_npy(dir .. "/" .. name .. ".npy"), want)
end

local sd, metadata = torch.load(dir .. "/python.safetensors")
local seen = 0
for name, t in pairs(sd) do
  seen = seen + 1
  if expected.st[name] then check("safetensors", name, t, expected.st[name])
  else failures = failures + 1; print("FAIL safetensors: unexpected tensor " .. name) end
end
for name in pairs(expected.st) do
  if sd[name] == nil then failures = failures + 1; print("FAIL safetensors: missing tensor " .. name) end
end
for key, value in pairs(expected.metadata) do
  if metadata[key] ~= value then failures = failures + 1; print("FAIL safetensors: metadata " .. key) end
end

if failures > 0 then error(failures .. " interchange checks failed") end
print(("ok   Lua read %d .npy files and a safetensors file of %d tensors written by Python"):format(
  (function() local n = 0 for _ in pairs(expected.npy) do n = n + 1 end return n end)(), seen))
