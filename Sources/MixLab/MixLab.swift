// MixLab: token-mixing transforms for FNet-style encoders.
//
// `import MixLab` brings in every library layer: the core types (Tensor, Parameter, SeededRandom,
// MixLabError, AtomicFile), the transform kernels (FFTW, OpenBLAS, GSL, dense references), the mixers
// with their protocol and registry, the models, the learning tasks, the communicators of data-parallel
// training, the trainer, and studies with their reports. The conformance kit (`MixLabTestKit`), the notebook engine (`MixLabNotebooks`) and the
// command line (`MixLabCommandLine`) are separate products.
@_exported import MixLabCore
@_exported import MixLabKernels
@_exported import MixLabMixers
@_exported import MixLabModels
@_exported import MixLabTasks
@_exported import MixLabDistributed
@_exported import MixLabTraining
@_exported import MixLabStudies
