// See COpenBLAS.h for why OpenBLAS is opened here rather than linked.
#define _GNU_SOURCE
#include "COpenBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int,
                         double, double *, int);
typedef char *(*string_fn)(void);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512] = "";
static char requested_coretype[32] = "";
static char coretype_reason[160] = "";

static sgemm_fn blas_sgemm;
static dgemm_fn blas_dgemm;
static string_fn blas_corename;
static string_fn blas_config;
static set_threads_fn blas_set_threads;
static get_threads_fn blas_get_threads;

// The library names Debian installs (the alternatives link first, then the pthread variant itself).
static const char *const library_names[] = {
    "libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
};

// Chooses OPENBLAS_CORETYPE from the CPU's features unless the user already set it.
static void choose_coretype(void) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user != NULL && user[0] != '\0') {
        snprintf(requested_coretype, sizeof requested_coretype, "%s", user);
        snprintf(coretype_reason, sizeof coretype_reason, "set by the user (OPENBLAS_CORETYPE)");
        return;
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    const char *choice = NULL;
    const char *reason = NULL;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
        if (__builtin_cpu_supports("avx512bf16")) {
            choice = "Cooperlake";
            reason = "chosen by MixLab: the CPU has AVX-512 with BF16";
        } else {
            choice = "SkylakeX";
            reason = "chosen by MixLab: the CPU has AVX-512";
        }
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        choice = "Haswell";
        reason = "chosen by MixLab: the CPU has AVX2 and FMA";
    }
    if (choice != NULL) {
        setenv("OPENBLAS_CORETYPE", choice, 0);
        snprintf(requested_coretype, sizeof requested_coretype, "%s", choice);
        snprintf(coretype_reason, sizeof coretype_reason, "%s", reason);
        return;
    }
#endif
    snprintf(coretype_reason, sizeof coretype_reason, "left to OpenBLAS's own CPU detection");
}

static void load(void) {
    choose_coretype();
    void *handle = NULL;
    const char *last_error = "";
    const char *chosen = getenv("MIXLAB_OPENBLAS_LIBRARY");
    if (chosen != NULL && chosen[0] != '\0') {
        handle = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            snprintf(load_error, sizeof load_error,
                     "OpenBLAS could not be opened from MIXLAB_OPENBLAS_LIBRARY=%s (%s)", chosen, dlerror());
            load_status = 1;
            return;
        }
    }
    for (size_t i = 0; i < sizeof library_names / sizeof library_names[0] && handle == NULL; i++) {
        handle = dlopen(library_names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) last_error = dlerror();
    }
    if (handle == NULL) {
        snprintf(load_error, sizeof load_error, "OpenBLAS could not be opened (%s)", last_error);
        load_status = 1;
        return;
    }
    blas_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    blas_dgemm = (dgemm_fn)dlsym(handle, "cblas_dgemm");
    blas_corename = (string_fn)dlsym(handle, "openblas_get_corename");
    blas_config = (string_fn)dlsym(handle, "openblas_get_config");
    blas_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    blas_get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    if (!blas_sgemm || !blas_dgemm || !blas_corename || !blas_config || !blas_set_threads ||
        !blas_get_threads) {
        snprintf(load_error, sizeof load_error,
                 "the library opened as OpenBLAS lacks cblas_sgemm or openblas_* functions; "
                 "reinstall it with `sudo apt-get install --reinstall libopenblas0-pthread`");
        load_status = 2;
        return;
    }
    load_status = 0;
}

int mixlab_openblas_load(void) {
    pthread_once(&load_once, load);
    return load_status;
}

const char *mixlab_openblas_error(void) { return load_error; }
const char *mixlab_openblas_requested_coretype(void) { return requested_coretype; }
const char *mixlab_openblas_coretype_reason(void) { return coretype_reason; }
const char *mixlab_openblas_corename(void) { return load_status == 0 ? blas_corename() : ""; }
const char *mixlab_openblas_config(void) { return load_status == 0 ? blas_config() : ""; }

void mixlab_openblas_set_threads(int threads) {
    if (load_status == 0) blas_set_threads(threads);
}

int mixlab_openblas_threads(void) { return load_status == 0 ? blas_get_threads() : 0; }

void mixlab_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    blas_sgemm(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void mixlab_dgemm(int order, int trans_a, int trans_b, int m, int n, int k, double alpha,
                  const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc) {
    blas_dgemm(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
