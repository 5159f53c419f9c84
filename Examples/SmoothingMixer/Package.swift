// swift-tools-version:6.0
// An example of a mixer written outside MixLab: one source file, registered by name, checked by the
// conformance kit, usable in encoders, studies and a `mixlab` of its own.
import PackageDescription

let package = Package(
    name: "SmoothingMixer",
    products: [
        .library(name: "SmoothingMixer", targets: ["SmoothingMixer"]),
        .executable(name: "mixlab-smoothing", targets: ["mixlab-smoothing"]),
    ],
    dependencies: [
        // MixLab itself; a project of your own names it by URL and version instead.
        .package(name: "MixLab", path: "../.."),
    ],
    targets: [
        .target(name: "SmoothingMixer", dependencies: [.product(name: "MixLab", package: "MixLab")]),
        // `mixlab` with the new mixer registered: every command (check, bench, train, study…) knows it.
        .executableTarget(
            name: "mixlab-smoothing",
            dependencies: ["SmoothingMixer", .product(name: "MixLabCommandLine", package: "MixLab")]
        ),
        .testTarget(
            name: "SmoothingMixerTests",
            dependencies: ["SmoothingMixer", .product(name: "MixLabTestKit", package: "MixLab")]
        ),
    ]
)
