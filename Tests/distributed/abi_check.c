// Checks the Open MPI ABI facts that Sources/CMPIShim/ompi_abi.h declares by hand against the
// real mpi.h (scripts/test-distributed compiles this with mpicc when Open MPI is installed).
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

#include "../../Sources/CMPIShim/ompi_abi.h"

#define SAME_TYPE(a, b) _Generic((a)0, b: 1, default: 0)

_Static_assert(SAME_TYPE(MPI_Comm, ompi_comm), "MPI_Comm is struct ompi_communicator_t *");
_Static_assert(SAME_TYPE(MPI_Datatype, ompi_datatype), "MPI_Datatype is struct ompi_datatype_t *");
_Static_assert(SAME_TYPE(MPI_Op, ompi_op), "MPI_Op is struct ompi_op_t *");
_Static_assert(SAME_TYPE(MPI_Request, ompi_request), "MPI_Request is struct ompi_request_t *");
_Static_assert(sizeof(MPI_Status) == sizeof(ompi_status), "MPI_Status size");
_Static_assert(offsetof(MPI_Status, MPI_SOURCE) == offsetof(ompi_status, MPI_SOURCE), "MPI_SOURCE offset");
_Static_assert(offsetof(MPI_Status, MPI_TAG) == offsetof(ompi_status, MPI_TAG), "MPI_TAG offset");
_Static_assert(offsetof(MPI_Status, MPI_ERROR) == offsetof(ompi_status, MPI_ERROR), "MPI_ERROR offset");
_Static_assert(offsetof(MPI_Status, _ucount) == offsetof(ompi_status, _ucount), "_ucount offset");
_Static_assert(MPI_THREAD_SERIALIZED == OMPI_THREAD_SERIALIZED, "MPI_THREAD_SERIALIZED");
_Static_assert(MPI_ANY_SOURCE == OMPI_ANY_SOURCE, "MPI_ANY_SOURCE");
_Static_assert(MPI_SUCCESS == OMPI_SUCCESS, "MPI_SUCCESS");

int main(void) {
    // The predefined handles are the addresses of the data symbols the shim looks up by name.
    int ok = MPI_IN_PLACE == OMPI_IN_PLACE && MPI_COMM_WORLD == (MPI_Comm)&ompi_mpi_comm_world &&
             MPI_UINT8_T == (MPI_Datatype)&ompi_mpi_uint8_t && MPI_INT64_T == (MPI_Datatype)&ompi_mpi_int64_t &&
             MPI_FLOAT == (MPI_Datatype)&ompi_mpi_float && MPI_DOUBLE == (MPI_Datatype)&ompi_mpi_double &&
             MPI_SUM == (MPI_Op)&ompi_mpi_op_sum && MPI_PROD == (MPI_Op)&ompi_mpi_op_prod &&
             MPI_MIN == (MPI_Op)&ompi_mpi_op_min && MPI_MAX == (MPI_Op)&ompi_mpi_op_max &&
             MPI_REQUEST_NULL == (MPI_Request)&ompi_request_null;
    puts(ok ? "ok   Open MPI ABI (ompi_abi.h matches mpi.h)" : "FAIL Open MPI ABI: a handle is not its symbol");
    return ok ? 0 : 1;
}
