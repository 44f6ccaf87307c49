-- The runner of `luagrad test`: busted's `describe`/`it`/`pending` and hooks, installed as
-- globals, and the function that runs one test file. Receives the helpers of
-- testing_values.lua; returns `run(chunk, path, load_error)`, which runs the file's tests and
-- returns `{passed=, failed=, skipped=, failures={{name=, location=, message=}, ...}}`.

local values = ...
local show, message_of, callable = values.show, values.message_of, values.callable
local caller_location, split_location = values.caller_location, values.split_location

local type, error, pcall, rawequal, setmetatable, ipairs = type, error, pcall, rawequal, setmetatable, ipairs
local insert = table.insert
local G = _G

-- MARK: - Declaring tests

local root, current, running
local report
local file_path = "?" -- the test file being run

local function new_block(parent, name, location)
  local block = { kind = "block", parent = parent, name = name, location = location, children = {},
    before_each = {}, after_each = {}, setup = {}, teardown = {} }
  if parent then
    parent.children[#parent.children + 1] = block
    block.full_name = (parent.full_name ~= "") and (parent.full_name .. " " .. name) or name
  else
    block.full_name = ""
  end
  return block
end

local function check_declaring(what)
  if running then error(what .. " cannot be used inside a running test", 3) end
end

local function check_name(what, name, fn, optional)
  if type(name) ~= "string" then error(what .. " expects a name (string), got " .. show(name), 3) end
  if not (optional and fn == nil) and not callable(fn) then
    error(what .. " expects a function after its name, got " .. show(fn), 3)
  end
end

local function declare_test(name, fn, pending, location)
  local test = { kind = "test", parent = current, name = name, fn = fn, pending = pending, location = location }
  test.full_name = (current.full_name ~= "") and (current.full_name .. " " .. name) or name
  current.children[#current.children + 1] = test
end

function G.describe(name, fn)
  check_name("describe", name, fn)
  check_declaring("describe")
  local block = new_block(current, name, caller_location(1) or file_path)
  local outer = current
  current = block
  local ok, err = pcall(fn)
  current = outer
  if not ok then error(err, 0) end
end
G.context = G.describe

function G.it(name, fn)
  check_name("it", name, fn, true)
  check_declaring("it")
  declare_test(name, fn, fn == nil, caller_location(1) or file_path)
end
G.spec, G.test = G.it, G.it

local PENDING = setmetatable({}, { __tostring = function() return "pending" end })

function G.pending(name, fn)
  if running then error(PENDING, 0) end
  if type(name) ~= "string" then error("pending expects a name (string), got " .. show(name), 2) end
  declare_test(name, fn, true, caller_location(1) or file_path)
end

local function hook(list_name, what)
  return function(fn)
    if not callable(fn) then error(what .. " expects a function, got " .. show(fn), 2) end
    check_declaring(what)
    local list = current[list_name]
    list[#list + 1] = fn
  end
end
G.before_each = hook("before_each", "before_each")
G.after_each = hook("after_each", "after_each")
G.setup = hook("setup", "setup")
G.teardown = hook("teardown", "teardown")
G.lazy_setup, G.strict_setup = G.setup, G.setup
G.lazy_teardown, G.strict_teardown = G.teardown, G.teardown

function G.finally(fn)
  if not running then error("finally can only be used inside a running test", 2) end
  if not callable(fn) then error("finally expects a function, got " .. show(fn), 2) end
  running.finally[#running.finally + 1] = fn
end

-- MARK: - Running tests

local function record_failure(name, location, message)
  report.failed = report.failed + 1
  report.failures[#report.failures + 1] = { name = name, location = location, message = message }
end

local function fail_test(test, err, prefix)
  local location, message = split_location(message_of(err), test.location)
  record_failure(test.full_name, location, (prefix or "") .. message)
end

local function run_test(test)
  if test.pending then
    report.skipped = report.skipped + 1
    return
  end
  local chain = {}
  local block = test.parent
  while block do
    insert(chain, 1, block)
    block = block.parent
  end
  running = test
  test.finally = {}
  local failed, err = false, nil
  local function attempt(fn)
    local ok, e = pcall(fn)
    if not ok and not failed then failed, err = true, e end
    return ok
  end
  local reached = 0
  for i, b in ipairs(chain) do
    reached = i
    for _, fn in ipairs(b.before_each) do
      if not attempt(fn) then break end
    end
    if failed then break end
  end
  if not failed then attempt(test.fn) end
  for _, fn in ipairs(test.finally) do attempt(fn) end
  for i = reached, 1, -1 do
    for _, fn in ipairs(chain[i].after_each) do attempt(fn) end
  end
  running = nil
  if not failed then
    report.passed = report.passed + 1
  elseif rawequal(err, PENDING) then
    report.skipped = report.skipped + 1
  else
    fail_test(test, err)
  end
end

local function each_test(block, action)
  for _, child in ipairs(block.children) do
    if child.kind == "test" then action(child) else each_test(child, action) end
  end
end

local function run_block(block)
  local setup_failed, setup_error = false, nil
  for _, fn in ipairs(block.setup) do
    local ok, e = pcall(fn)
    if not ok then
      setup_failed, setup_error = true, e
      break
    end
  end
  if setup_failed then
    each_test(block, function(test)
      if test.pending then report.skipped = report.skipped + 1
      else fail_test(test, setup_error, "setup failed: ") end
    end)
  else
    for _, child in ipairs(block.children) do
      if child.kind == "test" then run_test(child) else run_block(child) end
    end
  end
  for _, fn in ipairs(block.teardown) do
    local ok, e = pcall(fn)
    if not ok then
      local location, message = split_location(message_of(e), block.location)
      local name = (block.full_name ~= "" and (block.full_name .. " ") or "") .. "(teardown)"
      record_failure(name, location, message)
    end
  end
end

-- Runs one test file: `chunk` is the compiled file (nil when it failed to compile, with
-- `load_error` its message).
return function(chunk, path, load_error)
  file_path = path
  values.set_file_path(path)
  root = new_block(nil, "", path)
  current, running = root, nil
  report = { passed = 0, failed = 0, skipped = 0, failures = {} }
  if chunk == nil then
    local location, message = split_location(message_of(load_error), path)
    record_failure("(loading the file)", location, message)
    return report
  end
  local ok, err = pcall(chunk)
  current = root
  if not ok then
    local location, message = split_location(message_of(err), path)
    record_failure("(loading the file)", location, message)
    return report
  end
  run_block(root)
  return report
end
