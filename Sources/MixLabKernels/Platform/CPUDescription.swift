import Foundation

/// The CPU's model and SIMD features, read from `/proc/cpuinfo`.
public struct CPUDescription: Sendable, Equatable {
    /// The `model name` of the first processor, or `unknown CPU`.
    public let model: String
    /// The `flags` of the first processor.
    public let flags: Set<String>

    /// The description of this machine's CPU (empty when `/proc/cpuinfo` cannot be read).
    public static var current: CPUDescription {
        CPUDescription(cpuInfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
    }

    /// Parses the text of `/proc/cpuinfo`.
    public init(cpuInfo: String) {
        var model = "unknown CPU"
        var flags: Set<String> = []
        for line in cpuInfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "model name", model == "unknown CPU" { model = parts[1] }
            if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
        }
        self.model = model
        self.flags = flags
    }

    /// The SIMD extensions that matter for the kernels, in order.
    public var simdFeatures: [String] {
        ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16"].filter(flags.contains)
    }

    /// A faster OpenBLAS core type this CPU supports, when `current` is one of the generic fallbacks.
    public func fasterOpenBLASKernels(than current: String) -> String? {
        let fallbacks: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "northwood", "banias"]
        guard fallbacks.contains(current.lowercased()) else { return nil }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
            return flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
