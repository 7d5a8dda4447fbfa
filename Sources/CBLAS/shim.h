// OpenBLAS's C interface (cblas_sgemm and friends) and its thread control.
#include <cblas.h>
