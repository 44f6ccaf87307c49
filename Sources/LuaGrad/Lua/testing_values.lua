-- The values half of `luagrad test`'s framework: how values read in failure messages, deep
-- comparison, and the positions ("path:line") failures are reported at. Loaded first, with the
-- chunk names of the framework's files as arguments (frames in them are never a failure's
-- position); returns the helpers that testing_assertions.lua and testing_runner.lua use.

local FRAMEWORK = {}
for i = 1, select("#", ...) do FRAMEWORK[select(i, ...)] = true end

local type, tostring, tonumber, pcall, next, rawget, rawequal =
  type, tostring, tonumber, pcall, next, rawget, rawequal
local getmetatable, ipairs = getmetatable, ipairs
local format, concat, sort = string.format, table.concat, table.sort
local min, mathtype, huge = math.min, math.type, math.huge
local getinfo = debug and debug.getinfo

-- MARK: - Showing values in messages

local show

local ESCAPES = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return ESCAPES[c] or format("\\%03d", c:byte()) end) .. '"'
end

local function show_number(x)
  if mathtype(x) == "integer" then return tostring(x) end
  if x ~= x then return "nan" end
  if x == huge then return "inf" elseif x == -huge then return "-inf" end
  local s = format("%.14g", x)
  if tonumber(s) ~= x then s = format("%.17g", x) end
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return s
end

local function safe_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return "<" .. type(v) .. ">"
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local function show_table(t, depth, seen)
  if has_tostring(t) then return safe_tostring(t) end
  if seen[t] then return "<cycle>" end
  if depth >= 3 then return "{...}" end
  seen[t] = true
  local parts, length = {}, 0
  while rawget(t, length + 1) ~= nil do length = length + 1 end
  for i = 1, min(length, 20) do
    parts[#parts + 1] = show(rawget(t, i), depth + 1, seen)
  end
  if length > 20 then parts[#parts + 1] = "..." end
  local keys = {}
  for k in next, t do
    if not (mathtype(k) == "integer" and k >= 1 and k <= length) then keys[#keys + 1] = k end
  end
  sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) < type(b) end
    if type(a) == "number" or type(a) == "string" then return a < b end
    return safe_tostring(a) < safe_tostring(b)
  end)
  for i, k in ipairs(keys) do
    if i > 20 then parts[#parts + 1] = "..."; break end
    local name = is_identifier(k) and k or ("[" .. show(k, depth + 1, seen) .. "]")
    parts[#parts + 1] = name .. " = " .. show(rawget(t, k), depth + 1, seen)
  end
  seen[t] = nil
  return "{" .. concat(parts, ", ") .. "}"
end

function show(v, depth, seen)
  local kind = type(v)
  if kind == "string" then return quote(v)
  elseif kind == "number" then return show_number(v)
  elseif kind == "table" then return show_table(v, depth or 0, seen or {})
  else return safe_tostring(v) end
end

-- The text of an error object.
local function message_of(err)
  if type(err) == "string" then return err end
  if type(err) == "number" then return show_number(err) end
  if has_tostring(err) then return safe_tostring(err) end
  return format("(error object is a %s value)", type(err))
end

-- "path:12: message" -> "message" (luassert compares error messages without position).
local function strip_position(message)
  if type(message) ~= "string" then return message end
  return (message:gsub("^[^\n]-:%d+: ", "", 1))
end

-- Whether `f` can be called (a function or a value whose metatable has `__call`).
local function callable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return type(mt) == "table" and rawget(mt, "__call") ~= nil
end

-- MARK: - Deep comparison

local function key_path(k)
  if is_identifier(k) then return "." .. k end
  return "[" .. show(k) .. "]"
end

-- nil when `a` and `b` are the same value (deeply), else the path where they first differ.
local function difference(a, b, path, seen)
  if rawequal(a, b) then return nil end
  if type(a) ~= "table" or type(b) ~= "table" or has_tostring(a) then
    local ok, equal = pcall(function() return a == b end)
    if ok and equal then return nil end
    return path
  end
  seen[a] = seen[a] or {}
  if seen[a][b] then return nil end
  seen[a][b] = true
  for k, va in next, a do
    local where = difference(va, rawget(b, k), path .. key_path(k), seen)
    if where then return where end
  end
  for k in next, b do
    if rawget(a, k) == nil then return path .. key_path(k) end
  end
  return nil
end

-- MARK: - Positions

-- "path:line" of the line that called the running function (level 1), or of its caller
-- (level 2), ...; nil when that is not a Lua line outside this framework.
local function caller_location(level)
  if not getinfo then return nil end
  local info = getinfo(level + 2, "Sl")
  if not info or not info.currentline or info.currentline <= 0 then return nil end
  local first = info.source:sub(1, 1)
  local source = (first == "@" or first == "=") and info.source:sub(2) or info.short_src
  if FRAMEWORK[source] then return nil end
  return source .. ":" .. info.currentline
end

-- The test file being run (set by the runner), for `split_location`.
local file_path = "?"

-- Splits "source:line: message" into "source:line" and "message". Lua shortens long source
-- names to "...tail"; when the tail is the test file's, the full path is put back.
local function split_location(message, fallback)
  local source, line, rest = message:match("^([^\n]-):(%d+): (.*)$")
  if source and not source:find(": ", 1, true) then
    if FRAMEWORK[source] then return fallback, rest end
    if source:sub(1, 3) == "..." and file_path:sub(-(#source - 3)) == source:sub(4) then
      source = file_path
    end
    return source .. ":" .. line, rest
  end
  return fallback, message
end

return {
  show = show, show_number = show_number, safe_tostring = safe_tostring, has_tostring = has_tostring,
  message_of = message_of, strip_position = strip_position, callable = callable,
  difference = difference, caller_location = caller_location, split_location = split_location,
  set_file_path = function(path) file_path = path end,
}
