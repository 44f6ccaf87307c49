// Opens libmpi with dlopen and forwards to it (see include/CMPIShim.h).
#include "CMPIShim.h"
#include "ompi_abi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - What is taken from the library

// X(name, return type, parameters): every MPI function the shim calls.
#define LG_MPI_FUNCTIONS(X)                                                                        \
    X(MPI_Init_thread, int, (int *, char ***, int, int *))                                         \
    X(MPI_Initialized, int, (int *))                                                               \
    X(MPI_Finalized, int, (int *))                                                                 \
    X(MPI_Finalize, int, (void))                                                                   \
    X(MPI_Abort, int, (ompi_comm, int))                                                            \
    X(MPI_Comm_rank, int, (ompi_comm, int *))                                                      \
    X(MPI_Comm_size, int, (ompi_comm, int *))                                                      \
    X(MPI_Error_string, int, (int, char *, int *))                                                 \
    X(MPI_Iallreduce, int, (const void *, void *, int, ompi_datatype, ompi_op, ompi_comm, ompi_request *)) \
    X(MPI_Ibcast, int, (void *, int, ompi_datatype, int, ompi_comm, ompi_request *))               \
    X(MPI_Ireduce, int, (const void *, void *, int, ompi_datatype, ompi_op, int, ompi_comm, ompi_request *)) \
    X(MPI_Iallgather, int, (const void *, int, ompi_datatype, void *, int, ompi_datatype, ompi_comm, ompi_request *)) \
    X(MPI_Igather, int, (const void *, int, ompi_datatype, void *, int, ompi_datatype, int, ompi_comm, ompi_request *)) \
    X(MPI_Iscatter, int, (const void *, int, ompi_datatype, void *, int, ompi_datatype, int, ompi_comm, ompi_request *)) \
    X(MPI_Ireduce_scatter_block, int, (const void *, void *, int, ompi_datatype, ompi_op, ompi_comm, ompi_request *)) \
    X(MPI_Ibarrier, int, (ompi_comm, ompi_request *))                                              \
    X(MPI_Isend, int, (const void *, int, ompi_datatype, int, int, ompi_comm, ompi_request *))     \
    X(MPI_Irecv, int, (void *, int, ompi_datatype, int, int, ompi_comm, ompi_request *))           \
    X(MPI_Allreduce, int, (const void *, void *, int, ompi_datatype, ompi_op, ompi_comm))          \
    X(MPI_Bcast, int, (void *, int, ompi_datatype, int, ompi_comm))                                \
    X(MPI_Reduce, int, (const void *, void *, int, ompi_datatype, ompi_op, int, ompi_comm))        \
    X(MPI_Allgather, int, (const void *, int, ompi_datatype, void *, int, ompi_datatype, ompi_comm)) \
    X(MPI_Gather, int, (const void *, int, ompi_datatype, void *, int, ompi_datatype, int, ompi_comm)) \
    X(MPI_Scatter, int, (const void *, int, ompi_datatype, void *, int, ompi_datatype, int, ompi_comm)) \
    X(MPI_Reduce_scatter_block, int, (const void *, void *, int, ompi_datatype, ompi_op, ompi_comm)) \
    X(MPI_Barrier, int, (ompi_comm))                                                               \
    X(MPI_Send, int, (const void *, int, ompi_datatype, int, int, ompi_comm))                      \
    X(MPI_Recv, int, (void *, int, ompi_datatype, int, int, ompi_comm, ompi_status *))             \
    X(MPI_Test, int, (ompi_request *, int *, ompi_status *))                                       \
    X(MPI_Wait, int, (ompi_request *, ompi_status *))

// The predefined handles: each is the address of a data symbol of the library.
#define LG_MPI_HANDLES(X)                                                                          \
    X(comm_world, "ompi_mpi_comm_world")                                                           \
    X(type_bool, "ompi_mpi_uint8_t")                                                               \
    X(type_int64, "ompi_mpi_int64_t")                                                              \
    X(type_float, "ompi_mpi_float")                                                                \
    X(type_double, "ompi_mpi_double")                                                              \
    X(op_sum, "ompi_mpi_op_sum")                                                                   \
    X(op_prod, "ompi_mpi_op_prod")                                                                 \
    X(op_min, "ompi_mpi_op_min")                                                                   \
    X(op_max, "ompi_mpi_op_max")                                                                   \
    X(request_null, "ompi_request_null")

static struct {
#define LG_FIELD(name, ret, params) ret(*name) params;
    LG_MPI_FUNCTIONS(LG_FIELD)
#undef LG_FIELD
#define LG_FIELD(name, symbol) void *name;
    LG_MPI_HANDLES(LG_FIELD)
#undef LG_FIELD
} mpi;

static pthread_once_t open_once = PTHREAD_ONCE_INIT;
static char open_error[512];
static int is_open;

/// The library names tried, newest ABI first (Debian's libopenmpi3 ships libmpi.so.40).
static const char *const library_names[] = {"libmpi.so.40", "libmpi.so"};

static void open_library(void) {
    void *library = NULL;
    for (size_t i = 0; i < sizeof library_names / sizeof *library_names && library == NULL; i++) {
        // RTLD_GLOBAL: Open MPI's plugins (mca_*.so) resolve their references to libmpi and
        // libopen-pal against the global namespace.
        library = dlopen(library_names[i], RTLD_NOW | RTLD_GLOBAL);
    }
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(open_error, sizeof open_error,
                 "cannot load Open MPI (%s); install it with 'apt-get install openmpi-bin libopenmpi-dev' "
                 "(or just the library, 'libopenmpi3') and launch the script with mpirun",
                 why ? why : "libmpi.so.40 not found");
        return;
    }
#define LG_RESOLVE(name, ret, params)                                                              \
    *(void **)&mpi.name = dlsym(library, #name);                                                   \
    if (mpi.name == NULL) {                                                                        \
        snprintf(open_error, sizeof open_error, "the MPI library has no %s: Open MPI 4 or later is required", #name); \
        return;                                                                                    \
    }
    LG_MPI_FUNCTIONS(LG_RESOLVE)
#undef LG_RESOLVE
#define LG_RESOLVE(name, symbol)                                                                   \
    mpi.name = dlsym(library, symbol);                                                             \
    if (mpi.name == NULL) {                                                                        \
        snprintf(open_error, sizeof open_error,                                                    \
                 "the MPI library has no %s: it is not Open MPI (LuaGrad supports Open MPI only)", symbol); \
        return;                                                                                    \
    }
    LG_MPI_HANDLES(LG_RESOLVE)
#undef LG_RESOLVE
    is_open = 1;
}

int lg_mpi_open(char *message, size_t capacity) {
    pthread_once(&open_once, open_library);
    if (!is_open && message != NULL && capacity > 0) snprintf(message, capacity, "%s", open_error);
    return is_open;
}

// MARK: - Life cycle

int lg_mpi_initialized(void) {
    int flag = 0;
    if (is_open) mpi.MPI_Initialized(&flag);
    return flag;
}

int lg_mpi_finalized(void) {
    int flag = 0;
    if (is_open) mpi.MPI_Finalized(&flag);
    return flag;
}

int lg_mpi_finalize(void) {
    if (!lg_mpi_initialized() || lg_mpi_finalized()) return OMPI_SUCCESS;
    return mpi.MPI_Finalize();
}

/// At exit: a process that initialized MPI and leaves without MPI_Finalize makes mpirun
/// report the job as failed.
static void finalize_at_exit(void) { lg_mpi_finalize(); }

int lg_mpi_init(int *rank, int *size) {
    if (!is_open) return -1;
    if (!lg_mpi_initialized()) {
        int provided = 0;
        int status = mpi.MPI_Init_thread(NULL, NULL, OMPI_THREAD_SERIALIZED, &provided);
        if (status != OMPI_SUCCESS) return status;
        atexit(finalize_at_exit);
    }
    int status = mpi.MPI_Comm_rank(mpi.comm_world, rank);
    if (status != OMPI_SUCCESS) return status;
    return mpi.MPI_Comm_size(mpi.comm_world, size);
}

void lg_mpi_abort(int code) {
    if (lg_mpi_initialized() && !lg_mpi_finalized()) mpi.MPI_Abort(mpi.comm_world, code);
}

void lg_mpi_error_string(int code, char *text, size_t capacity) {
    if (capacity == 0) return;
    char buffer[512];  // MPI_MAX_ERROR_STRING is 256 in Open MPI 4
    int length = 0;
    if (is_open && mpi.MPI_Error_string(code, buffer, &length) == OMPI_SUCCESS) {
        snprintf(text, capacity, "%.*s", length, buffer);
    } else {
        snprintf(text, capacity, "MPI error %d", code);
    }
}

// MARK: - Operations

static ompi_datatype datatype(lg_mpi_type type) {
    switch (type) {
    case LG_MPI_BOOL: return mpi.type_bool;
    case LG_MPI_INT64: return mpi.type_int64;
    case LG_MPI_FLOAT: return mpi.type_float;
    case LG_MPI_DOUBLE: return mpi.type_double;
    }
    return mpi.type_bool;
}

static ompi_op operation(lg_mpi_op op) {
    switch (op) {
    case LG_MPI_SUM: return mpi.op_sum;
    case LG_MPI_PROD: return mpi.op_prod;
    case LG_MPI_MIN: return mpi.op_min;
    case LG_MPI_MAX: return mpi.op_max;
    }
    return mpi.op_sum;
}

#define LG_REQUEST(request) ((ompi_request *)(request))

// Each operation is blocking when `request` is NULL, else started non-blocking (the I-variant).
// Blocking calls use Open MPI's tuned algorithms, which move large buffers about twice as fast
// as the non-blocking ones (libnbc) on shared memory.

int lg_mpi_allreduce(void *buffer, int count, lg_mpi_type type, lg_mpi_op op, lg_mpi_request *request) {
    if (request == NULL)
        return mpi.MPI_Allreduce(OMPI_IN_PLACE, buffer, count, datatype(type), operation(op), mpi.comm_world);
    return mpi.MPI_Iallreduce(OMPI_IN_PLACE, buffer, count, datatype(type), operation(op), mpi.comm_world,
                              LG_REQUEST(request));
}

int lg_mpi_bcast(void *buffer, int count, lg_mpi_type type, int root, lg_mpi_request *request) {
    if (request == NULL) return mpi.MPI_Bcast(buffer, count, datatype(type), root, mpi.comm_world);
    return mpi.MPI_Ibcast(buffer, count, datatype(type), root, mpi.comm_world, LG_REQUEST(request));
}

int lg_mpi_reduce(void *buffer, int count, lg_mpi_type type, lg_mpi_op op, int root, int is_root,
                  lg_mpi_request *request) {
    // MPI_IN_PLACE is the root's send buffer only; the others send `buffer` and receive nothing.
    const void *send = is_root ? OMPI_IN_PLACE : buffer;
    void *receive = is_root ? buffer : NULL;
    if (request == NULL)
        return mpi.MPI_Reduce(send, receive, count, datatype(type), operation(op), root, mpi.comm_world);
    return mpi.MPI_Ireduce(send, receive, count, datatype(type), operation(op), root, mpi.comm_world,
                           LG_REQUEST(request));
}

int lg_mpi_allgather(const void *input, void *output, int count, lg_mpi_type type, lg_mpi_request *request) {
    if (request == NULL)
        return mpi.MPI_Allgather(input, count, datatype(type), output, count, datatype(type), mpi.comm_world);
    return mpi.MPI_Iallgather(input, count, datatype(type), output, count, datatype(type), mpi.comm_world,
                              LG_REQUEST(request));
}

int lg_mpi_gather(const void *input, void *output, int count, lg_mpi_type type, int root, lg_mpi_request *request) {
    if (request == NULL)
        return mpi.MPI_Gather(input, count, datatype(type), output, count, datatype(type), root, mpi.comm_world);
    return mpi.MPI_Igather(input, count, datatype(type), output, count, datatype(type), root, mpi.comm_world,
                           LG_REQUEST(request));
}

int lg_mpi_scatter(const void *input, void *output, int count, lg_mpi_type type, int root, lg_mpi_request *request) {
    if (request == NULL)
        return mpi.MPI_Scatter(input, count, datatype(type), output, count, datatype(type), root, mpi.comm_world);
    return mpi.MPI_Iscatter(input, count, datatype(type), output, count, datatype(type), root, mpi.comm_world,
                            LG_REQUEST(request));
}

int lg_mpi_reduce_scatter_block(const void *input, void *output, int count, lg_mpi_type type, lg_mpi_op op,
                                lg_mpi_request *request) {
    if (request == NULL)
        return mpi.MPI_Reduce_scatter_block(input, output, count, datatype(type), operation(op), mpi.comm_world);
    return mpi.MPI_Ireduce_scatter_block(input, output, count, datatype(type), operation(op), mpi.comm_world,
                                         LG_REQUEST(request));
}

int lg_mpi_barrier(lg_mpi_request *request) {
    if (request == NULL) return mpi.MPI_Barrier(mpi.comm_world);
    return mpi.MPI_Ibarrier(mpi.comm_world, LG_REQUEST(request));
}

int lg_mpi_send(const void *buffer, int count, lg_mpi_type type, int destination, int tag, lg_mpi_request *request) {
    if (request == NULL) return mpi.MPI_Send(buffer, count, datatype(type), destination, tag, mpi.comm_world);
    return mpi.MPI_Isend(buffer, count, datatype(type), destination, tag, mpi.comm_world, LG_REQUEST(request));
}

int lg_mpi_recv(void *buffer, int count, lg_mpi_type type, int source, int tag, lg_mpi_request *request,
                int *sender) {
    int from = source < 0 ? OMPI_ANY_SOURCE : source;
    if (request == NULL) {
        ompi_status status = {0};
        status.MPI_SOURCE = -1;
        int code = mpi.MPI_Recv(buffer, count, datatype(type), from, tag, mpi.comm_world, &status);
        if (sender != NULL) *sender = status.MPI_SOURCE;
        return code;
    }
    return mpi.MPI_Irecv(buffer, count, datatype(type), from, tag, mpi.comm_world, LG_REQUEST(request));
}

/// A completed request is MPI_REQUEST_NULL after Test/Wait; the shim reports it as NULL.
static void clear_if_done(lg_mpi_request *request, int done) {
    if (done || *(void **)request == mpi.request_null) *request = NULL;
}

int lg_mpi_test(lg_mpi_request *request, int *done, int *source) {
    if (*request == NULL) { *done = 1; return OMPI_SUCCESS; }
    ompi_status status = {0};
    status.MPI_SOURCE = -1;
    int status_code = mpi.MPI_Test(LG_REQUEST(request), done, &status);
    if (*done && source != NULL) *source = status.MPI_SOURCE;
    clear_if_done(request, *done);
    return status_code;
}

int lg_mpi_wait(lg_mpi_request *request, int *source) {
    if (*request == NULL) return OMPI_SUCCESS;
    ompi_status status = {0};
    status.MPI_SOURCE = -1;
    int status_code = mpi.MPI_Wait(LG_REQUEST(request), &status);
    if (source != NULL) *source = status.MPI_SOURCE;
    *request = NULL;
    return status_code;
}
