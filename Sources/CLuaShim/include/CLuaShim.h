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

// The Lua headers, as the CLua module finds them (headers only, see CLua.h).
#include "../../CLua/CLua.h"

/// A Swift function callable from Lua. Returns the number of results (>= 0), or a status below.
typedef int (*lg_SwiftFunction)(lua_State *L);

/// The message on top of the stack is raised with the caller's `file:line:` prepended.
#define LG_ERROR (-1)
/// The value on top of the stack is raised as it is (a prepared message or any error object).
#define LG_ERROR_RAW (-2)

/// Pushes a Lua closure that calls `fn` through the trampoline.
/// The `nup` values on top of the stack become upvalues 2...nup+1 (upvalue 1 holds `fn`).
void lg_pushswiftfunction(lua_State *L, lg_SwiftFunction fn, int nup);

/// A Swift function callable from Lua that takes a datum fixed when it was pushed (an op, an
/// index). Returns as `lg_SwiftFunction` does.
typedef int (*lg_SwiftMethod)(lua_State *L, void *data);

/// Pushes a Lua closure that calls `fn(L, data)` through a trampoline that reads both from
/// its one upvalue (the functions of ops and operators, on the path of every op a script runs).
void lg_pushswiftmethod(lua_State *L, lg_SwiftMethod fn, void *data);

// `lg_pcall` (every protected call Swift makes) and the limits of a host.
#include "lg_limits.h"
// Ctrl-C for interactive hosts.
#include "lg_interrupt.h"
// Tensor userdata: their block, the test for one and the finalizer.
#include "lg_tensor.h"

/// The `__index` of tensors: looks `key` up raw in the methods table and, when it is absent,
/// answers `x.grad` in C when it can (`grad_of` gives the gradient's address, the weak table
/// its userdata); anything else calls the Swift `fallback`. Expects the methods table, then
/// the weak table of gradient userdata (keyed by gradient address), on top of the stack, and
/// replaces them with the closure (upvalues: methods, fallback, "grad", weak table, grad_of).
void lg_pushindexer(lua_State *L, lg_SwiftFunction fallback, lg_TensorGrad grad_of);

// MARK: - Wrappers for macros

static inline int lg_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int lg_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void lg_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void lg_newtable(lua_State *L) { lua_newtable(L); }
static inline void lg_insert(lua_State *L, int idx) { lua_insert(L, idx); }
static inline void lg_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void lg_replace(lua_State *L, int idx) { lua_replace(L, idx); }
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
/// Performs a collection step as if `kilobytes` had been allocated, then releases the
/// tensors it collected.
void lg_gc_step(lua_State *L, int kilobytes);
/// Runs a full collection cycle, then releases the tensors it collected.
void lg_gc_collect(lua_State *L);
/// Kilobytes and remainder bytes in use by Lua.
static inline int lg_gc_count(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }
static inline int lg_gc_countb(lua_State *L) { return lua_gc(L, LUA_GCCOUNTB); }

// MARK: - Bridge state

/// The per-state slot (LUA_EXTRASPACE bytes before the state) where the bridge keeps its context.
/// Coroutines get a copy of the main thread's slot when created.
static inline void **lg_extraspace(lua_State *L) { return (void **)lua_getextraspace(L); }

// MARK: - Host support (ScriptHost)

/// `LUA_ERRFILE`, which Swift cannot import (it is defined as an expression).
static inline int lg_errfile(void) { return LUA_ERRFILE; }

/// Opens the standard libraries inside a protected call.
/// Returns a `lua_pcall` status; on failure the error is left on top of the stack.
int lg_openlibs(lua_State *L);

/// Pushes the message handler used by every protected call the host makes: it turns the
/// error object into a message string (as the standalone `lua` does) and stores
/// `luaL_traceback` of the failing stack where `lg_pushtraceback` finds it.
void lg_pushmsghandler(lua_State *L);

/// Pushes the traceback recorded by the last run of the message handler (nil if none).
/// Only meaningful right after a protected call returned `LUA_ERRRUN`.
void lg_pushtraceback(lua_State *L);

/// Pushes `source:line` of the innermost Lua function active when the message handler last
/// ran (nil if none was). Only meaningful right after a protected call returned `LUA_ERRRUN`.
void lg_pushlocation(lua_State *L);

/// `t[k]` with metamethods, protected. Expects `t, k` on top and replaces them by the result,
/// or by the error (already passed through the handler at index `msgh`; 0 for none).
int lg_pgettable(lua_State *L, int msgh);

/// `t[k] = v` with metamethods, protected. Expects `t, k, v` on top and pops them;
/// on failure leaves the error on top.
int lg_psettable(lua_State *L, int msgh);

/// Pushes a replacement for `print` that builds the line exactly as Lua's `print` does
/// (`tostring` of each argument, tab-separated, then a newline: all in C, where raising is
/// allowed) and passes it to the Swift `sink` as the only value on its stack. The `nup`
/// values on top of the stack become the sink's upvalues 2...nup+1, as in `lg_pushswiftfunction`.
void lg_pushprint(lua_State *L, lg_SwiftFunction sink, int nup);

#endif
