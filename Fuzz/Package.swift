// swift-tools-version:6.0
// MixLab's libFuzzer targets: every reader of bytes that come from outside the process.
// Built and run by `make fuzz` (Scripts/fuzz.sh); see Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "MixLabFuzz",
    dependencies: [.package(name: "MixLab", path: "..")],
    targets: [
        // The declaration of libFuzzer's LLVMFuzzerRunDriver.
        .target(name: "CFuzzerDriver"),
        // One binary for every target: `MIXLAB_FUZZ_TARGET` picks the reader.
        .executableTarget(
            name: "MixLabFuzz",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "MixLabCore", package: "MixLab"),
                .product(name: "MixLabModels", package: "MixLab"),
                .product(name: "MixLabTasks", package: "MixLab"),
                .product(name: "MixLabTraining", package: "MixLab"),
                .product(name: "MixLabStudies", package: "MixLab"),
                .product(name: "MixLabNotebooks", package: "MixLab"),
                .product(name: "MixLabCommandLine", package: "MixLab"),
            ]
        )
    ]
)
