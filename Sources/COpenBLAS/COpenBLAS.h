// OpenBLAS's CBLAS interface (Debian's libopenblas-dev, pkg-config "openblas"): sgemm/dgemm.
#include <cblas.h>
