// GSL (Debian: libgsl-dev): wavelets, symmetric eigensolver, special functions, distributions.
//
// GSL's headers bring in its own `gsl_cblas.h`. No other CBLAS header may join them in this module (their
// enums clash): MixLab's BLAS calls go through COpenBLAS, which declares no CBLAS names.
#ifndef MIXLAB_CGSL_SHIM_H
#define MIXLAB_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_wavelet.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix_double.h>
#include <gsl/gsl_vector_double.h>
#include <gsl/gsl_sf_legendre.h>
#include <gsl/gsl_cdf.h>

// Swift 6 rejects references to mutable C globals: these accessors return GSL's wavelet types.
static inline const gsl_wavelet_type *mixlab_gsl_wavelet_haar(void) { return gsl_wavelet_haar; }
static inline const gsl_wavelet_type *mixlab_gsl_wavelet_haar_centered(void) { return gsl_wavelet_haar_centered; }
static inline const gsl_wavelet_type *mixlab_gsl_wavelet_daubechies(void) { return gsl_wavelet_daubechies; }
static inline const gsl_wavelet_type *mixlab_gsl_wavelet_daubechies_centered(void) { return gsl_wavelet_daubechies_centered; }
static inline const gsl_wavelet_type *mixlab_gsl_wavelet_bspline(void) { return gsl_wavelet_bspline; }
static inline const gsl_wavelet_type *mixlab_gsl_wavelet_bspline_centered(void) { return gsl_wavelet_bspline_centered; }
static inline const char *mixlab_gsl_version(void) { return gsl_version; }
// The 2-D wavelet transforms (MixLab tests pin the separable wavelet mixer to gsl_wavelet2d_transform).
#include <gsl/gsl_wavelet2d.h>
#endif
