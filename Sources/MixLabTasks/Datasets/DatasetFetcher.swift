import Foundation
import MixLabCore

/// Downloads, verifies and prepares catalog datasets into a cache: what `mixlab data fetch` runs.
///
/// For each dataset: take its lock; remove what an interrupted earlier run left (`.partial-NAME-…`);
/// skip it when a verified copy is already there (unless `force`). Then, once per artifact: download it
/// (or take `--artifact FILE`) into a private folder of the cache, check its SHA-256 against the pinned
/// value (or the one the user accepted), and extract the paths the datasets need. Each dataset is read,
/// split and written into its own `.partial-NAME-…` folder, its manifest written last, and the folder is
/// renamed into place. A task never reads a partial folder, so an interrupted preparation is never
/// served; a re-run removes it and starts again. On any failure nothing new is left in the cache.
public struct DatasetFetcher: Sendable {
    /// How to obtain the artifact.
    public struct Options: Sendable, Equatable {
        /// A local copy of the artifact to use instead of downloading (`--artifact FILE`).
        public var artifactPath: String?
        /// A SHA-256 the user accepts instead of the pinned one (`--accept-checksum`).
        public var acceptedChecksum: String?
        /// Prepare again even when a verified copy exists (`--force`).
        public var force: Bool

        /// Options from their parts.
        public init(artifactPath: String? = nil, acceptedChecksum: String? = nil, force: Bool = false) {
            self.artifactPath = artifactPath
            self.acceptedChecksum = acceptedChecksum
            self.force = force
        }
    }

    /// What a fetch did for one dataset.
    public struct Report: Sendable, Equatable {
        /// The dataset.
        public var name: String
        /// True when a verified prepared copy was already there and nothing was done.
        public var alreadyPrepared: Bool
        /// The manifest of the prepared dataset.
        public var manifest: DatasetManifest
        /// The artifact's size in bytes (0 when nothing was done).
        public var artifactBytes: Int
        /// Seconds spent downloading (or reading), verifying and extracting the artifact, shared by the
        /// datasets of one artifact.
        public var obtainSeconds: Double
        /// Seconds spent reading, splitting, writing and installing this dataset.
        public var prepareSeconds: Double
        /// The prepared files' total size in bytes, manifest included.
        public var preparedBytes: Int
    }

    /// The datasets that can be fetched.
    public let catalog: DatasetCatalog
    /// Where they are prepared.
    public let cache: DataCache
    /// Receives one line per step, for people (the command prints them).
    public let log: @Sendable (String) -> Void

    /// A fetcher of `catalog` datasets into `cache`.
    public init(catalog: DatasetCatalog = .standard, cache: DataCache, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.catalog = catalog
        self.cache = cache
        self.log = log
    }

    /// Prepares the datasets `names` (in order; datasets of one artifact share one download). A dataset
    /// built from other prepared datasets (`DatasetDescriptor.Layout.requirements`) is prepared after
    /// them, and those not prepared yet are fetched first.
    ///
    /// - Throws: `MixLabError.invalidArgument` for an unknown name, bad options (before anything is
    ///   downloaded); `ioFailure` for a failed download, a checksum mismatch (expected vs found), a
    ///   damaged artifact or a write failure; `libraryUnavailable` for a missing tool.
    public func fetch(_ names: [String], options: Options = Options()) throws -> [Report] {
        let requested = try names.map(catalog.descriptor(named:))
        guard !requested.isEmpty else {
            throw MixLabError(.invalidArgument, what: "no dataset named", location: "mixlab data fetch",
                              fix: "name one or more of: \(catalog.names.joined(separator: ", ")), or pass --all")
        }
        // A dataset built from prepared datasets (a pre-training corpus) comes after them; the ones not
        // prepared yet are fetched first.
        var first: [DatasetDescriptor] = []
        for requirement in requested.flatMap(\.layout.requirements) where !requested.contains(where: { $0.name == requirement })
            && !first.contains(where: { $0.name == requirement }) {
            if case .prepared = DatasetStatus.check(requirement, in: cache) { continue }
            first.append(try catalog.descriptor(named: requirement))
        }
        first += requested.filter { $0.layout.requirements.isEmpty }
        let last = requested.filter { !$0.layout.requirements.isEmpty }
        let artifacts = Set((first + last).map(\.artifact.fileName)).count
        try validate(options, artifacts: artifacts, names: (first + last).map(\.name))
        try makeRoot()
        removeAbandonedDownloads()
        var reports: [Report] = []
        for phase in [first, last] {
            let groups = Dictionary(grouping: phase) { $0.artifact.fileName }
            let order = phase.map(\.artifact.fileName).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            for key in order {
                reports += try fetchGroup(groups[key]!, options: options)
            }
        }
        return reports
    }

    private func validate(_ options: Options, artifacts: Int, names: [String]) throws {
        if let accepted = options.acceptedChecksum {
            guard accepted.count == 64, accepted.allSatisfy(\.isHexDigit) else {
                throw MixLabError(.invalidArgument, what: "--accept-checksum \(accepted) is not a SHA-256 (64 hexadecimal digits)",
                                  location: "mixlab data fetch", fix: "pass the value `sha256sum FILE` prints for the artifact")
            }
        }
        if (options.artifactPath != nil || options.acceptedChecksum != nil) && artifacts > 1 {
            throw MixLabError(
                .invalidArgument, what: "--artifact and --accept-checksum apply to one artifact, but \(names.joined(separator: " ")) come from \(artifacts)",
                location: "mixlab data fetch", fix: "fetch the datasets of each artifact in a separate command")
        }
        if let path = options.artifactPath {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                throw MixLabError(.invalidArgument, what: "--artifact \(path) is not a file", location: "mixlab data fetch",
                                  fix: "give the path of the downloaded .deb or .whl file")
            }
        }
    }

    private func makeRoot() throws {
        do { try FileManager.default.createDirectory(atPath: cache.root, withIntermediateDirectories: true) } catch {
            throw MixLabError(.ioFailure, what: "cannot create the data cache \(cache.root) (\(error.localizedDescription))",
                              location: "data cache", fix: "choose a writable folder with --cache-dir or \(DataCache.environmentVariable)")
        }
    }

    private func fetchGroup(_ descriptors: [DatasetDescriptor], options: Options) throws -> [Report] {
        let artifact = descriptors[0].artifact
        var reports: [Report] = []
        var pending: [(DatasetDescriptor, FileLock)] = []
        for descriptor in descriptors {
            let lock = try cache.lockDataset(descriptor.name)
            removeLeftovers(of: descriptor.name)
            if FileManager.default.fileExists(atPath: cache.directory(of: descriptor.name)) {
                do {
                    let manifest = try DatasetManifest.read(dataset: descriptor.name, in: cache, location: "mixlab data fetch")
                    try manifest.verifyFiles(in: cache, location: "mixlab data fetch")
                    if !options.force {
                        log("\(descriptor.name): already prepared in \(cache.directory(of: descriptor.name)) (verified); nothing to do")
                        reports.append(Report(
                            name: descriptor.name, alreadyPrepared: true, manifest: manifest, artifactBytes: 0, obtainSeconds: 0,
                            prepareSeconds: 0, preparedBytes: preparedBytes(of: manifest)))
                        continue
                    }
                    log("\(descriptor.name): --force: preparing it again")
                } catch let error as MixLabError {
                    log("\(descriptor.name): the prepared copy is unusable (\(error.what)); preparing it again")
                }
            }
            pending.append((descriptor, lock))
        }
        guard !pending.isEmpty else { return reports }

        let obtainStart = Date()
        let work = cache.root + "/.download-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try createFolder(work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let names = pending.map(\.0.name).joined(separator: " ")
        let fetchCommand = "mixlab data fetch \(names)" + (cache.isUserDefault ? "" : " --cache-dir \(DataCache.shellQuoted(cache.root))")
        let artifactPath: String
        let obtainedBy: String
        if let given = options.artifactPath {
            artifactPath = given
            obtainedBy = "--artifact \((given as NSString).lastPathComponent)"
            log("\(names): reading \(given)")
        } else {
            try createFolder(work + "/artifact")
            log("\(names): downloading \(artifact.label) (`\(artifact.downloadCommand)`)")
            artifactPath = try ArtifactDownloader.download(artifact, into: work + "/artifact", fetchCommand: fetchCommand)
            obtainedBy = artifact.downloadCommand
        }
        let artifactBytes = ((try? FileManager.default.attributesOfItem(atPath: artifactPath))?[.size] as? NSNumber)?.intValue ?? 0
        let found = try ContentDigest.hex(ofFileAt: artifactPath)
        let expected = options.acceptedChecksum?.lowercased() ?? artifact.sha256
        guard found == expected else {
            let origin = options.acceptedChecksum != nil ? "the value given to --accept-checksum" : "pinned by MixLab for \(artifact.label)"
            let accept = options.artifactPath != nil
                ? "\(fetchCommand) --artifact \(DataCache.shellQuoted(artifactPath)) --accept-checksum \(found)"
                : "\(fetchCommand) --accept-checksum \(found)"
            throw MixLabError(
                .ioFailure,
                what: "\((artifactPath as NSString).lastPathComponent) has SHA-256 \(found), expected \(expected) (\(origin)); nothing was kept",
                location: "verifying \(artifact.label)",
                fix: "if you trust this file (e.g. Debian replaced the version in a point release), accept it explicitly: `\(accept)`; "
                    + "otherwise obtain the pinned artifact (`\(artifact.downloadCommand)`)")
        }
        if found != artifact.sha256 { log("\(names): using an artifact whose SHA-256 \(found) you accepted (pinned: \(artifact.sha256))") }
        let paths = pending.flatMap(\.0.layout.paths)
        try createFolder(work + "/extract")
        try ArtifactExtractor.extract(paths, registry: artifact.registry, from: artifactPath, into: work + "/extract")
        let obtainSeconds = Date().timeIntervalSince(obtainStart)

        for (descriptor, lock) in pending {
            let start = Date()
            let source = DatasetManifest.Source(
                artifact: artifact.fileName, sha256: found, pinnedSHA256: artifact.sha256, obtainedBy: obtainedBy,
                paths: descriptor.layout.paths)
            let manifest = try prepare(descriptor, from: work + "/extract", source: source)
            let report = Report(
                name: descriptor.name, alreadyPrepared: false, manifest: manifest, artifactBytes: artifactBytes,
                obtainSeconds: obtainSeconds, prepareSeconds: Date().timeIntervalSince(start),
                preparedBytes: preparedBytes(of: manifest))
            log("\(descriptor.name): prepared in \(cache.directory(of: descriptor.name)): "
                + TaskSplit.allCases.map { "\(manifest.counts($0).count) \($0.rawValue)" }.joined(separator: ", "))
            reports.append(report)
            withExtendedLifetime(lock) {}  // held until this dataset is installed
        }
        return reports
    }

    /// Reads and writes one dataset into a partial folder, then renames it into place.
    private func prepare(_ descriptor: DatasetDescriptor, from extracted: String, source: DatasetManifest.Source) throws -> DatasetManifest {
        let partial = cache.root + "/.partial-\(descriptor.name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try createFolder(partial)
        do {
            let (content, notes) = try DatasetPreparation.prepare(descriptor, extractedAt: extracted, cache: cache)
            let manifest = try PreparedDatasetWriter.write(content, of: descriptor, source: source, notes: notes, into: partial)
            try install(partial, as: descriptor.name)
            return manifest
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Renames `partial` to the dataset folder, moving an older copy aside first and deleting it after.
    private func install(_ partial: String, as name: String) throws {
        let target = cache.directory(of: name)
        var old: String?
        if FileManager.default.fileExists(atPath: target) {
            let aside = cache.root + "/.old-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            guard rename(target, aside) == 0 else { throw renameFailure(target, aside) }
            old = aside
        }
        guard rename(partial, target) == 0 else { throw renameFailure(partial, target) }
        let folder = open(cache.root, O_RDONLY)
        if folder >= 0 { fsync(folder); close(folder) }
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }

    private func renameFailure(_ from: String, _ to: String) -> MixLabError {
        MixLabError(.ioFailure, what: "cannot rename \(from) to \(to) (\(String(cString: strerror(errno))))",
                    location: "data cache \(cache.root)", fix: "check the permissions of the cache folder")
    }

    private func createFolder(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) } catch {
            throw MixLabError(.ioFailure, what: "cannot create \(path) (\(error.localizedDescription))", location: "data cache",
                              fix: "check free disk space and the permissions of \(cache.root)")
        }
    }

    /// Removes the partial and set-aside folders of `name` that an interrupted run left (the caller holds
    /// the dataset's lock, so no live process owns them).
    private func removeLeftovers(of name: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: cache.root)) ?? []
        for entry in entries where entry.hasPrefix(".partial-\(name)-") || entry.hasPrefix(".old-\(name)-") {
            // The suffix is PID-RANDOM: a prefix match must not catch another dataset whose name extends this one.
            let rest = entry.dropFirst(entry.hasPrefix(".partial-") ? ".partial-\(name)-".count : ".old-\(name)-".count)
            guard rest.split(separator: "-").count == 2, rest.split(separator: "-").allSatisfy({ $0.allSatisfy(\.isNumber) }) else { continue }
            try? FileManager.default.removeItem(atPath: cache.root + "/" + entry)
            log("\(name): removed \(entry), left by an interrupted preparation")
        }
    }

    /// Removes `.download-PID-…` folders whose process no longer runs.
    private func removeAbandonedDownloads() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: cache.root)) ?? []
        for entry in entries where entry.hasPrefix(".download-") {
            guard let pid = Int32(entry.dropFirst(".download-".count).split(separator: "-").first ?? "") else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(atPath: cache.root + "/" + entry)
        }
    }

    private func preparedBytes(of manifest: DatasetManifest) -> Int {
        let manifestBytes = ((try? FileManager.default.attributesOfItem(atPath: cache.manifestPath(of: manifest.dataset)))?[.size] as? NSNumber)?
            .intValue ?? 0
        return manifest.files.map(\.bytes).reduce(manifestBytes, +)
    }
}
