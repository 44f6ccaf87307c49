// The layout of `lg_Limits`, shared by limits.c and the trampolines in shim.c (private: Swift
// cannot import C11 atomics and only uses the functions of lg_limits.h).
#ifndef LG_LIMITS_INTERNAL_H
#define LG_LIMITS_INTERNAL_H

#include <stdatomic.h>
#include "CLuaShim.h"

struct lg_Limits {
    /// Why the script must stop (LG_STOP_*); written by any thread, first reason wins.
    _Atomic int stop;
    /// Swift frames above the innermost protected call on the running C stack. While it is
    /// positive the allocator must not fail: a memory error would unwind Swift code.
    int swift_depth;

    // Memory. `lua_bytes` is written only by the allocator (the host's thread); `tensor_bytes`
    // is released from whichever thread frees a storage.
    _Atomic size_t lua_bytes;
    _Atomic size_t tensor_bytes;
    _Atomic size_t memory_limit;
    /// The growth request refused last, to recognise Lua's retry after its emergency collection.
    const void *refused_block;
    size_t refused_size;
    /// How much the refused request would have added.
    size_t refused_grow;
    int refused_pending;
    /// Memory went past the limit (and its slack) while Swift was on the stack.
    int overshoot_pending;

    // Instructions: counted by the hook on the host's thread.
    long long instructions;
    long long budget;

    /// CLOCK_MONOTONIC_COARSE nanoseconds after which the script stops; 0 for no deadline.
    _Atomic long long deadline_ns;
    /// Whether the state's head has the expected layout, so the hook can turn hooks back on
    /// before raising (see limits.c).
    int allowhook_writable;
    /// The state's main thread.
    lua_State *main;
    /// Whether a stop may be requested from another thread or a signal (a canceller was
    /// handed out, or Ctrl-C targets this block): the main thread then always has the hook.
    int cancellable;

    // Tensor userdata released when Lua frees their block (tensor_release.c): set by
    // `lg_limits_adopt_tensors`; until then the block size is SIZE_MAX and tensors use `__gc`.
    /// Releases the tensor of a freed block (Swift: `Unmanaged.release`).
    lg_TensorRelease tensor_release;
    /// The size of a tensor userdata's block, where in it the box lies, and its type byte.
    size_t tensor_block_size;
    size_t tensor_box_offset;
    unsigned char tensor_type_byte;
    /// Blocks of collected tensor userdata whose tensors are still to be released, linked
    /// through their first word (Lua's `next`, dead by then).
    void *dead_tensors;
};

/// Keeps the block of a collected tensor userdata instead of freeing it: its tensor is
/// released by `lg_limits_release_dead_tensors` outside the collector (Swift must not run
/// while Lua sweeps). Returns 0 for any other block, which the allocator frees.
static inline int lg_limits_keep_dead_tensor(lg_Limits *limits, void *block) {
    const unsigned char *bytes = (const unsigned char *)block;
    if (bytes[sizeof(void *)] != limits->tensor_type_byte) return 0;
    lg_TensorBox *box = (lg_TensorBox *)(void *)(bytes + limits->tensor_box_offset);
    if (box->tag != &lg_tensor_tag || box->tensor == NULL) return 0;
    *(void **)block = limits->dead_tensors;
    limits->dead_tensors = block;
    return 1;
}

/// Releases the tensors of collected userdata, if any (cheap when there are none).
static inline void lg_limits_release_dead(lg_Limits *limits) {
    if (limits->dead_tensors != NULL) lg_limits_release_dead_tensors(limits);
}

/// The allocator every governed state uses (its identity tells governed states apart).
void *lg_limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/// Records a passed deadline as the stop reason; returns the reason now recorded.
int lg_limits_poll_deadline(lg_Limits *limits);


/// Before a Swift function runs for a C closure inside Lua: releases the tensors the collector
/// found dead (their buffers go back for reuse before the call allocates) and counts the Swift
/// frame for the allocator. Returns the state's limits (NULL when it has none) and the depth
/// to restore in `saved`.
static inline lg_Limits *lg_swift_enter(lua_State *L, int *saved) {
    void *ud = NULL;
    if (lua_getallocf(L, &ud) != lg_limits_alloc || ud == NULL) return NULL;
    lg_Limits *limits = (lg_Limits *)ud;
    lg_limits_release_dead(limits);
    *saved = limits->swift_depth;
    limits->swift_depth = *saved + 1;
    return limits;
}

/// After the Swift function returned `n`: uncounts its frame and raises a pending stop, if any.
static inline int lg_swift_leave(lua_State *L, lg_Limits *limits, int saved, int n) {
    if (limits == NULL) return n;
    limits->swift_depth = saved;
    int reason = atomic_load_explicit(&limits->stop, memory_order_relaxed);
    if (reason == LG_STOP_NONE && (limits->refused_pending | limits->overshoot_pending))
        reason = lg_limits_settle(L, limits);
    if (reason == LG_STOP_NONE && atomic_load_explicit(&limits->deadline_ns, memory_order_relaxed) != 0)
        reason = lg_limits_poll_deadline(limits);
    if (reason != LG_STOP_NONE) return lg_limits_raise(L, reason);
    return n;
}

/// Calls the Swift function `fn` for a C closure running inside Lua: counts the Swift frame
/// for the allocator, and raises a pending stop once Swift has returned.
static inline int lg_call_swift(lua_State *L, lg_SwiftFunction fn) {
    int saved = 0;
    lg_Limits *limits = lg_swift_enter(L, &saved);
    return lg_swift_leave(L, limits, saved, fn(L));
}

/// `lg_call_swift` for a function that takes the datum its closure carries.
static inline int lg_call_swift_method(lua_State *L, lg_SwiftMethod fn, void *data) {
    int saved = 0;
    lg_Limits *limits = lg_swift_enter(L, &saved);
    return lg_swift_leave(L, limits, saved, fn(L, data));
}

#endif
