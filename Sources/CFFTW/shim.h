// FFTW 3, single precision, with its threads library (Debian: libfftw3-dev).
#include <fftw3.h>

// FFTW's version string (an array global, which Swift cannot import directly).
static inline const char *mixlab_fftwf_version(void) { return fftwf_version; }
