// The Lua module `luagrad.so`: the C entry points `require` calls.
//
// They are C so that no Swift frame lies between `require` and a Lua error: the module is
// opened by the Swift function `lg_luagrad_module_open` (Sources/LuaGrad/Host/LuaModule.swift),
// called through the bridge's trampoline, which raises its error once Swift has returned
// (DESIGN.md §3).
#include "CLuaShim.h"
#include "luagrad_module.h"

/// Opens the module (Swift, an `lg_SwiftFunction`).
extern int lg_luagrad_module_open(lua_State *L);

int luaopen_luagrad(lua_State *L) {
    lg_pushswiftfunction(L, lg_luagrad_module_open, 0);
    lua_call(L, 0, 1);
    return 1;
}

int luaopen_torch(lua_State *L) { return luaopen_luagrad(L); }

// `require "luagrad.test"` before `require "luagrad"`: Lua's all-in-one searcher finds this
// in luagrad.so. Opening the module installs the runner in package.preload; this runs it.
int luaopen_luagrad_test(lua_State *L) {
    luaL_requiref(L, "luagrad", luaopen_luagrad, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    if (lua_getfield(L, -1, "luagrad.test") != LUA_TFUNCTION)
        return luaL_error(L, "luagrad.test: the test runner is not available in this state");
    lua_call(L, 0, 1);
    return 1;
}
