// SIGINT for interactive hosts: see lg_interrupt.h.
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include "lg_interrupt.h"

// Lock-free atomics (checked below) are the only shared state the handler touches.
static _Atomic(lg_Limits *) lg_interrupt_target;
static atomic_int lg_interrupt_count;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_POINTER_LOCK_FREE == 2, "the SIGINT handler needs lock-free atomics");

static void lg_interrupt_handler(int signo) {
    (void)signo;
    lg_Limits *target = atomic_load(&lg_interrupt_target);
    if (target != NULL) lg_limits_request_stop(target, LG_STOP_CANCELLED);
    atomic_fetch_add(&lg_interrupt_count, 1);
}

int lg_interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = lg_interrupt_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGINT, &action, NULL);
}

void lg_interrupt_set_target(lg_Limits *limits) {
    // A signal cannot set the hook: the target keeps it.
    if (limits != NULL) lg_limits_set_cancellable(limits);
    atomic_store(&lg_interrupt_target, limits);
}

int lg_interrupt_take(void) { return atomic_exchange(&lg_interrupt_count, 0); }

int lg_interrupt_pending(void) { return atomic_load(&lg_interrupt_count); }
