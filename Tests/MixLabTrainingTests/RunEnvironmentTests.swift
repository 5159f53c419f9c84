import Foundation
import MixLabCore
import MixLabMixers
import Testing

@testable import MixLabTraining

/// What a run record says of the code that ran: MixLab's commit, and the package and commit of mixers
/// registered outside MixLab.
@Suite struct RunEnvironmentTests {
    /// This package's folder, from this file's path (`Tests/MixLabTrainingTests/`).
    static let packageFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theCommitIsMixLabsWhenTheSourceTreeIsACheckout() throws {
        let gitFolder = Self.packageFolder.appendingPathComponent(".git").path
        try #require(FileManager.default.fileExists(atPath: gitFolder), "the tests run from a git checkout")
        let commit = RunRecord.Environment.sourceCommit()
        let hash = commit.hasSuffix("-dirty") ? String(commit.dropLast("-dirty".count)) : commit
        #expect(hash.count == 40 && hash.allSatisfy(\.isHexDigit), "\(commit) is a commit")
    }

    @Test func thePackageFolderIsTheNearestWithAPackageManifest() {
        let found = RunRecord.Environment.packageFolder(containing: #filePath)
        #expect(found?.standardizedFileURL.path == Self.packageFolder.standardizedFileURL.path)
        #expect(RunRecord.Environment.packageFolder(containing: "/nonexistent/a/b.swift") == nil)
    }

    @Test func mixersRegisteredOutsideMixLabAreRecordedWithTheirPackageAndCommit() throws {
        // A package of its own, in a git repository with one commit.
        let package = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-external-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: package) }
        let source = package.appendingPathComponent("Sources/Outside/OutsideMixer.swift")
        try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "// swift-tools-version:6.0\n".write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try "// a mixer\n".write(to: source, atomically: true, encoding: .utf8)
        for arguments in [["init", "-q"], ["add", "."],
                          ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "outside"]] {
            let process = try Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["git", "-C", package.path] + arguments)
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "git \(arguments.joined(separator: " "))")
        }

        let outside = MixerRegistration(name: "outside", summary: "y = x", keys: [], sourceFile: source.path) { _, _ in IdentityMixer() }
        let inside = MixerRegistration(name: "inside", summary: "y = x", keys: []) { _, _ in IdentityMixer() }
        let orphan = MixerRegistration(name: "orphan", summary: "y = x", keys: [], sourceFile: "/nonexistent/x.swift") { _, _ in IdentityMixer() }
        let recorded = RunRecord.Environment.externalMixers([inside, outside, outside, orphan])
        #expect(recorded.map(\.mixer) == ["outside", "orphan"], "MixLab's own are left out, each mixer once")
        #expect(recorded[0].package == package.standardizedFileURL.path)
        #expect(recorded[0].commit.count == 40 && recorded[0].commit.allSatisfy(\.isHexDigit), "\(recorded[0].commit)")
        #expect(recorded[1].package.hasPrefix("unknown") && recorded[1].commit == "unknown")

        // A change to a tracked file marks the commit dirty.
        try "// changed\n".write(to: source, atomically: true, encoding: .utf8)
        #expect(RunRecord.Environment.externalMixers([outside])[0].commit.hasSuffix("-dirty"))

        // The built-in mixers are MixLab's own.
        let builtIn = try MixerRegistry.shared.registration(named: "fourier")
        #expect(RunRecord.Environment.externalMixers([builtIn]).isEmpty)
        #expect(RunRecord.Environment.current(threads: 1, mixers: [builtIn]).externalMixers == nil)
        let environment = RunRecord.Environment.current(threads: 1, mixers: [outside])
        #expect(environment.externalMixers?.map(\.mixer) == ["outside"])
        // The record keeps them through JSON.
        let decoded = try JSONDecoder().decode(RunRecord.Environment.self, from: JSONEncoder().encode(environment))
        #expect(decoded == environment)
    }
}
