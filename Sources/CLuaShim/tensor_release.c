// Tensors released as Lua frees their userdata, without `__gc`.
//
// A finalizer costs every tensor a detour in Lua's collector: `lua_setmetatable` moves the
// new userdata to the list of objects to finalize, a collection that finds it dead resurrects
// it and calls `__gc` in a protected call (a `setjmp`), and its block is only freed by a later
// collection. For a 10-element `a + b` that was a third of the op. A governed state's
// allocator is the bridge's own (`lg_limits_alloc`), so it sees every block Lua frees: when
// the block is a tensor userdata still holding its tensor, the allocator keeps it on a list,
// and the tensor is released at the next safe point (a Swift call, a collector step the
// bridge asked for, the count hook, the end of a host call, the state's close). Not in the
// allocator itself: the collector is sweeping then, and a tensor's release runs Swift code
// that may touch the registry (a hook's function unreferenced).
//
// A block is recognised by its size, Lua's type byte in its header and the tag in its box
// (which only the bridge writes). Where the box lies in the block is not guessed from Lua's
// private structs: `lg_limits_adopt_tensors` measures it on a probe userdata.
#include <stdlib.h>
#include "limits_internal.h"

// MARK: - Measuring the block

/// The allocator for the probe: forwards to the limits allocator and notes the first
/// userdata block allocated.
typedef struct {
    lg_Limits *limits;
    void *block;
    size_t size;
} lg_Probe;

static void *lg_probe_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lg_Probe *probe = (lg_Probe *)ud;
    void *block = lg_limits_alloc(probe->limits, ptr, osize, nsize);
    // For a new block Lua passes the object's type in `osize`.
    if (ptr == NULL && nsize > 0 && osize == LUA_TUSERDATA && probe->block == NULL) {
        probe->block = block;
        probe->size = nsize;
    }
    return block;
}

int lg_limits_adopt_tensors(lua_State *L, lg_TensorRelease release) {
    void *ud = NULL;
    if (lua_getallocf(L, &ud) != lg_limits_alloc || ud == NULL || release == NULL) return 0;
    lg_Limits *limits = (lg_Limits *)ud;
    lg_Probe probe = {limits, NULL, 0};
    lua_setallocf(L, lg_probe_alloc, &probe);
    lg_TensorBox *box = (lg_TensorBox *)lua_newuserdatauv(L, sizeof(lg_TensorBox), 0);
    lua_setallocf(L, lg_limits_alloc, limits);
    box->tensor = NULL;
    box->tag = NULL;
    lua_pop(L, 1);
    const unsigned char *block = (const unsigned char *)probe.block;
    const unsigned char *start = (const unsigned char *)box;
    // The box must lie inside the block, end where it ends, and leave room before it for
    // Lua's header (the `next` pointer, then the type byte).
    if (block == NULL || start < block + sizeof(void *) + 1) return 0;
    size_t offset = (size_t)(start - block);
    if (offset + sizeof(lg_TensorBox) != probe.size || block[sizeof(void *)] != LUA_TUSERDATA) return 0;
    limits->tensor_release = release;
    limits->tensor_box_offset = offset;
    limits->tensor_type_byte = LUA_TUSERDATA;
    limits->tensor_block_size = probe.size;
    return 1;
}

// MARK: - Releasing

void lg_limits_release_dead_tensors(lg_Limits *limits) {
    // A release may run Lua's allocator (a hook's function unreferenced), which may add to
    // the list: take one block at a time.
    while (limits->dead_tensors != NULL) {
        void *block = limits->dead_tensors;
        limits->dead_tensors = *(void **)block;
        void *tensor = ((lg_TensorBox *)(void *)((unsigned char *)block + limits->tensor_box_offset))->tensor;
        free(block);
        // Swift runs: the allocator must not fail under it.
        limits->swift_depth++;
        limits->tensor_release(tensor);
        limits->swift_depth--;
    }
}

// MARK: - Collections the bridge asks for

void lg_gc_step(lua_State *L, int kilobytes) {
    lua_gc(L, LUA_GCSTEP, kilobytes);
    lg_Limits *limits = lg_limits_of(L);
    if (limits != NULL) lg_limits_release_dead(limits);
}

void lg_gc_collect(lua_State *L) {
    lua_gc(L, LUA_GCCOLLECT);
    lg_Limits *limits = lg_limits_of(L);
    if (limits != NULL) lg_limits_release_dead(limits);
}
