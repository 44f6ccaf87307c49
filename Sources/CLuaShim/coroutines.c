// `coroutine.create` and `coroutine.wrap` for governed states: Lua's own, and each new
// coroutine gets the count hook.
//
// A coroutine copies the hook of the thread that creates it, and the main thread may have none
// (`lg_limits_begin` removes it when nothing can stop the script). A stop found while Lua runs
// (a memory refusal) arms the main thread only, since the allocator does not know which thread
// runs: coroutines therefore always have the hook.
#include "limits_internal.h"

// Lua's `luaB_cocreate`, plus the hook.
static int lg_cocreate(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lg_limits_watch_thread(co);
    return 1;
}

// Lua's `coroutine.wrap` (upvalue 1), then the hook on the coroutine its function holds.
static int lg_cowrap(lua_State *L) {
    // The same check as Lua's, made here so that the message names this function.
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 1, 1);
    if (lua_getupvalue(L, -1, 1) != NULL) {
        lua_State *co = lua_tothread(L, -1);
        if (co != NULL) lg_limits_watch_thread(co);
        lua_pop(L, 1);
    }
    return 1;
}

static int lg_install_coroutines_k(lua_State *L) {
    if (lua_getglobal(L, "coroutine") != LUA_TTABLE) return 0;
    lua_pushcfunction(L, lg_cocreate);
    lua_setfield(L, -2, "create");
    lua_getfield(L, -1, "wrap");
    lua_pushcclosure(L, lg_cowrap, 1);
    lua_setfield(L, -2, "wrap");
    return 0;
}

int lg_install_coroutines(lua_State *L) {
    lua_pushcfunction(L, lg_install_coroutines_k);
    return lg_pcall(L, 0, 0, 0);
}
