// OpenBLAS is opened with dlopen on the first matrix product, not linked.
//
// Why: Debian's OpenBLAS (0.3.21, built DYNAMIC_ARCH) carries ~14 000 symbol relocations in
// its kernel tables, which the dynamic linker resolves one by one at start-up: 13.7 M of the
// 23.5 M instructions of an empty script, before a line of it ran. It also starts one thread
// per core as it loads, which the engine stops again at once (BlasThreads.swift). Opened here
// on first use, a script that multiplies no matrices pays for neither; one that does pays the
// same once, at its first product.
//
// The loader sets OpenBLAS to one thread and stops its server threads before any product
// runs: products split over the engine's own pool (BlasProduct.swift), and the reasons are in
// BlasThreads.swift.
#include "COpenBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef void (*lg_sgemm_fn)(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, int, int, int, float,
                            const float *, int, const float *, int, float, float *, int);
typedef void (*lg_dgemm_fn)(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, int, int, int, double,
                            const double *, int, const double *, int, double, double *, int);

static pthread_once_t lg_once = PTHREAD_ONCE_INIT;
static void *lg_library;
static lg_sgemm_fn lg_sgemm_ptr;
static lg_dgemm_fn lg_dgemm_ptr;

// Why the load failed (dlerror's text), empty while it has not: kept for every later caller.
static char lg_failure[512];

// The library (its Debian soname, which the build linked before) and its functions, or NULL
// with the reason kept in `lg_failure`: the engine then fails each product with that message
// (a Lua error), and a host that multiplies no matrices goes on as before.
static void *lg_require(void *found, const char *what) {
    if (found != NULL || lg_failure[0] != 0) return found;
    const char *reason = dlerror();
    snprintf(lg_failure, sizeof lg_failure, "cannot load OpenBLAS (%s): %s", what, reason ? reason : "not found");
    return NULL;
}

// Lazy binding: OpenBLAS's ~2 000 calls through its PLT (libc, libgfortran) are bound when
// first made. Each of its ~14 000 data relocations is still looked up at load, in the program's
// global scope first (the `luagrad` program links the Swift runtime statically to keep that
// scope short). RTLD_DEEPBIND would look in OpenBLAS first, but then binds its malloc and free
// to glibc's heap beside the program's jemalloc, and a process that did so aborted at exit
// ("munmap_chunk(): invalid pointer").
static void lg_load(void) {
    void *library = lg_require(dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_LOCAL), "libopenblas.so.0");
    if (library == NULL) return;
    lg_sgemm_ptr = (lg_sgemm_fn)lg_require(dlsym(library, "cblas_sgemm"), "cblas_sgemm");
    lg_dgemm_ptr = (lg_dgemm_fn)lg_require(dlsym(library, "cblas_dgemm"), "cblas_dgemm");
    void (*set_threads)(int) = (void (*)(int))lg_require(dlsym(library, "openblas_set_num_threads"),
                                                         "openblas_set_num_threads");
    if (lg_failure[0] != 0) return;
    set_threads(1);
    // The pthreads build's own exit path for its server threads (0.3.21); other builds lack it.
    int (*shutdown)(void) = (int (*)(void))dlsym(library, "blas_thread_shutdown_");
    if (shutdown != NULL) shutdown();
    lg_library = library;
}

const char *lg_openblas_load(void) {
    pthread_once(&lg_once, lg_load);
    return lg_library != NULL ? NULL : lg_failure;
}

void *lg_openblas_symbol(const char *name) {
    if (lg_openblas_load() != NULL) return NULL;
    return dlsym(lg_library, name);
}

// A product that overwrites C (beta 0) is sent as one that adds to a C zeroed here (beta 1).
//
// Why: OpenBLAS computes beta 0 as two passes, its `gemm_beta` kernel zeroing C and then the
// product added onto it, and on this machine's Zen kernels that zeroing is a scalar loop:
// 33 µs of a 179 µs single-threaded 400×256×64 product (18% of its perf samples), where
// memset writes the same 400 KB in a few microseconds. The product kernel that follows is the
// same in both cases and adds onto +0.0, so every entry comes out with the same bits.
static void lg_zero_rows(void *c, size_t element, CBLAS_ORDER order, int m, int n, int ldc) {
    int rows = order == CblasRowMajor ? m : n, columns = order == CblasRowMajor ? n : m;
    if (rows <= 0 || columns <= 0) return;
    if (ldc == columns) {
        memset(c, 0, element * (size_t)rows * (size_t)columns);
        return;
    }
    for (int r = 0; r < rows; r++) memset((char *)c + element * (size_t)r * (size_t)ldc, 0, element * (size_t)columns);
}

void lg_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB, int m, int n, int k,
              float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (beta == 0) {
        lg_zero_rows(c, sizeof(float), order, m, n, ldc);
        beta = 1;
    }
    lg_sgemm_ptr(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void lg_dgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB, int m, int n, int k,
              double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc) {
    if (beta == 0) {
        lg_zero_rows(c, sizeof(double), order, m, n, ldc);
        beta = 1;
    }
    lg_dgemm_ptr(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
