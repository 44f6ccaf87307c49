// Limits of one script host: the accounting allocator, the count hook and the stop.
// See lg_limits.h for the design.
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "limits_internal.h"

// MARK: - Time

static long long lg_now_ns(void) {
    struct timespec now;
#ifdef CLOCK_MONOTONIC_COARSE
    // 4 ms resolution is plenty for a deadline, at a third of the cost of CLOCK_MONOTONIC.
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
#else
    clock_gettime(CLOCK_MONOTONIC, &now);
#endif
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

// MARK: - The block

lg_Limits *lg_limits_create(void) {
    lg_Limits *limits = calloc(1, sizeof *limits);
    if (limits == NULL) return NULL;
    atomic_init(&limits->stop, LG_STOP_NONE);
    // The host's Swift code is on the stack whenever Lua is not running a protected call.
    limits->swift_depth = 1;
    atomic_init(&limits->lua_bytes, 0);
    atomic_init(&limits->tensor_bytes, 0);
    atomic_init(&limits->memory_limit, 0);
    atomic_init(&limits->deadline_ns, 0);
    limits->budget = -1;
    // No block has this size: tensors use `__gc` until `lg_limits_adopt_tensors`.
    limits->tensor_block_size = SIZE_MAX;
    return limits;
}

void lg_limits_destroy(lg_Limits *limits) {
    lg_limits_release_dead(limits);
    free(limits);
}

lg_Limits *lg_limits_of(lua_State *L) {
    void *ud = NULL;
    return lua_getallocf(L, &ud) == lg_limits_alloc ? (lg_Limits *)ud : NULL;
}

void lg_limits_set_memory_limit(lg_Limits *limits, size_t bytes) {
    atomic_store_explicit(&limits->memory_limit, bytes, memory_order_relaxed);
}

size_t lg_limits_memory_limit(lg_Limits *limits) {
    return atomic_load_explicit(&limits->memory_limit, memory_order_relaxed);
}

size_t lg_limits_lua_bytes(lg_Limits *limits) {
    return atomic_load_explicit(&limits->lua_bytes, memory_order_relaxed);
}

size_t lg_limits_tensor_bytes(lg_Limits *limits) {
    return atomic_load_explicit(&limits->tensor_bytes, memory_order_relaxed);
}

long long lg_limits_instructions(lg_Limits *limits) { return limits->instructions; }

// MARK: - Stopping

int lg_limits_request_stop(lg_Limits *limits, int reason) {
    int expected = LG_STOP_NONE;
    if (atomic_compare_exchange_strong(&limits->stop, &expected, reason)) return reason;
    return expected;
}

int lg_limits_stop_reason(lg_Limits *limits) {
    return atomic_load_explicit(&limits->stop, memory_order_relaxed);
}

void lg_limits_clear_stop(lg_Limits *limits) {
    atomic_store(&limits->stop, LG_STOP_NONE);
    limits->refused_pending = 0;
    limits->overshoot_pending = 0;
}

int lg_limits_poll_deadline(lg_Limits *limits) {
    long long deadline = atomic_load_explicit(&limits->deadline_ns, memory_order_relaxed);
    if (deadline != 0 && lg_now_ns() >= deadline) return lg_limits_request_stop(limits, LG_STOP_TIMEOUT);
    return atomic_load_explicit(&limits->stop, memory_order_relaxed);
}

int lg_limits_poll(lg_Limits *limits) { return lg_limits_poll_deadline(limits); }

// Registry keys of the stop messages (their addresses), and the messages. They are created
// once and kept in the registry: pushing them with `lua_rawgetp` allocates nothing, so a stop
// can be raised even when the memory limit has been reached.
static const char lg_stop_keys[5] = {0};
static const char *const lg_stop_messages[5] = {
    "stopped",
    "not enough memory: the script exceeded its memory limit",
    "the script exceeded its instruction limit",
    "the script exceeded its time limit",
    "the script was cancelled",
};

static void lg_hook(lua_State *L, lua_Debug *ar);

// MARK: - Raising from the hook

// Lua clears a thread's `allowhook` while a hook runs and sets it again when the hook
// returns. A hook that raises never returns: hooks stay off on that thread until a protected
// call catches the error. In between run the message handler of an `xpcall` (called before
// unwinding) and, for a coroutine that dies, its pending `__close` handlers: with hooks off,
// a loop there could never be stopped. So the hook turns hooks back on before it raises.
//
// `lua_State` is opaque, but its head is the same in every Lua 5.4 release: the GC header
// (`next` pointer, type byte, mark byte), then `status`, then `allowhook`. The layout is
// checked on each state when it is attached; if it does not match, nothing is written.
enum { LG_OFFSET_TYPE = sizeof(void *), LG_OFFSET_STATUS = sizeof(void *) + 2, LG_OFFSET_ALLOWHOOK = sizeof(void *) + 3 };

static int lg_layout_matches(lua_State *L) {
    const unsigned char *head = (const unsigned char *)L;
    return head[LG_OFFSET_TYPE] == LUA_TTHREAD && head[LG_OFFSET_STATUS] == LUA_OK && head[LG_OFFSET_ALLOWHOOK] == 1;
}

static void lg_allow_hooks_again(lua_State *L, lg_Limits *limits) {
    unsigned char *head = (unsigned char *)L;
    if (limits->allowhook_writable && head[LG_OFFSET_TYPE] == LUA_TTHREAD && head[LG_OFFSET_ALLOWHOOK] == 0)
        head[LG_OFFSET_ALLOWHOOK] = 1;
}

int lg_limits_raise(lua_State *L, int reason) {
    if (reason < 1 || reason > 4) reason = 0;
    // Every further instruction of this thread raises again, so `pcall` cannot swallow it;
    // likewise the main thread, where a coroutine's error lands when `coroutine.resume`
    // catches it.
    lua_sethook(L, lg_hook, LUA_MASKCOUNT, 1);
    lg_Limits *limits = lg_limits_of(L);
    if (limits != NULL && limits->main != NULL && limits->main != L)
        lua_sethook(limits->main, lg_hook, LUA_MASKCOUNT, 1);
    if (!lua_checkstack(L, 1)) lua_settop(L, -2);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lg_stop_keys[reason]);
    return lua_error(L);
}

// MARK: - Instructions and the hook

/// Instructions between two hook calls: few enough that a deadline or a cancellation is seen
/// within microseconds, many enough that the hook costs nothing measurable.
enum { LG_HOOK_INTERVAL = 1000 };

static int lg_next_interval(const lg_Limits *limits) {
    if (limits->budget < 0) return LG_HOOK_INTERVAL;
    long long left = limits->budget - limits->instructions;
    if (left >= LG_HOOK_INTERVAL) return LG_HOOK_INTERVAL;
    return left > 1 ? (int)left : 1;
}

static void lg_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lg_Limits *limits = lg_limits_of(L);
    if (limits == NULL) return;
    int count = lua_gethookcount(L);
    lg_limits_release_dead(limits);
    int reason = atomic_load_explicit(&limits->stop, memory_order_relaxed);
    if (reason == LG_STOP_NONE && (limits->refused_pending | limits->overshoot_pending))
        reason = lg_limits_settle(L, limits);
    if (reason == LG_STOP_NONE) {
        limits->instructions += count;
        if (limits->budget >= 0 && limits->instructions >= limits->budget)
            reason = lg_limits_request_stop(limits, LG_STOP_INSTRUCTIONS);
        else
            reason = lg_limits_poll_deadline(limits);
    }
    if (reason == LG_STOP_NONE) {
        int next = lg_next_interval(limits);
        if (next != count) lua_sethook(L, lg_hook, LUA_MASKCOUNT, next);
        return;
    }
    lg_allow_hooks_again(L, limits);
    lg_limits_raise(L, reason);
}

/// Makes `L` (if any) count instructions, unless it does already.
static void lg_watch(lua_State *L, lg_Limits *limits) {
    if (L != NULL && lua_gethook(L) != lg_hook) lua_sethook(L, lg_hook, LUA_MASKCOUNT, lg_next_interval(limits));
}

void lg_limits_watch_thread(lua_State *L) {
    lg_Limits *limits = lg_limits_of(L);
    if (limits != NULL) lua_sethook(L, lg_hook, LUA_MASKCOUNT, lg_next_interval(limits));
}

void lg_limits_set_cancellable(lg_Limits *limits) {
    limits->cancellable = 1;
    lg_watch(limits->main, limits);
}

void lg_limits_begin(lg_Limits *limits, lua_State *L, long long instruction_budget, double timeout) {
    limits->instructions = 0;
    limits->budget = instruction_budget < 0 ? -1 : instruction_budget;
    limits->refused_pending = 0;
    limits->overshoot_pending = 0;
    long long deadline = 0;
    if (timeout > 0) {
        double ns = timeout * 1e9;
        // Past a century is no deadline worth a clock read.
        if (ns < 3.0e18) deadline = lg_now_ns() + (long long)ns;
    }
    atomic_store_explicit(&limits->deadline_ns, deadline, memory_order_relaxed);
    // The hook makes the VM call it before every instruction (`luaG_traceexec`) and after
    // every return: 7% of a 10-element `a + b`, 17% of a `.grad` read. With no budget, no
    // deadline and no way to cancel, nothing needs it until a memory refusal arms it
    // (`lg_allow_growth`); coroutines keep it (`lg_limits_watch_thread`).
    if (limits->budget >= 0 || deadline != 0 || limits->cancellable)
        lua_sethook(L, lg_hook, LUA_MASKCOUNT, lg_next_interval(limits));
    else
        lua_sethook(L, NULL, 0, 0);
}

// MARK: - Memory

/// Whether the allocator may grow a block by `grow` bytes (to `size`), given `lua` bytes in use.
static int lg_allow_growth(lg_Limits *limits, size_t lua, size_t grow, const void *block, size_t size) {
    size_t limit = atomic_load_explicit(&limits->memory_limit, memory_order_relaxed);
    if (limit == 0) return 1;
    size_t used = lua + atomic_load_explicit(&limits->tensor_bytes, memory_order_relaxed);
    size_t after = used + grow;
    int overflow = after < used;
    if (!overflow && after <= limit) {
        // Lua's retry after its emergency collection succeeded.
        if (limits->refused_pending && limits->refused_block == block && limits->refused_size == size)
            limits->refused_pending = 0;
        return 1;
    }
    // Room past the limit for what cannot fail and for reporting the stop (message handlers,
    // tracebacks): never a way to keep running, since the stop is raised at once.
    size_t slack = limit / 8 + 65536;
    int beyondSlack = overflow || after - limit > slack;
    // Whatever is decided below is settled by the hook at the latest: make sure the main
    // thread has it (coroutines always do). Setting a hook only writes a few fields, which
    // is allowed even inside the collector.
    lg_watch(limits->main, limits);
    if (limits->swift_depth > 0) {
        // Failing here would unwind Swift frames: overshoot, and once Swift has returned stop
        // unless collecting garbage brings the memory back under the limit.
        if (beyondSlack) limits->overshoot_pending = 1;
        return 1;
    }
    if (atomic_load_explicit(&limits->stop, memory_order_relaxed) != LG_STOP_NONE) return !beyondSlack;
    // Lua's core answers a refusal with an emergency collection and asks again: the repeated
    // request means the memory is really not there. Other refusals (lauxlib's buffers do not
    // retry) are settled by `lg_limits_settle` at the next hook call or Swift return.
    if (limits->refused_pending && limits->refused_block == block && limits->refused_size == size) {
        limits->refused_pending = 0;
        lg_limits_request_stop(limits, LG_STOP_MEMORY);
    } else {
        limits->refused_pending = 1;
        limits->refused_block = block;
        limits->refused_size = size;
        limits->refused_grow = grow;
    }
    return 0;
}

int lg_limits_memory_pending(lg_Limits *limits) { return limits->refused_pending | limits->overshoot_pending; }

int lg_limits_settle(lua_State *L, lg_Limits *limits) {
    lg_limits_release_dead(limits);
    if (limits->refused_pending || limits->overshoot_pending) {
        int refused = limits->refused_pending, overshoot = limits->overshoot_pending;
        limits->refused_pending = 0;
        limits->overshoot_pending = 0;
        // Garbage may be what fills the memory: collect it, then decide.
        lua_gc(L, LUA_GCCOLLECT);
        lg_limits_release_dead(limits);
        size_t limit = atomic_load_explicit(&limits->memory_limit, memory_order_relaxed);
        size_t used = atomic_load_explicit(&limits->lua_bytes, memory_order_relaxed) +
                      atomic_load_explicit(&limits->tensor_bytes, memory_order_relaxed);
        if (limit != 0) {
            // A refused request that still would not fit, or an overshoot that is still there.
            if ((refused && (limits->refused_grow > limit || used > limit - limits->refused_grow)) ||
                (overshoot && used > limit))
                lg_limits_request_stop(limits, LG_STOP_MEMORY);
        }
    }
    return atomic_load_explicit(&limits->stop, memory_order_relaxed);
}

void *lg_limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lg_Limits *limits = (lg_Limits *)ud;
    // For a new block Lua passes the object's type in `osize`.
    size_t old = ptr != NULL ? osize : 0;
    size_t lua = atomic_load_explicit(&limits->lua_bytes, memory_order_relaxed);
    if (nsize == 0) {
        // A collected tensor userdata: kept until its tensor is released (tensor_release.c).
        if (osize == limits->tensor_block_size && ptr != NULL && lg_limits_keep_dead_tensor(limits, ptr)) {
            atomic_store_explicit(&limits->lua_bytes, lua - old, memory_order_relaxed);
            return NULL;
        }
        free(ptr);
        atomic_store_explicit(&limits->lua_bytes, lua - old, memory_order_relaxed);
        return NULL;
    }
    if (nsize > old && !lg_allow_growth(limits, lua, nsize - old, ptr, nsize)) return NULL;
    // A new block (most requests: every table, closure and userdata) from malloc directly:
    // jemalloc's realloc of NULL takes a longer way to the same allocation.
    void *block = ptr == NULL ? malloc(nsize) : realloc(ptr, nsize);
    if (block == NULL) return NULL;
    atomic_store_explicit(&limits->lua_bytes, lua - old + nsize, memory_order_relaxed);
    return block;
}

int lg_limits_charge_tensor(lg_Limits *limits, size_t bytes) {
    size_t limit = atomic_load_explicit(&limits->memory_limit, memory_order_relaxed);
    if (limit != 0) {
        size_t used = atomic_load_explicit(&limits->lua_bytes, memory_order_relaxed) +
                      atomic_load_explicit(&limits->tensor_bytes, memory_order_relaxed);
        if (bytes > limit || used > limit - bytes) return 0;
    }
    atomic_fetch_add_explicit(&limits->tensor_bytes, bytes, memory_order_relaxed);
    return 1;
}

void lg_limits_release_tensor(lg_Limits *limits, size_t bytes) {
    atomic_fetch_sub_explicit(&limits->tensor_bytes, bytes, memory_order_relaxed);
}

// MARK: - Attaching to a state

void lg_limits_attach(lua_State *L, lg_Limits *limits) {
    // Count what luaL_newstate already allocated, then take over its (realloc/free) allocator.
    size_t bytes = (size_t)lua_gc(L, LUA_GCCOUNT) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB);
    atomic_store(&limits->lua_bytes, bytes);
    lua_setallocf(L, lg_limits_alloc, limits);
    limits->allowhook_writable = lg_layout_matches(L);
    limits->main = L;
    for (int reason = 0; reason < 5; reason++) {
        lua_pushstring(L, lg_stop_messages[reason]);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &lg_stop_keys[reason]);
    }
    lua_sethook(L, lg_hook, LUA_MASKCOUNT, LG_HOOK_INTERVAL);
}

void lg_limits_detach(lg_Limits *limits) { limits->main = NULL; }

// MARK: - Protected calls

int lg_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    lg_Limits *limits = lg_limits_of(L);
    if (limits == NULL) return lua_pcall(L, nargs, nresults, msgh);
    int saved = limits->swift_depth;
    limits->swift_depth = 0;
    int status = lua_pcall(L, nargs, nresults, msgh);
    limits->swift_depth = saved;
    return status;
}
