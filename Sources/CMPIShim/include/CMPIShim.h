// Open MPI, opened at run time.
//
// LuaGrad builds and runs without MPI: `libmpi.so.40` is opened with `dlopen` the first time a
// script calls `torch.distributed.init_process_group`, and the functions and predefined handles
// it needs (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ... are address-cast macros that Swift cannot
// import) are reached through this small C interface instead of MPI's header.
//
// Every function returns an MPI error code (0 is success) unless it says otherwise. Counts are
// element counts and must fit in an `int` (MPI's own limit); callers check.
#ifndef CMPISHIM_H
#define CMPISHIM_H

#include <stddef.h>

/// An outstanding non-blocking operation (`MPI_Request`); NULL once it has completed.
typedef struct lg_mpi_request_opaque *lg_mpi_request;

/// Element types, one per tensor dtype (bool travels as bytes holding 0 or 1).
typedef enum { LG_MPI_BOOL = 0, LG_MPI_INT64 = 1, LG_MPI_FLOAT = 2, LG_MPI_DOUBLE = 3 } lg_mpi_type;

/// Reduction operators.
typedef enum { LG_MPI_SUM = 0, LG_MPI_PROD = 1, LG_MPI_MIN = 2, LG_MPI_MAX = 3 } lg_mpi_op;

// MARK: - The library

/// Opens libmpi (once). Returns 1 on success; otherwise 0 with the reason written to `message`.
int lg_mpi_open(char *message, size_t capacity);

/// Initializes MPI (MPI_Init_thread, serialized threads) unless it is already initialized,
/// and arranges for MPI_Finalize at process exit. Writes the rank and the size of
/// MPI_COMM_WORLD.
int lg_mpi_init(int *rank, int *size);

/// Whether MPI_Init has been called, and whether MPI_Finalize has (0 when the library is not open).
int lg_mpi_initialized(void);
int lg_mpi_finalized(void);

/// MPI_Finalize, when initialized and not finalized yet.
int lg_mpi_finalize(void);

/// MPI_Abort on MPI_COMM_WORLD: ends every process of the job. Does nothing when MPI is not
/// initialized (or already finalized).
void lg_mpi_abort(int code);

/// MPI's text for an error code.
void lg_mpi_error_string(int code, char *text, size_t capacity);

// MARK: - Operations (all on MPI_COMM_WORLD)
//
// Each blocks until done when `request` is NULL; otherwise it starts the non-blocking variant
// (MPI_Iallreduce, ...) and stores its request.

/// MPI_Allreduce in place on `buffer`.
int lg_mpi_allreduce(void *buffer, int count, lg_mpi_type type, lg_mpi_op op, lg_mpi_request *request);
/// MPI_Bcast.
int lg_mpi_bcast(void *buffer, int count, lg_mpi_type type, int root, lg_mpi_request *request);
/// MPI_Reduce in place on the root (`buffer` is both input and, on the root, output).
int lg_mpi_reduce(void *buffer, int count, lg_mpi_type type, lg_mpi_op op, int root, int is_root,
                  lg_mpi_request *request);
/// MPI_Allgather of `count` elements from each rank into `output` (size x count elements).
int lg_mpi_allgather(const void *input, void *output, int count, lg_mpi_type type, lg_mpi_request *request);
/// MPI_Gather into `output` on the root (ignored elsewhere).
int lg_mpi_gather(const void *input, void *output, int count, lg_mpi_type type, int root, lg_mpi_request *request);
/// MPI_Scatter from `input` on the root (ignored elsewhere).
int lg_mpi_scatter(const void *input, void *output, int count, lg_mpi_type type, int root, lg_mpi_request *request);
/// MPI_Reduce_scatter_block: `input` holds size x count elements, `output` receives count.
int lg_mpi_reduce_scatter_block(const void *input, void *output, int count, lg_mpi_type type, lg_mpi_op op,
                                lg_mpi_request *request);
/// MPI_Barrier.
int lg_mpi_barrier(lg_mpi_request *request);
/// MPI_Send and MPI_Recv (`source` -1: any source; a blocking receive writes the sender's rank
/// to `sender`, a started one reports it when tested).
int lg_mpi_send(const void *buffer, int count, lg_mpi_type type, int destination, int tag, lg_mpi_request *request);
int lg_mpi_recv(void *buffer, int count, lg_mpi_type type, int source, int tag, lg_mpi_request *request,
                int *sender);

/// MPI_Test: sets `*done`, and on completion the sender's rank in `*source` (for receives).
int lg_mpi_test(lg_mpi_request *request, int *done, int *source);
/// MPI_Wait (blocks; used when nothing may interrupt the wait).
int lg_mpi_wait(lg_mpi_request *request, int *source);

#endif
