import Foundation
import MixLabCore
import MixLabKernels
import MixLabMixers
import MixLabTasks

extension RunRecord.Environment {
    /// The environment of this process: the source commit, versions, CPU, threads and libraries.
    ///
    /// - commit: `git rev-parse HEAD` in the folder of the source tree this module was compiled from
    ///   (found through `#filePath`), with `-dirty` when `git status --porcelain --untracked-files=no`
    ///   lists changes; `unknown` when git or the tree is not there (a binary copied to another
    ///   machine). Limit: it is the tree's state *now*, not necessarily the state the binary was built
    ///   from — rebuild before a run whose commit you cite.
    /// - swiftVersion: the compiler's language version, from `#if compiler(>=…)` checks (major.minor).
    /// - cpu: `model name` of `/proc/cpuinfo` (`CPUDescription`, as `mixlab doctor`); cores: the
    ///   processors available to the process.
    /// - blasCore: `openblas_get_corename()` (or `unavailable`); fftwVersion: FFTW's version string.
    /// - system: `PRETTY_NAME` of `/etc/os-release` and the kernel release (`uname -r`).
    /// - build: `debug` when this module was compiled with `DEBUG` defined (SwiftPM's debug
    ///   configuration), `release` otherwise.
    /// - kernels: `KernelInstructionSets.current.summary`, e.g. `Swift loops: x86-64 baseline (SSE2);
    ///   C kernels: AVX-512F (run-time dispatch)`.
    /// - fftwEffort, fftwPlansSHA256: `FFTWPlanner.shared.effort`, and the SHA-256 of its `planListing`
    ///   (the plans made so far in this process, with the algorithm of each).
    /// - externalMixers: of `mixers`, those whose registration's source file lies outside MixLab's
    ///   package, with the package folder holding that file and its commit (as for MixLab's own).
    public static func current(threads: Int, mixers: [MixerRegistration] = []) -> RunRecord.Environment {
        let blas = BLAS.status
        var environment = RunRecord.Environment(
            commit: sourceCommit(), mixlabVersion: MixLabVersion.current, swiftVersion: compilerVersion,
            cpu: CPUDescription.current.model, cores: ProcessInfo.processInfo.activeProcessorCount, threads: threads,
            blasCore: blas.available ? blas.coreName : "unavailable", fftwVersion: FFTWPlanner.version,
            system: systemDescription(), build: buildConfiguration,
            kernels: KernelInstructionSets.current.summary)
        environment.fftwEffort = FFTWPlanner.shared.effort.rawValue
        environment.fftwPlansSHA256 = ContentDigest.hex(of: Data(FFTWPlanner.shared.planListing.utf8))
        let external = externalMixers(mixers)
        if !external.isEmpty { environment.externalMixers = external }
        return environment
    }

    /// The mixers of `registrations` registered from outside MixLab's package (see `current`).
    static func externalMixers(
        _ registrations: [MixerRegistration], mixLabSourceFile: String = #filePath
    ) -> [RunRecord.ExternalMixer] {
        let mixLab = packageFolder(containing: mixLabSourceFile)?.standardizedFileURL.path
        var seen = Set<String>()
        return registrations.compactMap { registration in
            guard seen.insert(registration.name).inserted else { return nil }
            let package = packageFolder(containing: registration.sourceFile)?.standardizedFileURL.path
            guard package != mixLab else { return nil }
            return RunRecord.ExternalMixer(
                mixer: registration.name, package: package ?? "unknown (\(registration.sourceFile))",
                commit: package.map { commit(of: $0) } ?? "unknown")
        }
    }

    /// The Swift compiler version this module was built with (major.minor).
    static var compilerVersion: String {
        #if compiler(>=7.0)
        return "7.0 or later"
        #elseif compiler(>=6.5)
        return "6.5"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// `debug` or `release`.
    static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// The source tree's commit (see `current`).
    static func sourceCommit(sourceFile: String = #filePath) -> String {
        guard let root = packageFolder(containing: sourceFile) else { return "unknown" }
        return commit(of: root.path)
    }

    /// The nearest folder above `file` that holds a `Package.swift`: the package the file belongs to.
    static func packageFolder(containing file: String) -> URL? {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// `git rev-parse HEAD` in `folder`, with `-dirty` when tracked files changed; `unknown` without git.
    static func commit(of folder: String) -> String {
        guard let head = git(["rev-parse", "HEAD"], in: folder), !head.isEmpty else { return "unknown" }
        guard let status = git(["status", "--porcelain", "--untracked-files=no"], in: folder) else { return head }
        return status.isEmpty ? head : head + "-dirty"
    }

    /// The trimmed output of `git ARGUMENTS` in `folder`, or nil when git fails or is missing.
    private static func git(_ arguments: [String], in folder: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The distribution and kernel, e.g. `Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64`.
    static func systemDescription() -> String {
        var name = "unknown system"
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
           let line = release.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
            name = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var system = utsname()
        uname(&system)
        let kernel = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let kernelName = withUnsafeBytes(of: &system.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(name), \(kernelName) \(kernel)"
    }
}
