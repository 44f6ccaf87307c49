#include "CLuaShim.h"

// Calls the Swift function in upvalue 1 and raises its error, if any, after it returned.
static int lg_trampoline(lua_State *L) {
    lg_SwiftFunction fn = (lg_SwiftFunction)lua_touserdata(L, lua_upvalueindex(1));
    int n = fn(L);
    if (n >= 0) return n;
    if (n == LG_ERROR && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

void lg_pushswiftfunction(lua_State *L, lg_SwiftFunction fn, int nup) {
    lua_pushlightuserdata(L, (void *)fn);
    lua_insert(L, -(nup + 1));
    lua_pushcclosure(L, lg_trampoline, nup + 1);
}

// __index(object, key): methods first (a raw table get), then the Swift fallback.
static int lg_indexer(lua_State *L) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    lg_SwiftFunction fn = (lg_SwiftFunction)lua_touserdata(L, lua_upvalueindex(2));
    int n = fn(L);
    if (n >= 0) return n;
    if (n == LG_ERROR && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

void lg_pushindexer(lua_State *L, lg_SwiftFunction fallback) {
    // Expects the methods table on top of the stack; replaces it with the closure.
    lua_pushlightuserdata(L, (void *)fallback);
    lua_pushcclosure(L, lg_indexer, 2);
}
