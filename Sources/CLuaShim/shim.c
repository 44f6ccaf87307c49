#include "CLuaShim.h"
#include "limits_internal.h"

// Raises the error a Swift function reported with `status` (LG_ERROR or LG_ERROR_RAW): this is
// the only place a bridge error longjmps, and no Swift frame is on the stack any more.
static int lg_raise(lua_State *L, int status) {
    if (status == LG_ERROR && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

// Calls the Swift function in upvalue 1 and raises its error, if any, after it returned.
static int lg_trampoline(lua_State *L) {
    lg_SwiftFunction fn = (lg_SwiftFunction)lua_touserdata(L, lua_upvalueindex(1));
    int n = lg_call_swift(L, fn);
    if (n >= 0) return n;
    return lg_raise(L, n);
}

void lg_pushswiftfunction(lua_State *L, lg_SwiftFunction fn, int nup) {
    lua_pushlightuserdata(L, (void *)fn);
    lua_insert(L, -(nup + 1));
    lua_pushcclosure(L, lg_trampoline, nup + 1);
}

// The functions of ops and operators: one upvalue, a block holding the Swift function and
// the datum it takes (the op or an index). The general trampoline's closures carry the
// function in upvalue 1 and the datum in upvalue 2, and each read of an upvalue goes through
// the API (`lua_touserdata`, `lua_tointegerx`): on every op call, ~60 instructions of two.
typedef struct {
    lg_SwiftMethod fn;
    void *data;
} lg_Method;

static int lg_method_trampoline(lua_State *L) {
    const lg_Method *method = (const lg_Method *)lua_touserdata(L, lua_upvalueindex(1));
    int n = lg_call_swift_method(L, method->fn, method->data);
    if (n >= 0) return n;
    return lg_raise(L, n);
}

void lg_pushswiftmethod(lua_State *L, lg_SwiftMethod fn, void *data) {
    lg_Method *method = (lg_Method *)lua_newuserdatauv(L, sizeof(lg_Method), 0);
    method->fn = fn;
    method->data = data;
    lua_pushcclosure(L, lg_method_trampoline, 1);
}

// `x.grad` answered in C when the gradient already has its userdata (every read after the
// first in a training loop): the gradient's address, from the Swift reader in upvalue 5, finds
// the userdata in the weak table in upvalue 4. Pushes it, or nil for no gradient, and returns
// 1; returns 0 with the stack as it was when the Swift indexer must answer (the value at 1 is
// not a live tensor, or its gradient has no userdata yet: the indexer makes one).
//
// No Lua call here can raise: the raw gets allocate nothing, and the reader is Swift that
// touches no Lua state (it only reads the tensor's field), so DESIGN.md §3 holds.
static int lg_index_grad(lua_State *L) {
    lg_TensorBox *box = lg_tensorbox(L, 1);
    if (box == NULL || box->tensor == NULL) return 0;
    lg_TensorGrad grad_of = (lg_TensorGrad)lua_touserdata(L, lua_upvalueindex(5));
    // Borrowed: the tensor at 1 holds its gradient for as long as this call runs.
    void *grad = grad_of(box->tensor);
    if (grad == NULL) {
        lua_pushnil(L);
        return 1;
    }
    if (lua_rawgetp(L, lua_upvalueindex(4), grad) == LUA_TUSERDATA) {
        // A userdata emptied by `free()` or `__close` stays in the table until collected.
        lg_TensorBox *known = lg_tensorbox(L, -1);
        if (known != NULL && known->tensor == grad) return 1;
    }
    lua_pop(L, 1);
    return 0;
}

// __index(object, key): methods first (a raw table get), then `.grad`, then the Swift fallback.
static int lg_indexer(lua_State *L) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    if (lua_rawequal(L, 2, lua_upvalueindex(3)) && lg_index_grad(L)) return 1;
    lg_SwiftFunction fn = (lg_SwiftFunction)lua_touserdata(L, lua_upvalueindex(2));
    int n = lg_call_swift(L, fn);
    if (n >= 0) return n;
    return lg_raise(L, n);
}

void lg_pushindexer(lua_State *L, lg_SwiftFunction fallback, lg_TensorGrad grad_of) {
    // Expects the methods table, then the weak table of gradient userdata, on top of the
    // stack; replaces them with the closure.
    lua_pushlightuserdata(L, (void *)fallback);
    lua_rotate(L, -2, 1);
    lua_pushliteral(L, "grad");
    lua_rotate(L, -2, 1);
    lua_pushlightuserdata(L, (void *)grad_of);
    lua_pushcclosure(L, lg_indexer, 5);
}

// MARK: - Tensor userdata

const char lg_tensor_tag = 0;

// __gc and __close of tensors: upvalue 1 is the Swift function that releases a tensor.
static int lg_tensor_finalizer(lua_State *L) {
    lg_TensorBox *box = lg_tensorbox(L, 1);
    if (box == NULL || box->tensor == NULL) return 0;
    void *tensor = box->tensor;
    box->tensor = NULL;
    lg_TensorRelease release = (lg_TensorRelease)lua_touserdata(L, lua_upvalueindex(1));
    // The release runs Swift (the tensor's deinit may drop a hook, which unrefs its function
    // in the registry): counted as a Swift frame, so the allocator does not fail under it.
    void *ud = NULL;
    lg_Limits *limits = lua_getallocf(L, &ud) == lg_limits_alloc ? (lg_Limits *)ud : NULL;
    if (limits != NULL) limits->swift_depth++;
    release(tensor);
    if (limits != NULL) limits->swift_depth--;
    return 0;
}

void lg_pushtensorfinalizer(lua_State *L, lg_TensorRelease release) {
    lua_pushlightuserdata(L, (void *)release);
    lua_pushcclosure(L, lg_tensor_finalizer, 1);
}

// MARK: - Host support

static int lg_openlibs_k(lua_State *L) {
    luaL_openlibs(L);
    return 0;
}

int lg_openlibs(lua_State *L) {
    lua_pushcfunction(L, lg_openlibs_k);
    return lg_pcall(L, 0, 0, 0);
}

// The registry slots (keyed by these variables' addresses) that hold the last traceback and
// the last error's location.
static const char lg_traceback_key = 0;
static const char lg_location_key = 0;

// Records `source:line` of the innermost Lua function on the stack (nil when there is none).
static void lg_recordlocation(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
            lua_rawsetp(L, LUA_REGISTRYINDEX, &lg_location_key);
            return;
        }
    }
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lg_location_key);
}

// The standalone lua's msghandler, except that the traceback is stored aside so that the
// host can report the message and the traceback separately.
static int lg_msghandler(lua_State *L) {
    if (lua_tostring(L, 1) == NULL) {
        if (!(luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING))
            lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        lua_replace(L, 1);
    }
    lua_settop(L, 1);
    lg_recordlocation(L);
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lg_traceback_key);
    return 1;
}

void lg_pushmsghandler(lua_State *L) { lua_pushcfunction(L, lg_msghandler); }

void lg_pushtraceback(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &lg_traceback_key); }

void lg_pushlocation(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &lg_location_key); }

static int lg_gettable_k(lua_State *L) {
    lua_gettable(L, 1);
    return 1;
}

int lg_pgettable(lua_State *L, int msgh) {
    lua_pushcfunction(L, lg_gettable_k);
    lua_insert(L, -3);
    return lg_pcall(L, 2, 1, msgh);
}

static int lg_settable_k(lua_State *L) {
    lua_settable(L, 1);
    return 0;
}

int lg_psettable(lua_State *L, int msgh) {
    lua_pushcfunction(L, lg_settable_k);
    lua_insert(L, -4);
    return lg_pcall(L, 3, 0, msgh);
}

// print(...): the line is built here, then handed to the Swift sink (upvalue 1).
static int lg_print(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    lua_insert(L, 1);
    lua_settop(L, 1);
    lg_SwiftFunction sink = (lg_SwiftFunction)lua_touserdata(L, lua_upvalueindex(1));
    int status = lg_call_swift(L, sink);
    if (status >= 0) return 0;
    return lg_raise(L, status);
}

void lg_pushprint(lua_State *L, lg_SwiftFunction sink, int nup) {
    lua_pushlightuserdata(L, (void *)sink);
    lua_insert(L, -(nup + 1));
    lua_pushcclosure(L, lg_print, nup + 1);
}
