-- LuaGrad as a Lua module for Lua 5.4: `require "luagrad"` from any Lua 5.4 program.
--
--   luarocks --lua-version 5.4 make                  (from a checkout of this repository)
--   luarocks --lua-version 5.4 --tree DIR make       (into a tree of your own)
--
-- Building needs the Swift 6 toolchain and Debian's liblua5.4-dev, libopenblas-dev (see
-- docs/getting-started.md); the installed luagrad.so needs neither Swift nor liblua5.4: it
-- carries the Swift runtime and uses the Lua of the interpreter that loads it. docs/lua-module.md.
rockspec_format = "3.0"
package = "luagrad"
version = "0.1-1"
source = {
   -- `luarocks make` builds the checkout it is run in; this is where the sources live.
   url = "git+file://.",
}
description = {
   summary = "A PyTorch-style autograd engine in Swift, scripted from Lua 5.4",
   detailed = [[
      Tensors, automatic differentiation with PyTorch's semantics, torch.nn and torch.optim,
      for the system's Lua 5.4: local torch = require "luagrad".
   ]],
}
dependencies = {
   "lua >= 5.4, < 5.5",
}
build = {
   type = "command",
   -- A release build with the Swift runtime linked in, in its own scratch path (.build-module).
   build_command = "scripts/build-lua-module >/dev/null",
   install = {
      -- Installed under its own name, luagrad.so, in the tree's lib dir (package.cpath).
      lib = { ".build-module/luagrad.so" },
   },
}
