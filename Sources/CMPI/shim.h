// Open MPI for Swift. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and MPI_IN_PLACE are macros that cast
// the addresses of library globals, which Swift cannot import: they are wrapped here, as the GMP
// shim wraps gmp.h's macros.
#include <mpi.h>

static inline MPI_Comm lab_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype lab_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype lab_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype lab_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype lab_mpi_int(void) { return MPI_INT; }
static inline MPI_Op lab_mpi_sum(void) { return MPI_SUM; }
static inline void *lab_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int lab_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int lab_mpi_success(void) { return MPI_SUCCESS; }
