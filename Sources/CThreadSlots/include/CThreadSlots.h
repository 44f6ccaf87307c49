// Per-thread slots the engine reads on every op: the thread's state object and its counts of
// live objects.
//
// Swift has no thread-local variables; `pthread_getspecific` behind a lazily created key cost a
// call, a `swift_once` check and a retain each time, about ten times per small op. C's
// `_Thread_local` is a single segment-relative load.
#ifndef CTHREADSLOTS_H
#define CTHREADSLOTS_H

/// The kinds of objects counted (`LiveSlots.Kind` on the Swift side).
enum { AG_LIVE_KINDS = 4 };

/// One thread's slots.
typedef struct ag_thread_slots {
    /// The thread's `ThreadState`, unretained (its pthread key holds the reference).
    void *state;
    /// Live objects by kind, written only by this thread; other threads only read them.
    long live[AG_LIVE_KINDS];
    /// Whether `live` is in the registry that `ag_live_total` adds up.
    int registered;
    struct ag_thread_slots *prev, *next;
} ag_thread_slots;

extern _Thread_local ag_thread_slots ag_slots;

/// The calling thread's state object, or NULL before it has one.
static inline void *ag_thread_state(void) { return ag_slots.state; }

/// Sets the calling thread's state object (NULL when its thread ends).
static inline void ag_set_thread_state(void *state) { ag_slots.state = state; }

/// Adds this thread's counts to the registry (first count on a thread).
void ag_live_register(void);

/// Counts `n` more objects of `kind` on the calling thread.
static inline void ag_live_add(int kind, long n) {
    if (__builtin_expect(!ag_slots.registered, 0)) ag_live_register();
    // Only this thread writes the slot: a relaxed load and store cannot lose an update.
    __atomic_store_n(&ag_slots.live[kind], ag_slots.live[kind] + n, __ATOMIC_RELAXED);
}

/// The count of `kind` over every thread, including threads that have ended.
long ag_live_total(int kind);

#endif
