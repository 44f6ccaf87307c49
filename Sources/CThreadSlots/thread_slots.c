#include "CThreadSlots.h"
#include <pthread.h>

_Thread_local ag_thread_slots ag_slots;

// Registered threads' slots, and what ended threads counted; both under `lock`.
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ag_thread_slots *threads;
static long retired[AG_LIVE_KINDS];
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

// A thread is ending: fold its counts into `retired` and leave the registry. Objects freed by
// later destructors on this thread register it again, and are folded in turn.
static void retire(void *value) {
    ag_thread_slots *slots = value;
    pthread_mutex_lock(&lock);
    for (int k = 0; k < AG_LIVE_KINDS; k++) {
        retired[k] += slots->live[k];
        __atomic_store_n(&slots->live[k], 0, __ATOMIC_RELAXED);
    }
    if (slots->prev) slots->prev->next = slots->next; else threads = slots->next;
    if (slots->next) slots->next->prev = slots->prev;
    slots->prev = slots->next = 0;
    slots->registered = 0;
    pthread_mutex_unlock(&lock);
}

static void make_key(void) { pthread_key_create(&key, retire); }

void ag_live_register(void) {
    pthread_once(&key_once, make_key);
    ag_thread_slots *slots = &ag_slots;
    pthread_mutex_lock(&lock);
    slots->prev = 0;
    slots->next = threads;
    if (threads) threads->prev = slots;
    threads = slots;
    slots->registered = 1;
    pthread_mutex_unlock(&lock);
    // A non-NULL value is what makes the key's destructor run at thread exit.
    pthread_setspecific(key, slots);
}

long ag_live_total(int kind) {
    pthread_mutex_lock(&lock);
    long total = retired[kind];
    for (ag_thread_slots *t = threads; t; t = t->next) total += __atomic_load_n(&t->live[kind], __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lock);
    return total;
}
