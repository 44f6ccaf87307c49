-- Runs the `luagrad` commands of the documentation: part of `luagrad test docs`.
--
-- In every ```sh block of the files below, a line that starts with `luagrad ` or `$ luagrad `
-- is a command. It runs with bash in a fresh temporary directory, with `luagrad` meaning the
-- program running these tests and standard input empty, and must exit as documented:
--
-- - with status 0, unless a `$ echo $?` line after it (before the next command) is followed by
--   another status;
-- - in a block written as a transcript (commands after `$ `), printing exactly the lines
--   between the command and the next `$ ` line (standard output and error together).
--
-- A trailing `# comment` is not part of the command, and a line with `...` in it is a
-- synopsis (`luagrad test [PATH...]`), not run. Before the commands of a file run, each of its
-- ```lua blocks whose first line is `-- NAME.lua` (a relative path) is written to NAME.lua in
-- the directory, so a command can run the file the page shows.

local FILES = {
  "../README.md", "getting-started.md", "tensors.md", "autograd.md", "lua-api.md",
  "porting-from-pytorch.md", "embedding.md", "testing.md", "architecture.md", "plotting.md", "files.md", "security.md",
  "performance.md", "contributing.md",
}

local here = debug.getinfo(1, "S").source:match("^@(.*)$") or "docs/commands_test.lua"
local dir = here:match("^(.*)/[^/]*$") or "."

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- The absolute path of the running luagrad program (the parent of io.popen's shell).
local function program_path()
  local shell = assert(io.popen("readlink /proc/$PPID/exe 2>/dev/null"))
  local path = shell:read("l")
  shell:close()
  assert(path and path ~= "", "cannot find the luagrad program through /proc")
  return path
end

-- MARK: - Reading a page

-- The files and commands of one Markdown file: {files = {name = text}, commands = {{line=,
-- command=, status=, output=}}}. A missing file gives nothing (not every page has commands).
local function read_page(path)
  local file = io.open(path, "r")
  if not file then return nil end
  local lines = {}
  for line in file:lines() do lines[#lines + 1] = line end
  file:close()

  local page = { files = {}, commands = {} }
  local i = 1
  while i <= #lines do
    local language = lines[i]:match("^```(%w*)%s*$")
    if language then
      local body, first = {}, i + 1
      i = i + 1
      while i <= #lines and not lines[i]:match("^```%s*$") do
        body[#body + 1] = lines[i]
        i = i + 1
      end
      if language == "lua" then
        local name = (body[1] or ""):match("^%-%- ([%w_./-]+%.lua)$")
        if name and not name:match("^/") and not name:match("%.%.") then
          page.files[name] = table.concat(body, "\n") .. "\n"
        end
      elseif language == "sh" then
        local function command_at(k)
          local prompt, command = body[k]:match("^(%$? ?)(luagrad.*)$")
          if command and (command == "luagrad" or command:match("^luagrad ")) then return prompt, command end
        end
        for k in ipairs(body) do
          local prompt, command = command_at(k)
          command = command and command:gsub("%s+# .*$", "")
          if command and not command:find("...", 1, true) then
            local entry = { line = first + k - 1, command = command, status = 0 }
            for j = k + 1, #body do
              if command_at(j) then break end
              if body[j] == "$ echo $?" and (body[j + 1] or ""):match("^%d+$") then
                entry.status = tonumber(body[j + 1])
                break
              end
            end
            if prompt == "$ " then
              local output = {}
              for j = k + 1, #body do
                if body[j]:match("^%$ ") then break end
                output[#output + 1] = body[j]
              end
              entry.output = table.concat(output, "\n")
            end
            page.commands[#page.commands + 1] = entry
          end
        end
      end
    end
    i = i + 1
  end
  return page
end

-- MARK: - Running a command

-- Runs `command` with bash in `directory`, `luagrad` on the PATH; returns output and status.
local function run(command, directory, bin)
  local script = "cd " .. quote(directory) .. " && PATH=" .. quote(bin) .. ":\"$PATH\" timeout 60 bash -c " ..
    quote(command) .. " </dev/null >" .. quote(directory .. "/.output") .. " 2>&1; echo $?"
  local shell = assert(io.popen(script))
  local status = tonumber(shell:read("l"))
  shell:close()
  local file = assert(io.open(directory .. "/.output"))
  local output = file:read("a")
  file:close()
  return (output:gsub("\n$", "")), status
end

-- A fresh directory holding `files` and a bin/luagrad link to the program.
local function fresh_directory(files, program)
  local directory = os.tmpname()
  os.remove(directory)
  assert(os.execute("mkdir -p " .. quote(directory .. "/.bin")))
  assert(os.execute("ln -s " .. quote(program) .. " " .. quote(directory .. "/.bin/luagrad")))
  for name, text in pairs(files) do
    local parent = name:match("^(.*)/[^/]*$")
    if parent then assert(os.execute("mkdir -p " .. quote(directory .. "/" .. parent))) end
    local file = assert(io.open(directory .. "/" .. name, "w"))
    file:write(text)
    file:close()
  end
  return directory
end

for _, name in ipairs(FILES) do
  local page = read_page(dir .. "/" .. name)
  if page and #page.commands > 0 then
    describe(name:gsub("^%.%./", ""), function()
      for _, entry in ipairs(page.commands) do
        it("line " .. entry.line .. ": " .. entry.command, function()
          local directory = fresh_directory(page.files, program_path())
          finally(function() os.execute("rm -rf " .. quote(directory)) end)
          local output, status = run(entry.command, directory, directory .. "/.bin")
          assert.are.equal(entry.status, status, "exit status of `" .. entry.command .. "` (output: " .. output .. ")")
          if entry.output then assert.are.equal(entry.output, output) end
        end)
      end
    end)
  end
end
