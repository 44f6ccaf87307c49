// The few facts of Open MPI's ABI (libmpi.so.40, Open MPI 4.x) that the shim relies on,
// declared here so that the build does not need MPI's headers.
//
// Copied from Debian's /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h (Open MPI 4.1.4);
// Tests/distributed/abi_check.c compiles this file next to the real header, when it is
// installed, and checks every fact below with a static assertion.
#ifndef LG_OMPI_ABI_H
#define LG_OMPI_ABI_H

#include <stddef.h>

// Handles are pointers to opaque structures; the predefined ones (MPI_COMM_WORLD, MPI_FLOAT,
// MPI_SUM, ...) are the addresses of data symbols (`ompi_mpi_comm_world`, ...).
typedef struct ompi_communicator_t *ompi_comm;
typedef struct ompi_datatype_t *ompi_datatype;
typedef struct ompi_op_t *ompi_op;
typedef struct ompi_request_t *ompi_request;

/// `MPI_Status` (struct ompi_status_public_t).
typedef struct {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    int _cancelled;
    size_t _ucount;
} ompi_status;

#define OMPI_SUCCESS 0
#define OMPI_THREAD_SERIALIZED 2
#define OMPI_ANY_SOURCE (-1)
#define OMPI_IN_PLACE ((void *)1)
#define OMPI_STATUS_IGNORE ((ompi_status *)0)

#endif
