// The C half of the Swift <-> Lua bridge.
//
// Swift code must never be unwound by a Lua error (longjmp): see DESIGN.md §3.
// Swift functions exposed to Lua therefore have the signature `lg_SwiftFunction`
// and report failure by pushing a message and returning an `LG_ERROR*` status;
// `lg_trampoline` raises the error only after the Swift frame has returned.
//
// The rest of this header wraps Lua's function-like macros, which Swift cannot import.
#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/// A Swift function callable from Lua. Returns the number of results (>= 0), or a status below.
typedef int (*lg_SwiftFunction)(lua_State *L);

/// The message on top of the stack is raised with the caller's `file:line:` prepended.
#define LG_ERROR (-1)
/// The value on top of the stack is raised as it is (a prepared message or any error object).
#define LG_ERROR_RAW (-2)

/// Pushes a Lua closure that calls `fn` through the trampoline.
/// The `nup` values on top of the stack become upvalues 2...nup+1 (upvalue 1 holds `fn`).
void lg_pushswiftfunction(lua_State *L, lg_SwiftFunction fn, int nup);

/// The `__index` of bridged objects: looks `key` up raw in the methods table held as
/// upvalue 1 and only when it is absent calls the Swift `fallback` (upvalue 2).
void lg_pushindexer(lua_State *L, lg_SwiftFunction fallback);

// MARK: - Wrappers for macros

static inline int lg_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int lg_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void lg_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void lg_newtable(lua_State *L) { lua_newtable(L); }
static inline void lg_insert(lua_State *L, int idx) { lua_insert(L, idx); }
static inline void lg_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void lg_replace(lua_State *L, int idx) { lua_replace(L, idx); }
static inline int lg_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline const char *lg_tostring(lua_State *L, int idx, size_t *len) {
    return lua_tolstring(L, idx, len);
}
static inline int lg_isinteger(lua_State *L, int idx) { return lua_isinteger(L, idx); }

// MARK: - Garbage collector

/// Switches the collector to generational mode (NOTES.md: incremental mode cannot keep up
/// with millions of small userdata that have `__gc`).
static inline void lg_gc_generational(lua_State *L) { lua_gc(L, LUA_GCGEN, 0, 0); }
/// Switches the collector to incremental mode.
static inline void lg_gc_incremental(lua_State *L) { lua_gc(L, LUA_GCINC, 0, 0, 0); }
/// Performs a collection step as if `kilobytes` had been allocated.
static inline void lg_gc_step(lua_State *L, int kilobytes) { lua_gc(L, LUA_GCSTEP, kilobytes); }
/// Runs a full collection cycle.
static inline void lg_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
/// Kilobytes and remainder bytes in use by Lua.
static inline int lg_gc_count(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }
static inline int lg_gc_countb(lua_State *L) { return lua_gc(L, LUA_GCCOUNTB); }

// MARK: - Bridge state

/// The per-state slot (LUA_EXTRASPACE bytes before the state) where the bridge keeps its context.
/// Coroutines get a copy of the main thread's slot when created.
static inline void **lg_extraspace(lua_State *L) { return (void **)lua_getextraspace(L); }

#endif
