// Opens libzmq with dlopen and forwards to it (see include/CZmq.h).
#include "CZmq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// MARK: - What is taken from the library

// X(name, return type, parameters): every libzmq function the kernel calls.
#define LG_ZMQ_FUNCTIONS(X)                                                                        \
    X(zmq_errno, int, (void))                                                                      \
    X(zmq_strerror, const char *, (int))                                                           \
    X(zmq_ctx_new, void *, (void))                                                                 \
    X(zmq_ctx_shutdown, int, (void *))                                                             \
    X(zmq_ctx_term, int, (void *))                                                                 \
    X(zmq_socket, void *, (void *, int))                                                           \
    X(zmq_setsockopt, int, (void *, int, const void *, size_t))                                    \
    X(zmq_bind, int, (void *, const char *))                                                       \
    X(zmq_close, int, (void *))                                                                    \
    X(zmq_send, int, (void *, const void *, size_t, int))                                          \
    X(zmq_msg_init, int, (zmq_msg_t *))                                                            \
    X(zmq_msg_close, int, (zmq_msg_t *))                                                           \
    X(zmq_msg_recv, int, (zmq_msg_t *, void *, int))                                               \
    X(zmq_msg_size, size_t, (const zmq_msg_t *))                                                   \
    X(zmq_msg_data, void *, (zmq_msg_t *))                                                         \
    X(zmq_msg_more, int, (const zmq_msg_t *))                                                      \
    X(zmq_poll, int, (zmq_pollitem_t *, int, long))

static struct {
#define LG_FIELD(name, ret, params) ret(*name) params;
    LG_ZMQ_FUNCTIONS(LG_FIELD)
#undef LG_FIELD
} zmq;

static pthread_once_t open_once = PTHREAD_ONCE_INIT;
static char open_error[512];
static int is_open;

static void open_library(void) {
    void *library = dlopen("libzmq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(open_error, sizeof open_error,
                 "cannot load ZeroMQ (%s); install it with 'apt-get install libzmq5'",
                 why ? why : "libzmq.so.5 not found");
        return;
    }
#define LG_RESOLVE(name, ret, params)                                                              \
    *(void **)&zmq.name = dlsym(library, #name);                                                   \
    if (zmq.name == NULL) {                                                                        \
        snprintf(open_error, sizeof open_error, "the ZeroMQ library has no %s: libzmq 4.1 or later is required", #name); \
        return;                                                                                    \
    }
    LG_ZMQ_FUNCTIONS(LG_RESOLVE)
#undef LG_RESOLVE
    is_open = 1;
}

int lg_zmq_open(char *message, size_t capacity) {
    pthread_once(&open_once, open_library);
    if (!is_open && message != NULL && capacity > 0) snprintf(message, capacity, "%s", open_error);
    return is_open;
}

// MARK: - Forwarders

int lg_zmq_errno(void) { return zmq.zmq_errno(); }
const char *lg_zmq_strerror(int errnum) { return zmq.zmq_strerror(errnum); }
void *lg_zmq_ctx_new(void) { return zmq.zmq_ctx_new(); }
int lg_zmq_ctx_shutdown(void *context) { return zmq.zmq_ctx_shutdown(context); }
int lg_zmq_ctx_term(void *context) { return zmq.zmq_ctx_term(context); }
void *lg_zmq_socket(void *context, int type) { return zmq.zmq_socket(context, type); }
int lg_zmq_setsockopt(void *socket, int option, const void *value, size_t length) {
    return zmq.zmq_setsockopt(socket, option, value, length);
}
int lg_zmq_bind(void *socket, const char *endpoint) { return zmq.zmq_bind(socket, endpoint); }
int lg_zmq_close(void *socket) { return zmq.zmq_close(socket); }
int lg_zmq_send(void *socket, const void *buffer, size_t length, int flags) {
    return zmq.zmq_send(socket, buffer, length, flags);
}
int lg_zmq_msg_init(zmq_msg_t *message) { return zmq.zmq_msg_init(message); }
int lg_zmq_msg_close(zmq_msg_t *message) { return zmq.zmq_msg_close(message); }
int lg_zmq_msg_recv(zmq_msg_t *message, void *socket, int flags) {
    return zmq.zmq_msg_recv(message, socket, flags);
}
size_t lg_zmq_msg_size(const zmq_msg_t *message) { return zmq.zmq_msg_size(message); }
void *lg_zmq_msg_data(zmq_msg_t *message) { return zmq.zmq_msg_data(message); }
int lg_zmq_msg_more(const zmq_msg_t *message) { return zmq.zmq_msg_more(message); }
int lg_zmq_poll(zmq_pollitem_t *items, int count, long timeout) { return zmq.zmq_poll(items, count, timeout); }
