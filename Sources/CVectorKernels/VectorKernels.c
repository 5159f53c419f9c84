// The variants of the vector kernels (VectorKernelsBody.h) and the run-time choice between them; see
// include/CVectorKernels.h.
#include "CVectorKernels.h"

#include <stdlib.h>
#include <string.h>

// Only explicit multiply-adds (VK_FMA) fuse: every variant's arithmetic is exactly what is written.
#pragma clang fp contract(off)

// Lane lists of the shuffles, per width: even and odd lanes of two vectors, and one vector reversed.
#define VK_EVEN_16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define VK_ODD_16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define VK_REVERSED_16 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
#define VK_EVEN_8 0, 2, 4, 6, 8, 10, 12, 14
#define VK_ODD_8 1, 3, 5, 7, 9, 11, 13, 15
#define VK_REVERSED_8 7, 6, 5, 4, 3, 2, 1, 0
#define VK_EVEN_4 0, 2, 4, 6
#define VK_ODD_4 1, 3, 5, 7
#define VK_REVERSED_4 3, 2, 1, 0

#define VK_EXP_LOW (-87.33654f)
#define VK_EXP_HIGH (88.72283f)

#if defined(__x86_64__)

#define VK_TARGET_AVX512 "avx512f,avx2,fma,avx,popcnt,bmi,bmi2,f16c,lzcnt"
#define VK_TARGET_AVX2 "avx2,fma,avx,popcnt,bmi,bmi2,f16c,lzcnt"

// AVX-512F
#pragma clang attribute push(__attribute__((target(VK_TARGET_AVX512))), apply_to = function)
#define VK(name) vk_avx512_##name
#define VK_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define VK_LEVEL MIXLAB_ISA_AVX512F
#define VK_W 16
#define VK_EVEN_LANES VK_EVEN_16
#define VK_ODD_LANES VK_ODD_16
#define VK_REVERSED_LANES VK_REVERSED_16
#include "VectorKernelsBody.h"
#pragma clang attribute pop

// AVX2 + FMA
#pragma clang attribute push(__attribute__((target(VK_TARGET_AVX2))), apply_to = function)
#define VK(name) vk_avx2_##name
#define VK_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define VK_LEVEL MIXLAB_ISA_AVX2_FMA
#define VK_W 8
#define VK_EVEN_LANES VK_EVEN_8
#define VK_ODD_LANES VK_ODD_8
#define VK_REVERSED_LANES VK_REVERSED_8
#include "VectorKernelsBody.h"
#pragma clang attribute pop

#endif

// The baseline of the platform (SSE2 on x86-64): no FMA instruction, so the product is rounded first.
#define VK(name) vk_base_##name
#define VK_FMA(a, b, c) ((a) * (b) + (c))
#if defined(__x86_64__)
#define VK_LEVEL MIXLAB_ISA_X86_64
#else
#define VK_LEVEL MIXLAB_ISA_PORTABLE
#endif
#define VK_W 4
#define VK_EVEN_LANES VK_EVEN_4
#define VK_ODD_LANES VK_ODD_4
#define VK_REVERSED_LANES VK_REVERSED_4
#include "VectorKernelsBody.h"

// MARK: Choice

int mixlab_kernels_cpu_isa_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return MIXLAB_ISA_AVX512F;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return MIXLAB_ISA_AVX2_FMA;
    return MIXLAB_ISA_X86_64;
#else
    return MIXLAB_ISA_PORTABLE;
#endif
}

int mixlab_kernels_compiled_isa_level(void) { return MIXLAB_IMPORTER_ISA_LEVEL; }

const mixlab_vector_kernels *mixlab_vector_kernels_for_level(int level) {
    if (level > mixlab_kernels_cpu_isa_level()) return NULL;
    switch (level) {
#if defined(__x86_64__)
    case MIXLAB_ISA_AVX512F: return &vk_avx512_table;
    case MIXLAB_ISA_AVX2_FMA: return &vk_avx2_table;
    case MIXLAB_ISA_X86_64: return &vk_base_table;
#else
    case MIXLAB_ISA_PORTABLE: return &vk_base_table;
#endif
    default: return NULL;
    }
}

/// The variant in use: the CPU's best, lowered by MIXLAB_KERNEL_ISA (`x86-64`, `avx2`, `avx512f`) when
/// set to a level the CPU supports. Chosen once; a race between first calls picks the same table.
static const mixlab_vector_kernels *chosen(void) {
    static const mixlab_vector_kernels *table;
    const mixlab_vector_kernels *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
    if (t) return t;
    int level = mixlab_kernels_cpu_isa_level();
    const char *requested = getenv("MIXLAB_KERNEL_ISA");
    if (requested) {
        int wanted = -1;
        if (strcmp(requested, "x86-64") == 0 || strcmp(requested, "baseline") == 0) wanted = MIXLAB_ISA_X86_64;
        if (strcmp(requested, "avx2") == 0) wanted = MIXLAB_ISA_AVX2_FMA;
        if (strcmp(requested, "avx512f") == 0) wanted = MIXLAB_ISA_AVX512F;
        if (wanted >= 0 && wanted < level) level = wanted;
    }
    t = mixlab_vector_kernels_for_level(level);
    if (!t) t = &vk_base_table;
    __atomic_store_n(&table, t, __ATOMIC_RELEASE);
    return t;
}

int mixlab_kernels_isa_level(void) { return chosen()->level; }

void mixlab_exp(const float *x, float *y, ptrdiff_t n) { chosen()->exp(x, y, n); }
void mixlab_tanh(const float *x, float *y, ptrdiff_t n) { chosen()->tanh(x, y, n); }
void mixlab_gelu_tanh(const float *x, float *y, ptrdiff_t n) { chosen()->gelu_tanh(x, y, n); }
void mixlab_gelu_tanh_activate(float *x, float *derivative, ptrdiff_t n) {
    chosen()->gelu_tanh_activate(x, derivative, n);
}
void mixlab_gelu_tanh_backward(const float *x, const float *dy, float *dx, ptrdiff_t n) {
    chosen()->gelu_tanh_backward(x, dy, dx, n);
}
void mixlab_softmax_row(float *s, ptrdiff_t n, const float *bias, float *statistics) {
    chosen()->softmax_row(s, n, bias, statistics);
}
void mixlab_softmax_recompute_row(float *s, ptrdiff_t n, const float *bias, const float *statistics) {
    chosen()->softmax_recompute_row(s, n, bias, statistics);
}
void mixlab_softmax_gradient_row(const float *p, float *g, ptrdiff_t n) { chosen()->softmax_gradient_row(p, g, n); }
void mixlab_dct_gather_reordered(const float *x, const float *f, float s, float *v, ptrdiff_t n) {
    chosen()->dct_gather_reordered(x, f, s, v, n);
}
void mixlab_dct_output_row(
    const float *z, float alphaRe, float alphaIm, const float *mirror, float betaRe, float betaIm,
    const float *firstRe, const float *firstIm, const float *secondRe, const float *secondIm, float *y,
    ptrdiff_t n, ptrdiff_t half
) {
    chosen()->dct_output_row(z, alphaRe, alphaIm, mirror, betaRe, betaIm, firstRe, firstIm, secondRe, secondIm, y, n, half);
}
