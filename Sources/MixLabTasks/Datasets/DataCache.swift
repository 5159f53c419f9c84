import Foundation
import MixLabCore

/// The folder that holds prepared datasets, one subfolder per dataset.
///
/// The location is, in order: an explicit folder (`mixlab data fetch --cache-dir DIR`), the
/// environment variable `MIXLAB_DATA_DIR`, `$XDG_CACHE_HOME/mixlab/data` (when that variable holds an
/// absolute path, as the XDG base-directory specification requires), and `~/.cache/mixlab/data`.
/// Tasks read it; only `mixlab data fetch` writes it. Work in progress lives in hidden folders beside
/// the datasets (`.partial-NAME-…`, `.download-…`) and is never read by a task; the empty files
/// `.lock-NAME` are the locks that keep two fetches from preparing one dataset at once (they stay, as
/// removing a lock file that another process may have opened would break the lock).
public struct DataCache: Sendable, Equatable {
    /// The environment variable that moves the cache.
    public static let environmentVariable = "MIXLAB_DATA_DIR"

    /// The absolute path of the cache folder.
    public let root: String
    /// Whether `root` is the per-user default (so a fetch command needs no `--cache-dir`).
    public let isUserDefault: Bool

    /// A cache at `root` (made absolute against the current folder).
    public init(root: String) {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = (absolute as NSString).standardizingPath
        isUserDefault = false
    }

    private init(root: String, isUserDefault: Bool) {
        self.root = (root as NSString).standardizingPath
        self.isUserDefault = isUserDefault
    }

    /// The cache chosen by `directory` (a `--cache-dir` value, or nil) and `environment`.
    ///
    /// - Throws: `MixLabError.invalidArgument` when no location can be found (no `HOME`) or a given one is empty.
    public static func resolve(
        directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DataCache {
        if let directory {
            guard !directory.isEmpty else {
                throw MixLabError(.invalidArgument, what: "--cache-dir is empty", location: "data cache",
                                  fix: "give a folder, e.g. --cache-dir /scratch/mixlab-data")
            }
            return DataCache(root: directory)
        }
        if let variable = environment[environmentVariable], !variable.isEmpty {
            return DataCache(root: variable)
        }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return DataCache(root: xdg + "/mixlab/data", isUserDefault: true)
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return DataCache(root: home + "/.cache/mixlab/data", isUserDefault: true)
        }
        throw MixLabError(
            .invalidArgument, what: "no data cache location: HOME is not set", location: "data cache",
            fix: "set \(environmentVariable)=/path/to/data (or XDG_CACHE_HOME, or HOME)")
    }

    /// The cache of this process's environment (`MIXLAB_DATA_DIR`, XDG, home), as tasks use it.
    public static func current() throws -> DataCache {
        try resolve()
    }

    /// The folder of the prepared dataset `name`.
    public func directory(of name: String) -> String {
        root + "/" + name
    }

    /// The manifest path of the prepared dataset `name`.
    public func manifestPath(of name: String) -> String {
        directory(of: name) + "/" + DatasetManifest.fileName
    }

    /// The exact command that prepares `name` into this cache, e.g. `mixlab data fetch news20 --cache-dir /d`.
    public func fetchCommand(_ name: String, force: Bool = false) -> String {
        var command = "mixlab data fetch \(name)"
        if force { command += " --force" }
        if !isUserDefault { command += " --cache-dir \(Self.shellQuoted(root))" }
        return command
    }

    /// `text` quoted for a POSIX shell when it holds anything but safe characters.
    static func shellQuoted(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+~=:,@%".contains($0)) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
