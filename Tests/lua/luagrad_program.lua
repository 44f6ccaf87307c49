-- Runs a Lua script with the luagrad program that runs the tests (found as the parent
-- process of io.popen's shell, through /proc on Linux). Not a test file: required by tests.
local M = {}

-- The absolute path of the running luagrad program, or nil when it cannot be found.
function M.path()
  if not io.popen then return nil end
  local shell = io.popen("readlink /proc/$PPID/exe 2>/dev/null")
  if not shell then return nil end
  local path = shell:read("l")
  shell:close()
  if path == nil or path == "" then return nil end
  return path
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

--- Writes `source` to a temporary `name` and runs `luagrad name` in that directory.
--- Returns stdout, stderr and the exit status.
function M.run(source, name)
  local program = assert(M.path(), "cannot find the luagrad program")
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. quote(dir)))
  local script = assert(io.open(dir .. "/" .. name, "w"))
  script:write(source)
  script:close()
  local cmd = "cd " .. quote(dir) .. " && " .. quote(program) .. " " .. quote(name) ..
    " >stdout.txt 2>stderr.txt; echo $?"
  local runner = assert(io.popen(cmd))
  local status = tonumber(runner:read("l"))
  runner:close()
  local function slurp(file)
    local f = assert(io.open(dir .. "/" .. file))
    local text = f:read("a")
    f:close()
    return text
  end
  local out, err = slurp("stdout.txt"), slurp("stderr.txt")
  os.execute("rm -rf " .. quote(dir))
  return out, err, status
end

return M
