// The kernels, written once on clang vectors of VK_W lanes (the variant's register width);
// VectorKernels.c includes this file once per instruction set, with VK(name) naming the variant's
// types and functions and VK_FMA(a, b, c) its multiply-add (`a·b + c`: fused where the variant has
// FMA, two roundings in the baseline). No include guard: the file ends by undefining the variant's
// macros (VK, VK_FMA, VK_LEVEL, VK_W, VK_EVEN_LANES, VK_ODD_LANES, VK_REVERSED_LANES) for the next one.
//
// Floating-point contraction is off (VectorKernels.c), so only VK_FMA fuses: within a variant, the
// arithmetic is exactly what is written. Every lane computes the same function whatever the width;
// only the sums over a row (partial sums per lane, then the lanes in order) depend on it.

typedef float VK(f) __attribute__((ext_vector_type(VK_W)));
typedef int VK(i) __attribute__((ext_vector_type(VK_W)));

#define VK_SPLAT(value) ((VK(f))(value))

static inline __attribute__((always_inline)) VK(f) VK(load)(const float *p) {
    VK(f) v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void VK(store)(float *p, VK(f) v) { memcpy(p, &v, sizeof v); }

/// The first `n` (< VK_W) values at `p`, the other lanes `fill`.
static inline __attribute__((always_inline)) VK(f) VK(load_partial)(const float *p, ptrdiff_t n, float fill) {
    VK(f) v = VK_SPLAT(fill);
    for (ptrdiff_t lane = 0; lane < n; lane++) v[lane] = p[lane];
    return v;
}

static inline __attribute__((always_inline)) void VK(store_partial)(float *p, VK(f) v, ptrdiff_t n) {
    for (ptrdiff_t lane = 0; lane < n; lane++) p[lane] = v[lane];
}

/// `mask ? a : b` lane by lane (`mask` lanes are all ones or zero, as comparisons give).
static inline __attribute__((always_inline)) VK(f) VK(select)(VK(i) mask, VK(f) a, VK(f) b) {
    return (VK(f))((mask & (VK(i))a) | (~mask & (VK(i))b));
}

/// `Σ v[lane]`, lanes in order.
static inline __attribute__((always_inline)) float VK(sum_lanes)(VK(f) v) {
    float total = v[0];
    for (int lane = 1; lane < VK_W; lane++) total += v[lane];
    return total;
}

/// The largest lane (no lane is NaN).
static inline __attribute__((always_inline)) float VK(max_lanes)(VK(f) v) {
    float result = v[0];
    for (int lane = 1; lane < VK_W; lane++) result = v[lane] > result ? v[lane] : result;
    return result;
}

// MARK: exp (Cephes expf)

/// `exp(x)` in each lane: `x = n·ln 2 + r` with `n = round(x·log₂e)`, `|r| ≤ ln 2 / 2` (two-step
/// reduction, `ln 2 = C₁ + C₂`, `n·C₁` exact), `exp(r) ≈ 1 + r + r²·p(r)` with Cephes' degree-5
/// polynomial `p` (Horner), times `2^n` built from exponent bits as `2^a · 2^b` (`a = ⌊n/2⌋`, `b = n − a`)
/// so `n = 128` stays exact. Below `VK_EXP_LOW`: 0 (no subnormals); above `VK_EXP_HIGH`: +∞; NaN: NaN.
/// Reference: S. L. Moshier, Methods and Programs for Mathematical Functions, 1989 (Cephes expf.c).
static inline __attribute__((always_inline)) VK(f) VK(expv)(VK(f) x) {
    const VK(f) low = VK_SPLAT(VK_EXP_LOW), high = VK_SPLAT(VK_EXP_HIGH);
    // Clamp into range (NaN compares false and stays NaN); out-of-range lanes are fixed at the end.
    VK(f) v = VK(select)(x < low, low, x);
    v = VK(select)(v > high, high, v);
    // n = round(v·log₂e), by the 1.5·2²³ trick: adding it leaves n in the low mantissa bits.
    const VK(f) magic = VK_SPLAT(12582912.0f);
    const VK(f) shifted = v * 1.4426950408889634f + magic;
    const VK(f) n = shifted - magic;
    // r = v − n·ln 2 in two steps (n·C₁ is exact).
    const VK(f) r = VK_FMA(n, VK_SPLAT(2.1219444005469058e-4f), v - n * 0.693359375f);
    // exp(r) ≈ 1 + r + r²·p(r) on |r| ≤ ln 2 / 2.
    VK(f) p = VK_FMA(VK_SPLAT(1.9875691500e-4f), r, VK_SPLAT(1.3981999507e-3f));
    p = VK_FMA(p, r, VK_SPLAT(8.3334519073e-3f));
    p = VK_FMA(p, r, VK_SPLAT(4.1665795894e-2f));
    p = VK_FMA(p, r, VK_SPLAT(1.6666665459e-1f));
    p = VK_FMA(p, r, VK_SPLAT(5.0000001201e-1f));
    const VK(f) y = VK_FMA(p, r * r, r) + 1.0f;
    // 2^n = 2^a · 2^b with a = n >> 1, b = n − a (both in [−63, 64], normal), from exponent bits.
    const VK(i) integer = (VK(i))shifted - 0x4B400000;
    const VK(i) a = integer >> 1;
    const VK(i) b = integer - a;
    const VK(f) scaleA = (VK(f))((a + 127) << 23);
    const VK(f) scaleB = (VK(f))((b + 127) << 23);
    VK(f) result = y * scaleA * scaleB;
    result = VK(select)(x < low, VK_SPLAT(0.0f), result);
    result = VK(select)(x > high, VK_SPLAT(__builtin_inff()), result);
    return result;
}

// MARK: tanh

/// `tanh(x) = 1 − 2/(exp(2x) + 1)` on `x` clamped to [−10, 10]; for |x| < 0.0625, where that form
/// cancels, the odd Taylor polynomial `x − x³/3 + 2x⁵/15 − 17x⁷/315`; NaN stays NaN.
static inline __attribute__((always_inline)) VK(f) VK(tanhv)(VK(f) x) {
    VK(f) bounded = VK(select)(x < -10.0f, VK_SPLAT(-10.0f), x);
    bounded = VK(select)(x > 10.0f, VK_SPLAT(10.0f), bounded);
    const VK(f) e = VK(expv)(2.0f * bounded);
    VK(f) result = 1.0f - 2.0f / (e + 1.0f);
    const VK(f) x2 = x * x;
    VK(f) series = VK_SPLAT(-17.0f / 315.0f) * x2 + 2.0f / 15.0f;
    series = series * x2 - 1.0f / 3.0f;
    series = series * x2 + 1.0f;
    const VK(f) small = x * series;
    result = VK(select)((x < 0.0625f) & (x > -0.0625f), small, result);
    result = VK(select)(x != x, x, result);
    return result;
}

// MARK: GELU (tanh form)

/// `½x(1 + tanh(u))`, `u = √(2/π)(x + 0.044715x³)`.
static inline __attribute__((always_inline)) VK(f) VK(geluv)(VK(f) v) {
    const VK(f) cube = v * v * v;
    const VK(f) u = 0.79788456f * (v + 0.044715f * cube);
    const VK(f) half = 0.5f * v;
    return half * (1.0f + VK(tanhv)(u));
}

/// `gelu(x)` (as `geluv`) and `gelu′(x) = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)` from one `t = tanh(u)`.
static inline __attribute__((always_inline)) VK(f) VK(gelu_and_slopev)(VK(f) v, VK(f) *derivative) {
    const VK(f) cube = v * v * v;
    const VK(f) u = 0.79788456f * (v + 0.044715f * cube);
    const VK(f) half = 0.5f * v;
    const VK(f) t = VK(tanhv)(u);
    const VK(f) slope = 0.79788456f * (1.0f + 0.134145f * (v * v));  // du/dx
    *derivative = 0.5f * (1.0f + t) + half * (1.0f - t * t) * slope;
    return half * (1.0f + t);
}

/// `gelu′(x)` with `u` formed as `√(2/π)·x·(1 + 0.044715x²)`.
static inline __attribute__((always_inline)) VK(f) VK(gelu_derivativev)(VK(f) v) {
    const VK(f) v2 = v * v;
    const VK(f) inner = 1.0f + 0.044715f * v2;
    const VK(f) u = 0.79788456f * v * inner;
    const VK(f) t = VK(tanhv)(u);
    const VK(f) slope = 0.79788456f * (1.0f + 0.134145f * v2);  // du/dx
    const VK(f) left = 0.5f * (1.0f + t);
    const VK(f) right = 0.5f * v * (1.0f - t * t) * slope;
    return left + right;
}

// MARK: Buffers

/// Applies a lane function over a buffer, VK_W values at a time, the tail through a zero-padded vector.
#define VK_MAP(function, x, y, n)                                   \
    do {                                                            \
        ptrdiff_t i_ = 0;                                           \
        for (; i_ + VK_W <= (n); i_ += VK_W)                            \
            VK(store)((y) + i_, function(VK(load)((x) + i_)));        \
        if (i_ < (n)) {                                             \
            VK(f) tail_ = VK(load_partial)((x) + i_, (n) - i_, 0.0f); \
            VK(store_partial)((y) + i_, function(tail_), (n) - i_);  \
        }                                                           \
    } while (0)

static void VK(exp)(const float *x, float *y, ptrdiff_t n) { VK_MAP(VK(expv), x, y, n); }

static void VK(tanh)(const float *x, float *y, ptrdiff_t n) { VK_MAP(VK(tanhv), x, y, n); }

static void VK(gelu_tanh)(const float *x, float *y, ptrdiff_t n) { VK_MAP(VK(geluv), x, y, n); }

static void VK(gelu_tanh_activate)(float *x, float *derivative, ptrdiff_t n) {
    ptrdiff_t i = 0;
    VK(f) d;
    for (; i + VK_W <= n; i += VK_W) {
        const VK(f) y = VK(gelu_and_slopev)(VK(load)(x + i), &d);
        VK(store)(x + i, y);
        if (derivative) VK(store)(derivative + i, d);
    }
    if (i < n) {
        const VK(f) y = VK(gelu_and_slopev)(VK(load_partial)(x + i, n - i, 0.0f), &d);
        VK(store_partial)(x + i, y, n - i);
        if (derivative) VK(store_partial)(derivative + i, d, n - i);
    }
}

static void VK(gelu_tanh_backward)(const float *x, const float *dy, float *dx, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + VK_W <= n; i += VK_W) VK(store)(dx + i, VK(load)(dy + i) * VK(gelu_derivativev)(VK(load)(x + i)));
    if (i < n) {
        const VK(f) d = VK(gelu_derivativev)(VK(load_partial)(x + i, n - i, 0.0f));
        for (ptrdiff_t lane = 0; lane < n - i; lane++) dx[i + lane] = dy[i + lane] * d[lane];
    }
}

// MARK: Softmax rows

static void VK(softmax_row)(float *s, ptrdiff_t n, const float *bias, float *statistics) {
    // Pass 1: add the mask, find the maximum.
    VK(f) maxima = VK_SPLAT(-__builtin_inff());
    ptrdiff_t i = 0;
    for (; i + VK_W <= n; i += VK_W) {
        VK(f) x = VK(load)(s + i);
        if (bias) {
            x += VK(load)(bias + i);
            VK(store)(s + i, x);
        }
        maxima = VK(select)(x > maxima, x, maxima);
    }
    const ptrdiff_t tail = n - i;
    if (tail > 0) {
        VK(f) x = VK(load_partial)(s + i, tail, -__builtin_inff());
        if (bias) {
            x += VK(load_partial)(bias + i, tail, 0.0f);
            VK(store_partial)(s + i, x, tail);
        }
        maxima = VK(select)(x > maxima, x, maxima);
    }
    const float maximum = VK(max_lanes)(maxima);
    if (!(maximum > -__builtin_inff())) {
        for (ptrdiff_t j = 0; j < n; j++) s[j] = 0;
        statistics[0] = 0;
        statistics[1] = 0;
        return;
    }
    // Pass 2: exponentials and their sum.
    const VK(f) m = VK_SPLAT(maximum);
    VK(f) sums = VK_SPLAT(0.0f);
    for (i = 0; i + VK_W <= n; i += VK_W) {
        const VK(f) e = VK(expv)(VK(load)(s + i) - m);
        VK(store)(s + i, e);
        sums += e;
    }
    if (tail > 0) {
        const VK(f) e = VK(expv)(VK(load_partial)(s + i, tail, -__builtin_inff()) - m);  // padding gives 0
        VK(store_partial)(s + i, e, tail);
        sums += e;
    }
    const float inverse = 1.0f / VK(sum_lanes)(sums);
    // Pass 3: normalise.
    const VK(f) scale = VK_SPLAT(inverse);
    for (i = 0; i + VK_W <= n; i += VK_W) VK(store)(s + i, VK(load)(s + i) * scale);
    for (; i < n; i++) s[i] *= inverse;
    statistics[0] = maximum;
    statistics[1] = inverse;
}

static void VK(softmax_recompute_row)(float *s, ptrdiff_t n, const float *bias, const float *statistics) {
    const VK(f) m = VK_SPLAT(statistics[0]), scale = VK_SPLAT(statistics[1]);
    ptrdiff_t i = 0;
    for (; i + VK_W <= n; i += VK_W) {
        VK(f) x = VK(load)(s + i);
        if (bias) x += VK(load)(bias + i);
        VK(store)(s + i, VK(expv)(x - m) * scale);
    }
    const ptrdiff_t tail = n - i;
    if (tail > 0) {
        VK(f) x = VK(load_partial)(s + i, tail, 0.0f);
        if (bias) x += VK(load_partial)(bias + i, tail, 0.0f);
        VK(store_partial)(s + i, VK(expv)(x - m) * scale, tail);
    }
}

static void VK(softmax_gradient_row)(const float *p, float *g, ptrdiff_t n) {
    // D = Σ p·g with 16 partial sums.
    VK(f) sums = VK_SPLAT(0.0f);
    ptrdiff_t i = 0;
    for (; i + VK_W <= n; i += VK_W) sums += VK(load)(p + i) * VK(load)(g + i);
    float dot = VK(sum_lanes)(sums);
    for (; i < n; i++) dot += p[i] * g[i];
    const VK(f) d = VK_SPLAT(dot);
    for (i = 0; i + VK_W <= n; i += VK_W) VK(store)(g + i, VK(load)(p + i) * (VK(load)(g + i) - d));
    for (; i < n; i++) g[i] = p[i] * (g[i] - dot);
}

// MARK: DCT rows (Makhoul's reordering and combination; see CosineTransformFFT.swift)

/// The even and odd floats of the 2·VK_W floats at `p` (real and imaginary parts of VK_W complex numbers).
static inline __attribute__((always_inline)) void VK(deinterleave)(const float *p, VK(f) *even, VK(f) *odd) {
    const VK(f) a = VK(load)(p), b = VK(load)(p + VK_W);
    *even = __builtin_shufflevector(a, b, VK_EVEN_LANES);
    *odd = __builtin_shufflevector(a, b, VK_ODD_LANES);
}

static inline __attribute__((always_inline)) VK(f) VK(reversed)(VK(f) v) {
    return __builtin_shufflevector(v, v, VK_REVERSED_LANES);
}

static void VK(dct_gather_reordered)(const float *x, const float *f, float s, float *v, ptrdiff_t n) {
    const VK(f) scale = VK_SPLAT(s);
    ptrdiff_t m = 0;
    for (; 2 * m + 2 * VK_W <= n; m += VK_W) {
        VK(f) xe, xo, fe, fo;
        VK(deinterleave)(x + 2 * m, &xe, &xo);
        VK(deinterleave)(f + 2 * m, &fe, &fo);
        VK(store)(v + m, scale * fe * xe);
        VK(store)(v + n - m - VK_W, VK(reversed)(scale * fo * xo));  // x[2m+1+2j] → v[n−1−m−j]
    }
    for (; 2 * m < n; m++) {
        v[m] = s * f[2 * m] * x[2 * m];
        if (2 * m + 1 < n) v[n - 1 - m] = s * f[2 * m + 1] * x[2 * m + 1];
    }
}

static void VK(dct_output_row)(
    const float *z, float alphaRe, float alphaIm, const float *mirror, float betaRe, float betaIm,
    const float *firstRe, const float *firstIm, const float *secondRe, const float *secondIm, float *y,
    ptrdiff_t n, ptrdiff_t half
) {
#define VK_COMBINED(l, re, im)                                                         \
    VK(f) re, im;                                                                      \
    do {                                                                               \
        VK(f) zr, zi, mr, mi;                                                          \
        VK(deinterleave)(z + 2 * (l), &zr, &zi);                                       \
        VK(deinterleave)(mirror + 2 * (l), &mr, &mi);                                  \
        re = alphaRe * zr - alphaIm * zi + betaRe * mr - betaIm * mi;                  \
        im = alphaRe * zi + alphaIm * zr + betaRe * mi + betaIm * mr;                  \
    } while (0)
#define VK_COMBINED_SCALAR(l, re, im)                                                  \
    const float zr_ = z[2 * (l)], zi_ = z[2 * (l) + 1];                               \
    const float mr_ = mirror[2 * (l)], mi_ = mirror[2 * (l) + 1];                     \
    const float re = alphaRe * zr_ - alphaIm * zi_ + betaRe * mr_ - betaIm * mi_;     \
    const float im = alphaRe * zi_ + alphaIm * zr_ + betaRe * mi_ + betaIm * mr_
    ptrdiff_t l = 0;
    for (; l + VK_W <= half; l += VK_W) {
        VK_COMBINED(l, re, im);
        VK(store)(y + l, VK(load)(firstRe + l) * re - VK(load)(firstIm + l) * im);
    }
    for (; l < half; l++) {
        VK_COMBINED_SCALAR(l, re, im);
        y[l] = firstRe[l] * re - firstIm[l] * im;
    }
    const ptrdiff_t mirrored = n - half;
    for (l = 1; l + VK_W - 1 <= mirrored; l += VK_W) {
        VK_COMBINED(l, re, im);
        const VK(f) v = VK(load)(secondRe + l) * im + VK(load)(secondIm + l) * re;
        VK(store)(y + n - l - (VK_W - 1), VK(reversed)(v));  // y[n − (l + j)] for j = 0…VK_W−1
    }
    for (; l <= mirrored; l++) {
        VK_COMBINED_SCALAR(l, re, im);
        y[n - l] = secondRe[l] * im + secondIm[l] * re;
    }
#undef VK_COMBINED
#undef VK_COMBINED_SCALAR
}

static const mixlab_vector_kernels VK(table) = {
    .level = VK_LEVEL,
    .exp = VK(exp),
    .tanh = VK(tanh),
    .gelu_tanh = VK(gelu_tanh),
    .gelu_tanh_activate = VK(gelu_tanh_activate),
    .gelu_tanh_backward = VK(gelu_tanh_backward),
    .softmax_row = VK(softmax_row),
    .softmax_recompute_row = VK(softmax_recompute_row),
    .softmax_gradient_row = VK(softmax_gradient_row),
    .dct_gather_reordered = VK(dct_gather_reordered),
    .dct_output_row = VK(dct_output_row),
};

#undef VK_SPLAT
#undef VK
#undef VK_FMA
#undef VK_LEVEL
#undef VK_W
#undef VK_EVEN_LANES
#undef VK_ODD_LANES
#undef VK_REVERSED_LANES
