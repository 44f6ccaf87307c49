// The system's ZeroMQ (libzmq), opened at run time: the transport of the Jupyter kernel's
// five sockets.
//
// `luagrad` links no libzmq: loading it (with libstdc++, Kerberos, libsodium, PGM and NORM
// behind it) cost every start of the program about a tenth of its start-up, and only
// `luagrad kernel` uses it. `lg_zmq_open` opens `libzmq.so.5` with `dlopen` the first time a
// kernel starts; the `lg_zmq_*` functions below forward to it and may be called only after
// it succeeded. Types and constants (`zmq_msg_t`, `ZMQ_ROUTER`, ...) come from <zmq.h>; its
// functions are not linked, so call the `lg_` forms.
#ifndef CZMQ_H
#define CZMQ_H

#include <stddef.h>
#include <zmq.h>

/// Opens libzmq (once). Returns 1 on success; otherwise 0 with the reason written to `message`.
int lg_zmq_open(char *message, size_t capacity);

// MARK: - Forwarders (same arguments and results as libzmq's functions of the same name)

int lg_zmq_errno(void);
const char *lg_zmq_strerror(int errnum);
void *lg_zmq_ctx_new(void);
int lg_zmq_ctx_shutdown(void *context);
int lg_zmq_ctx_term(void *context);
void *lg_zmq_socket(void *context, int type);
int lg_zmq_setsockopt(void *socket, int option, const void *value, size_t length);
int lg_zmq_bind(void *socket, const char *endpoint);
int lg_zmq_close(void *socket);
int lg_zmq_send(void *socket, const void *buffer, size_t length, int flags);
int lg_zmq_msg_init(zmq_msg_t *message);
int lg_zmq_msg_close(zmq_msg_t *message);
int lg_zmq_msg_recv(zmq_msg_t *message, void *socket, int flags);
size_t lg_zmq_msg_size(const zmq_msg_t *message);
void *lg_zmq_msg_data(zmq_msg_t *message);
int lg_zmq_msg_more(const zmq_msg_t *message);
int lg_zmq_poll(zmq_pollitem_t *items, int count, long timeout);

#endif
