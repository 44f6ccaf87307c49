-- The sandbox's allow-list (docs/security.md), applied by trusted code before any script runs:
-- trims the standard library in place, so that every path to a library (`_G`,
-- `package.loaded`, the string metatable) sees the trimmed tables. Receives whether the host
-- granted a directory to torch's file functions (ScriptHost.Options.grantedDirectory).

local grantsDirectory = ...
local G = _G
local pairs, type, error, tostring, select = pairs, type, error, tostring, select

-- Keeps the listed fields of a table and removes the rest.
local function keep(t, names)
  local allowed = {}
  for _, name in pairs(names) do allowed[name] = true end
  local remove = {}
  for key in pairs(t) do
    if not allowed[key] then remove[#remove + 1] = key end
  end
  for _, key in pairs(remove) do t[key] = nil end
end

-- Globals. Libraries not listed (io, debug) disappear with their functions.
keep(G, {
  "_G", "_VERSION", "assert", "collectgarbage", "error", "getmetatable", "ipairs", "load",
  "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "require",
  "select", "setmetatable", "tonumber", "tostring", "type", "xpcall",
  "coroutine", "math", "os", "package", "string", "table", "utf8", "torch",
})
keep(G.os, { "clock", "date", "time" })
-- string.dump makes binary chunks, which the sandbox never loads.
G.string.dump = nil

-- require: only modules already loaded or given to package.preload by the host; no
-- file searchers, no C loaders.
local package = G.package
keep(package, { "config", "loaded", "preload", "searchers" })
local preload = package.searchers[1]
keep(package.searchers, {})
package.searchers[1] = preload
package.path, package.cpath = "", ""
keep(package.loaded, {
  "_G", "coroutine", "math", "os", "package", "string", "table", "utf8", "luagrad", "torch",
})

-- torch functions that reach the file system or start programs: torch.io.read_csv
-- reads files, torch.viz.svg writes one and runs Graphviz. (torch.viz.dot stays: it
-- returns text.) The file functions that check paths against the host's granted
-- directory (FileAccess) stay when there is one.
local torch = package.loaded.torch
if type(torch) == "table" then
  if grantsDirectory then
    if type(torch.io) == "table" then keep(torch.io, { "save_npy", "load_npy", "load_idx", "write_text", "read_csv" }) end
  else
    torch.io, torch.save, torch.load = nil, nil, nil
  end
  if type(torch.viz) == "table" then torch.viz.svg = nil end
  -- torch.distributed loads Open MPI, which starts a helper process and opens sockets.
  torch.distributed = nil
end

-- load: text chunks only (a crafted binary chunk can crash the VM).
do
  local load = load
  G.load = function(chunk, name, mode, ...)
    local f, message
    if select("#", ...) > 0 then
      f, message = load(chunk, name, "t", (...))
    else
      f, message = load(chunk, name, "t")
    end
    return f, message
  end
end

-- collectgarbage: no stopping the collector or changing its mode.
do
  local collectgarbage, pack, unpack = collectgarbage, table.pack, table.unpack
  local allowed = { collect = true, count = true, step = true, isrunning = true }
  G.collectgarbage = function(option, ...)
    if option ~= nil and not allowed[option] then
      error("collectgarbage('" .. tostring(option) .. "') is not allowed in the sandbox", 2)
    end
    local results = pack(collectgarbage(option, ...))
    return unpack(results, 1, results.n)
  end
end
