// MixLab: token-mixing transforms for FNet-style encoders.
//
// `import MixLab` brings in the core types (Tensor, Parameter, SeededRandom, MixLabError), the
// transform kernels (FFTW, OpenBLAS, dense references), the mixers with their protocol and registry,
// the models and training pieces, and the experiment tasks.
@_exported import MixLabCore
@_exported import MixLabKernels
@_exported import MixLabMixers
@_exported import MixLabModels
@_exported import MixLabExperiments
