// swift-tools-version:6.0
// MixLab: token-mixing transforms for FNet-style encoders.
// Licensed under the Apache License, Version 2.0 (see LICENSE).
import PackageDescription

let package = Package(
    name: "MixLab",
    products: [
        .library(name: "MixLab", targets: ["MixLab"]),
        .library(name: "MixLabCore", targets: ["MixLabCore"]),
        .library(name: "MixLabKernels", targets: ["MixLabKernels"]),
        .library(name: "MixLabMixers", targets: ["MixLabMixers"]),
        .library(name: "MixLabModels", targets: ["MixLabModels"]),
        .library(name: "MixLabTestKit", targets: ["MixLabTestKit"]),
        .library(name: "MixLabTasks", targets: ["MixLabTasks"]),
        .library(name: "MixLabDistributed", targets: ["MixLabDistributed"]),
        .library(name: "MixLabTraining", targets: ["MixLabTraining"]),
        .library(name: "MixLabStudies", targets: ["MixLabStudies"]),
        .library(name: "MixLabNotebooks", targets: ["MixLabNotebooks"]),
        // The `mixlab` command as a library: a package that defines mixers runs it with them registered.
        .library(name: "MixLabCommandLine", targets: ["MixLabCommandLine"]),
        .executable(name: "mixlab", targets: ["mixlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Study spec files (YAML with line numbers for errors).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `make docs`: the DocC reference of every library target.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // C system libraries (Debian packages; `make deps` installs them).
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // OpenBLAS is opened at first use, after its core type is chosen (see COpenBLAS/loader.c).
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
        // prctl(PR_SET_PDEATHSIG) for the training processes a study starts (prctl is variadic).
        .target(name: "CProcessControl"),
        // exp, tanh, GELU, softmax rows and DCT row passes compiled for AVX-512F, AVX2+FMA and the baseline, chosen at run
        // time: fast in a plain `swift build` of a dependant, which compiles Swift for the baseline only.
        .target(name: "CVectorKernels"),

        .target(name: "MixLabCore"),
        .target(name: "MixLabKernels", dependencies: ["MixLabCore", "CFFTW", "CGSL", "COpenBLAS", "CVectorKernels"]),
        .target(name: "MixLabMixers", dependencies: ["MixLabCore", "MixLabKernels"]),
        .target(name: "MixLabModels", dependencies: ["MixLabCore", "MixLabKernels", "MixLabMixers"]),
        .target(name: "MixLabTestKit", dependencies: ["MixLabCore", "MixLabMixers"]),
        // Learning tasks: synthetic generators, offline real datasets (acquisition, readers, caches), MLM.
        .target(
            name: "MixLabTasks",
            dependencies: [
                "MixLabCore", "MixLabMixers", "MixLabModels",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Data-parallel training's collectives behind the `Communicator` protocol: one process, or Open MPI opened
        // at run time with dlopen (no build-time dependency on MPI; see MPILibrary).
        .target(name: "MixLabDistributed", dependencies: ["MixLabCore"], linkerSettings: [.linkedLibrary("dl")]),
        // The trainer: run configuration, the loop, evaluation, checkpoints, run records, exact resume.
        .target(
            name: "MixLabTraining",
            dependencies: ["MixLabCore", "MixLabKernels", "MixLabMixers", "MixLabModels", "MixLabTasks", "MixLabDistributed"]
        ),
        // Studies (grids of runs; resumable, shardable, Slurm arrays) and their reports.
        .target(
            name: "MixLabStudies",
            dependencies: [
                "MixLabCore", "MixLabKernels", "MixLabMixers", "MixLabModels", "MixLabTasks", "MixLabTraining", "CGSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "MixLab",
            dependencies: [
                "MixLabCore", "MixLabKernels", "MixLabMixers", "MixLabModels", "MixLabTasks", "MixLabDistributed",
                "MixLabTraining", "MixLabStudies",
            ]
        ),
        // The executable-Markdown notebook engine (`mixlab notebook`).
        .target(name: "MixLabNotebooks", dependencies: ["MixLabCore"]),
        .target(
            name: "MixLabCommandLine",
            dependencies: [
                "MixLab",
                "MixLabNotebooks",
                "MixLabTestKit",
                "CProcessControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "mixlab", dependencies: ["MixLabCommandLine"]),

        .testTarget(name: "MixLabCoreTests", dependencies: ["MixLabCore"]),
        .testTarget(name: "MixLabKernelsTests", dependencies: ["MixLabKernels", "CVectorKernels"]),
        .testTarget(
            name: "MixLabMixersTests",
            dependencies: ["MixLabMixers", "MixLabTestKit"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MixLabModelsTests",
            dependencies: ["MixLabModels", "MixLabTestKit"],
            resources: [.copy("Fixtures")]
        ),
        // MixLab: the example of the article "Writing a mixer" imports it, as a package outside MixLab does.
        .testTarget(name: "MixLabTestKitTests", dependencies: ["MixLabTestKit", "MixLab"]),
        .testTarget(
            name: "MixLabTasksTests",
            dependencies: ["MixLabTasks"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MixLabDistributedTests", dependencies: ["MixLabDistributed"]),
        // Fixtures/hf-export: tiny runs, their HF exports and transformers' outputs (Scripts/fixtures/hf_export*).
        .testTarget(
            name: "MixLabTrainingTests",
            dependencies: ["MixLabTraining"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MixLabStudiesTests",
            dependencies: ["MixLabStudies"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MixLabNotebooksTests", dependencies: ["MixLabNotebooks"]),
        .testTarget(name: "MixLabCommandLineTests", dependencies: ["MixLabCommandLine"]),
    ]
)
