-- Data preprocessing: the experiments of "Dive into Deep Learning", section 2.2, in Lua.
-- Run it with `luagrad d2l-2.2-preprocessing.lua`; it prints what PyTorch (and pandas) show.
-- torch.io.read_csv gives a table of columns: data.columns lists their names in file order,
-- data.nrows counts the rows, numeric columns hold numbers (NaN where missing) and text
-- columns strings (nil where missing).

print("-- 2.2.1 Reading the Dataset")
local data_file = os.tmpname()
local f = assert(io.open(data_file, "w"))
f:write([[NumRooms,RoofType,Price
NA,NA,127500
2,NA,106000
4,Slate,178100
NA,NA,140000]])
f:close()

local data = torch.io.read_csv(data_file)
os.remove(data_file)

-- Prints named columns like pandas prints a DataFrame: a row index, then right-aligned cells.
local function cell(v)
  if v == nil or v ~= v then return "NaN" end
  if type(v) == "boolean" then return v and "True" or "False" end
  if math.type(v) == "float" then return string.format("%.1f", v) end
  return tostring(v)
end

local function show(names, columns, nrows)
  local widths, lines = {}, {}
  for k, name in ipairs(names) do
    widths[k] = #name
    for r = 1, nrows do widths[k] = math.max(widths[k], #cell(columns[k][r])) end
  end
  local header = { string.rep(" ", #tostring(nrows - 1)) }
  for k, name in ipairs(names) do header[#header + 1] = string.format("%" .. widths[k] .. "s", name) end
  lines[1] = table.concat(header, "  ")
  for r = 1, nrows do
    local row = { string.format("%-" .. #tostring(nrows - 1) .. "d", r - 1) }
    for k = 1, #names do row[#row + 1] = string.format("%" .. widths[k] .. "s", cell(columns[k][r])) end
    lines[#lines + 1] = table.concat(row, "  ")
  end
  print(table.concat(lines, "\n"))
end

local columns = {}
for k, name in ipairs(data.columns) do columns[k] = data[name] end
show(data.columns, columns, data.nrows)

print("-- 2.2.2 Data Preparation")
-- Inputs are the first two columns, the target is the price.
local n = data.nrows
local rooms, roof, price = data.NumRooms, data.RoofType, data.Price

-- One-hot encode the roof type, with a column for missing values (pandas' dummy_na=True).
local slate, no_roof = {}, {}
for r = 1, n do
  slate[r] = roof[r] == "Slate"
  no_roof[r] = roof[r] == nil
end
local input_names = { "NumRooms", "RoofType_Slate", "RoofType_nan" }
show(input_names, { rooms, slate, no_roof }, n)

-- Replace missing numbers with the mean of the present ones.
local sum, count = 0, 0
for r = 1, n do
  if rooms[r] == rooms[r] then sum, count = sum + rooms[r], count + 1 end
end
local mean = sum / count
for r = 1, n do
  if rooms[r] ~= rooms[r] then rooms[r] = mean end
end
show(input_names, { rooms, slate, no_roof }, n)

print("-- 2.2.3 Conversion to the Tensor Format")
local rows = {}
for r = 1, n do
  rows[r] = { rooms[r], slate[r] and 1.0 or 0.0, no_roof[r] and 1.0 or 0.0 }
end
local X = torch.tensor(rows, { dtype = torch.float64 })
local y = torch.tensor(price, { dtype = torch.float64 })
print(X)
print(y)
