// Limits of one script host: memory, instructions, wall-clock time and cancellation.
//
// One `lg_Limits` block belongs to one Lua state. It is the `ud` of the state's allocator, so
// every C entry point finds it with `lua_getallocf` (`lg_limits_of`). Swift sees the block as
// an opaque pointer and uses the functions below; the fields other threads touch are C11
// atomics.
//
// How a limit stops a script so that `pcall` cannot swallow it:
//  - the first limit to trip records its reason in `stop` (sticky until the host clears it);
//  - the count hook raises the reason's message and re-arms itself to fire on *every*
//    instruction of that thread, so a script that catches the error cannot run even one more
//    instruction without the error being raised again;
//  - the trampoline that calls Swift functions raises it as soon as the Swift function returns.
//
// Memory errors never unwind Swift code: the allocator only refuses a request when no Swift
// frame lies between it and the innermost protected call (`swift_depth == 0`). Otherwise it
// lets the request through (an overshoot) and the stop is raised once Swift has returned.
#ifndef LG_LIMITS_H
#define LG_LIMITS_H

#include <stddef.h>
#include "../../CLua/CLua.h"

typedef struct lg_Limits lg_Limits;

/// Why a script was stopped (`lg_limits_stop_reason`).
enum {
    LG_STOP_NONE = 0,
    LG_STOP_MEMORY = 1,
    LG_STOP_INSTRUCTIONS = 2,
    LG_STOP_TIMEOUT = 3,
    LG_STOP_CANCELLED = 4,
};

/// A new block with no limits set.
lg_Limits *lg_limits_create(void);
void lg_limits_destroy(lg_Limits *limits);

/// Makes `limits` govern `L` (a fresh state from `luaL_newstate`): takes over its allocator
/// (counting what is already allocated), installs the count hook and keeps the stop messages
/// in the registry, so raising them never allocates. Call before the state runs any code.
void lg_limits_attach(lua_State *L, lg_Limits *limits);

/// Forgets the state (after `lua_close`): the block may outlive it.
void lg_limits_detach(lg_Limits *limits);

/// The block governing `L`, or NULL for a state that has none.
lg_Limits *lg_limits_of(lua_State *L);

/// The cap on Lua heap plus tensor bytes; 0 means none.
void lg_limits_set_memory_limit(lg_Limits *limits, size_t bytes);
size_t lg_limits_memory_limit(lg_Limits *limits);

/// Starts a call from the host: clears the instruction count, sets the budget (negative: none)
/// and the deadline `timeout` seconds from now (0 or negative: none), and resets the hook of
/// the main thread `L` to its normal interval, or removes it when nothing needs it (no
/// budget, no deadline, not cancellable): a memory refusal or a stop arms it again.
void lg_limits_begin(lg_Limits *limits, lua_State *L, long long instruction_budget, double timeout);

/// Gives the coroutine `L` the count hook (coroutines always have it: a stop found while the
/// main thread has none arms only the main thread).
void lg_limits_watch_thread(lua_State *L);

/// Records that stops may come from another thread (a `ScriptCanceller`) or a signal, so the
/// main thread keeps the hook from now on; arms it at once for a call in progress.
void lg_limits_set_cancellable(lg_Limits *limits);

/// Replaces `coroutine.create` and `coroutine.wrap` by versions that give each new coroutine
/// the count hook (coroutines.c), in a protected call; returns its status.
int lg_install_coroutines(lua_State *L);

/// Records `reason` unless a reason is already recorded; returns the recorded reason.
/// Safe from any thread (this is how cancellation is requested).
int lg_limits_request_stop(lg_Limits *limits, int reason);
/// The recorded reason, or LG_STOP_NONE. Safe from any thread.
int lg_limits_stop_reason(lg_Limits *limits);
/// Clears the recorded reason (the host does this once the stop has been reported).
void lg_limits_clear_stop(lg_Limits *limits);
/// Checks the stop flag and the deadline (for long Swift kernels on the host's thread):
/// returns the reason to stop, recording a passed deadline, or LG_STOP_NONE.
int lg_limits_poll(lg_Limits *limits);

/// Charges `bytes` of tensor storage. Returns 1 when they fit under the memory limit, else 0
/// without charging anything.
int lg_limits_charge_tensor(lg_Limits *limits, size_t bytes);
/// Returns tensor bytes charged earlier. Safe from any thread.
void lg_limits_release_tensor(lg_Limits *limits, size_t bytes);

/// Bytes held by the Lua heap and by tensor storage charged to this block.
size_t lg_limits_lua_bytes(lg_Limits *limits);
size_t lg_limits_tensor_bytes(lg_Limits *limits);
/// Instructions counted since `lg_limits_begin` (exact to within the hook interval).
long long lg_limits_instructions(lg_Limits *limits);

/// Decides about an allocation that was refused and not retried: runs a full collection and
/// records a memory stop when the request still would not fit. Returns the stop reason.
int lg_limits_settle(lua_State *L, lg_Limits *limits);

/// Whether an allocation was refused (or Swift overshot the limit) and not yet settled.
int lg_limits_memory_pending(lg_Limits *limits);

/// Raises the stop message of `reason` on `L` and re-arms the hook so that every further
/// instruction of `L` raises it again. Only for C functions running inside Lua.
int lg_limits_raise(lua_State *L, int reason);

/// Replaces `string.find`, `match`, `gmatch` and `gsub` by versions whose matching the host's
/// deadline and cancellation interrupt (patterns.c), in a protected call; returns its status.
int lg_install_patterns(lua_State *L);
/// Pushes a table with Lua's own four functions, as they were before `lg_install_patterns`.
void lg_push_original_patterns(lua_State *L);

/// `lua_pcall` that lets the allocator fail inside the call: a memory error there unwinds to
/// this call, not across the Swift code that made it.
int lg_pcall(lua_State *L, int nargs, int nresults, int msgh);

#endif
