// OpenBLAS, opened at first use so that its kernels can be chosen before it initialises.
//
// OpenBLAS picks its kernels (the "core type") in a library constructor, from the CPU it sees. Debian's
// OpenBLAS 0.3.21 does not recognise some recent CPUs and silently falls back to SSE3 kernels that are
// 5-8x slower. The only way to choose is the environment variable OPENBLAS_CORETYPE, read when the
// library loads, so it has to be set before the library is loaded: this loader sets it from the CPU's
// features (unless the user set it) and then opens libopenblas with dlopen. A missing library is
// reported as an error message instead of stopping the process at start-up.
//
// MIXLAB_OPENBLAS_LIBRARY, when set, names the library file to open instead of Debian's (for instance a
// newer OpenBLAS built for this CPU).
#ifndef MIXLAB_COPENBLAS_H
#define MIXLAB_COPENBLAS_H

#include <stddef.h>

/// CBLAS constants (the values are fixed by the CBLAS standard).
enum { MIXLAB_BLAS_ROW_MAJOR = 101, MIXLAB_BLAS_NO_TRANS = 111, MIXLAB_BLAS_TRANS = 112 };

/// Loads OpenBLAS once (thread-safe). Returns 0 on success; otherwise a non-zero value and the reason
/// in `mixlab_openblas_error()`.
int mixlab_openblas_load(void);

/// Why the last load failed, or an empty string.
const char *mixlab_openblas_error(void);

/// The core type MixLab asked for ("" when it left the choice to OpenBLAS) and why.
const char *mixlab_openblas_requested_coretype(void);
const char *mixlab_openblas_coretype_reason(void);

/// OpenBLAS's own report of the kernels in use and its build configuration (after a successful load).
const char *mixlab_openblas_corename(void);
const char *mixlab_openblas_config(void);

/// Thread count used by OpenBLAS for its level-3 routines.
void mixlab_openblas_set_threads(int threads);
int mixlab_openblas_threads(void);

/// C = alpha * op(A) * op(B) + beta * C in single precision (cblas_sgemm). Requires a successful load.
void mixlab_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// C = alpha * op(A) * op(B) + beta * C in double precision (cblas_dgemm). Requires a successful load.
void mixlab_dgemm(int order, int trans_a, int trans_b, int m, int n, int k, double alpha,
                  const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);

#endif
