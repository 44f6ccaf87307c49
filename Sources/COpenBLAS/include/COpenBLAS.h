// OpenBLAS, opened on first use (see openblas_loader.c): the two products the engine calls and a
// look-up of the library's own symbols. The declarations follow CBLAS's (same values, same
// argument order), so the engine needs no BLAS header at build time.
#ifndef COPENBLAS_H
#define COPENBLAS_H

typedef enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 } CBLAS_ORDER;
typedef enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 } CBLAS_TRANSPOSE;

/// `cblas_sgemm` of the process's OpenBLAS; only after `lg_openblas_load` succeeded.
void lg_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB, int m, int n, int k,
              float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// `cblas_dgemm` of the process's OpenBLAS; only after `lg_openblas_load` succeeded.
void lg_dgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB, int m, int n, int k,
              double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);

/// Loads OpenBLAS and sets it to one thread, once per process (later calls return at once).
/// Returns NULL when it is loaded, else why it could not be (the same text on every call).
const char *lg_openblas_load(void);

/// A symbol of the loaded OpenBLAS (its own internals included), or NULL (also when it could
/// not be loaded); loads it first.
void *lg_openblas_symbol(const char *name);

#endif
