// MixLab's elementwise kernels where the instruction set matters most (exp, tanh, GELU, softmax rows,
// the fast DCT's row passes), compiled once per instruction set and chosen at run time.
//
// Swift has no per-function target attributes, and SwiftPM passes no `-target-cpu` to a package's
// dependencies, so MixLab's own Swift loops compile for the baseline of the platform (SSE2 on x86-64:
// no fused multiply-add, 128-bit vectors). These kernels are the loops where that costs most. They are
// written once (VectorKernelsBody.h, on clang vectors of the variant's register width: 16, 8 or 4
// lanes) and compiled three times on x86-64: AVX-512F (with FMA), AVX2 + FMA, and the baseline; the first call picks the best variant this CPU
// supports (`__builtin_cpu_supports`) and every later call uses it, so a process, and every process
// on the same machine, computes bitwise the same results. Elsewhere only the baseline variant exists.
//
// The variants differ in rounding only: the FMA variants fuse the multiply-adds of `exp`'s range
// reduction and polynomial, the baseline rounds each product first; and the sums over a softmax row
// keep one partial sum per lane of the variant's width. No kernel allocates memory. O(n) each.
#ifndef MIXLAB_CVECTORKERNELS_H
#define MIXLAB_CVECTORKERNELS_H

#include <stddef.h>

// What the Swift module that imports this header is compiled for: the clang importer sees the Swift
// compiler's target CPU (`-target-cpu`), so these macros are a compile-time check of the importing
// module's instruction set (Swift itself has no `#if` on target features).
#if defined(__AVX512F__)
#define MIXLAB_IMPORTER_ISA_LEVEL 3
#elif defined(__AVX2__) && defined(__FMA__)
#define MIXLAB_IMPORTER_ISA_LEVEL 2
#elif defined(__x86_64__)
#define MIXLAB_IMPORTER_ISA_LEVEL 1
#else
#define MIXLAB_IMPORTER_ISA_LEVEL 0
#endif

/// Instruction-set levels of the kernel variants.
enum {
    /// Not x86-64: the one portable variant.
    MIXLAB_ISA_PORTABLE = 0,
    /// x86-64 baseline (SSE2).
    MIXLAB_ISA_X86_64 = 1,
    /// AVX2 with FMA.
    MIXLAB_ISA_AVX2_FMA = 2,
    /// AVX-512F (with AVX2 and FMA).
    MIXLAB_ISA_AVX512F = 3,
};

/// The level of the variant every kernel call uses in this process (chosen at the first call).
int mixlab_kernels_isa_level(void);

/// The highest level this CPU supports, ignoring any override (see `mixlab_kernels_isa_level`).
int mixlab_kernels_cpu_isa_level(void);

/// The level MIXLAB_IMPORTER_ISA_LEVEL had when this C file was compiled (C targets get no
/// `-target-cpu`; this is 1 on x86-64 unless the build passed C flags).
int mixlab_kernels_compiled_isa_level(void);

/// One variant's kernels, for tests that compare variants; see the dispatched functions below.
typedef struct {
    int level;
    void (*exp)(const float *x, float *y, ptrdiff_t n);
    void (*tanh)(const float *x, float *y, ptrdiff_t n);
    void (*gelu_tanh)(const float *x, float *y, ptrdiff_t n);
    void (*gelu_tanh_activate)(float *x, float *derivative, ptrdiff_t n);
    void (*gelu_tanh_backward)(const float *x, const float *dy, float *dx, ptrdiff_t n);
    void (*softmax_row)(float *s, ptrdiff_t n, const float *bias, float *statistics);
    void (*softmax_recompute_row)(float *s, ptrdiff_t n, const float *bias, const float *statistics);
    void (*softmax_gradient_row)(const float *p, float *g, ptrdiff_t n);
    void (*dct_gather_reordered)(const float *x, const float *f, float s, float *v, ptrdiff_t n);
    void (*dct_output_row)(
        const float *z, float alphaRe, float alphaIm, const float *mirror, float betaRe, float betaIm,
        const float *firstRe, const float *firstIm, const float *secondRe, const float *secondIm, float *y,
        ptrdiff_t n, ptrdiff_t half);
} mixlab_vector_kernels;

/// The variant of `level`, or NULL when this CPU (or platform) does not support it.
const mixlab_vector_kernels *mixlab_vector_kernels_for_level(int level);

/// `y[i] = exp(x[i])` for `i < n` (Cephes `expf`, ≈ 1 ulp; below ≈ −87.34 gives 0, above ≈ 88.72 +∞).
/// `x` and `y` may be the same buffer.
void mixlab_exp(const float *x, float *y, ptrdiff_t n);

/// `y[i] = tanh(x[i])` (absolute error below 2e-7). `x` and `y` may be the same buffer.
void mixlab_tanh(const float *x, float *y, ptrdiff_t n);

/// `y[i] = gelu(x[i])`, tanh form: `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`. May be in place.
void mixlab_gelu_tanh(const float *x, float *y, ptrdiff_t n);

/// In place `x ← gelu(x)` (bitwise as `mixlab_gelu_tanh`); writes `gelu′` at the input to
/// `derivative` when it is not NULL.
void mixlab_gelu_tanh_activate(float *x, float *derivative, ptrdiff_t n);

/// `dx[i] = dy[i] · gelu′(x[i])` (tanh form).
void mixlab_gelu_tanh_backward(const float *x, const float *dy, float *dx, ptrdiff_t n);

/// In place `s ← softmax(s + bias)` over one row of `n` scores (`bias` may be NULL); writes the row
/// maximum and the reciprocal of the sum of exponentials to `statistics[0]`, `statistics[1]`. A row
/// without a finite score becomes zeros with statistics `(0, 0)`.
void mixlab_softmax_row(float *s, ptrdiff_t n, const float *bias, float *statistics);

/// In place `s ← exp(s + bias − statistics[0]) · statistics[1]`: bitwise the probabilities
/// `mixlab_softmax_row` produced from the same scores.
void mixlab_softmax_recompute_row(float *s, ptrdiff_t n, const float *bias, const float *statistics);

/// In place `g ← p ⊙ (g − Σ p ⊙ g)`: the softmax backward for one row.
void mixlab_softmax_gradient_row(const float *p, float *g, ptrdiff_t n);

/// Makhoul's reordering of one row of `n` floats, scaled: `v[m] = s·f[2m]·x[2m]`,
/// `v[n−1−m] = s·f[2m+1]·x[2m+1]` (each product as `(s·f)·x`).
void mixlab_dct_gather_reordered(const float *x, const float *f, float s, float *v, ptrdiff_t n);

/// One output row of the fast DCT-II: `A = α·z + β·mirror` (interleaved complex, `half` values), then
/// `y[l] = Re(first[l]·A[l])` for `l < half` and `y[n−l] = Im(second[l]·A[l])` for `1 ≤ l ≤ n − half`
/// (`first`, `second` as split real and imaginary parts).
void mixlab_dct_output_row(
    const float *z, float alphaRe, float alphaIm, const float *mirror, float betaRe, float betaIm,
    const float *firstRe, const float *firstIm, const float *secondRe, const float *secondIm, float *y,
    ptrdiff_t n, ptrdiff_t half);

#endif
