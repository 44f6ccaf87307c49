// Tensor userdata: the block Lua allocates for each tensor a script holds.
//
// Recognising a tensor argument is on the path of every op a script calls, so the block
// carries a tag the bridge alone writes: one length test and one compare tell a tensor from
// any other value, where comparing metatables pushed, compared and popped one per argument.
#ifndef LG_TENSOR_H
#define LG_TENSOR_H

#include "../../CLua/CLua.h"
#include "lg_limits.h"

/// The block of a tensor userdata: the retained Swift tensor (NULL once released by `__gc`,
/// `__close` or `free()`), then `&lg_tensor_tag`.
typedef struct {
    void *tensor;
    const void *tag;
} lg_TensorBox;

/// The tag of tensor userdata (only its address matters).
extern const char lg_tensor_tag;

/// The box of the tensor userdata at `idx`, or NULL when the value is anything else.
///
/// `lua_touserdata` answers for full and light userdata; a light one has length 0, so a
/// block of the box's length is a full userdata whose first bytes may be read. Only this
/// header writes the tag, and no other userdata holds the address of a C constant there.
static inline lg_TensorBox *lg_tensorbox(lua_State *L, int idx) {
    lg_TensorBox *box = (lg_TensorBox *)lua_touserdata(L, idx);
    if (box == NULL || lua_rawlen(L, idx) != sizeof(lg_TensorBox)) return NULL;
    return box->tag == &lg_tensor_tag ? box : NULL;
}

/// Pushes a new tensor userdata holding `tensor` (already retained) with the metatable kept
/// in the registry at `metatable_ref`.
static inline void lg_pushtensorbox(lua_State *L, void *tensor, int metatable_ref) {
    lg_TensorBox *box = (lg_TensorBox *)lua_newuserdatauv(L, sizeof(lg_TensorBox), 0);
    box->tensor = tensor;
    box->tag = &lg_tensor_tag;
    lua_rawgeti(L, LUA_REGISTRYINDEX, metatable_ref);
    lua_setmetatable(L, -2);
}

/// The gradient of a tensor (`.grad`), borrowed, or NULL when it has none (a Swift function
/// that touches no Lua state, so C may call it directly).
typedef void *(*lg_TensorGrad)(void *tensor);

/// Releases a tensor a box held (a Swift function: `Unmanaged.release`).
typedef void (*lg_TensorRelease)(void *tensor);

/// Pushes the tensor metatable's `__gc` and `__close`: empties the box of its first argument
/// and passes the tensor to `release`, without the trampoline's upvalue and status work (the
/// release itself still runs as a Swift frame for the memory limit: `lg_call_swift`).
void lg_pushtensorfinalizer(lua_State *L, lg_TensorRelease release);

/// Makes the allocator of `L` release tensors as Lua frees their userdata, so the tensor
/// metatable needs no `__gc` (tensor_release.c). Returns 1 when it does; 0 when `L` has no
/// limits block (the Lua module in a foreign interpreter) or Lua's object layout is not the
/// expected one, and tensors must be released by `__gc`.
int lg_limits_adopt_tensors(lua_State *L, lg_TensorRelease release);

/// Releases the tensors of userdata the collector freed since the last call (the bridge calls
/// it at every Swift call, collector step and hook; the host after closing the state).
void lg_limits_release_dead_tensors(lg_Limits *limits);

#endif
