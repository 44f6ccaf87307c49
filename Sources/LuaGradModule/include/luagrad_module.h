// The entry points of the Lua module `luagrad.so` (docs/lua-module.md).
//
// `require "luagrad"` in a Lua 5.4 program finds `luaopen_luagrad` through `package.cpath`; a
// C host that already has a `lua_State` may call it directly:
//
//     luaL_requiref(L, "luagrad", luaopen_luagrad, 0);
//
// Both functions push the same module table (`require "torch"` gives it too).
#ifndef LUAGRAD_MODULE_H
#define LUAGRAD_MODULE_H

#include "../../CLua/CLua.h"

int luaopen_luagrad(lua_State *L);
int luaopen_torch(lua_State *L);
/// `require "luagrad.test"`: the test runner (docs/lua-module.md).
int luaopen_luagrad_test(lua_State *L);

#endif
