import Foundation
import MixLabCore
import MixLabModels
import MixLabTasks

/// The folder of one training run: what it holds, how a new run, a resumed run and a finished run are
/// told apart, and the lock that keeps two processes out of one folder.
///
/// Files (every one written atomically: a temporary file beside it, flushed, renamed into place):
///
/// | file | written | holds |
/// |---|---|---|
/// | `settings.json` | at the start | the run's settings (`RunConfiguration.settings`) and the resolved settings they are compared by |
/// | `checkpoint-last.safetensors` | every `checkpoint-every` steps and at the end | weights, optimiser state, and the `TrainerState` in the metadata |
/// | `checkpoint-best.safetensors` | at each new best validation accuracy | weights only; metadata `mixlab.step` and `mixlab.validation` (JSON metrics) |
/// | `curve.jsonl` | a line per curve point as training goes (rewritten from the checkpoint on resume) | one `RunRecord.CurvePoint` per line |
/// | `fftw.wisdom` | with every checkpoint | FFTW's measured plans, reloaded on resume (with `MIXLAB_FFTW_EFFORT=measure`) so that a measured plan is the same after a restart |
/// | `run.json` | at the end | the `RunRecord`; its presence marks the run finished |
/// | `.lock` | while a process works on the run | nothing (an advisory `flock`, released when the process ends, even by SIGKILL) |
/// | `eval/` | by `mixlab eval`, never by training | one folder per evaluation of the run's checkpoints (moved aside with the run's files by `--force`) |
///
/// A new checkpoint replaces the previous one only once it is complete and flushed, so a crash at any
/// moment leaves the last good checkpoint in place. Temporary files left by a killed process are
/// removed when the next process takes the lock.
public struct RunDirectory: Sendable {
    /// The folder.
    public let path: String

    /// The run's settings, written at the start.
    public static let settingsFile = "settings.json"
    /// The resumable checkpoint: weights, optimiser state and trainer state.
    public static let lastCheckpointFile = "checkpoint-last.safetensors"
    /// The weights of the best validation accuracy.
    public static let bestCheckpointFile = "checkpoint-best.safetensors"
    /// The learning curve, one JSON object per line.
    public static let curveFile = "curve.jsonl"
    /// FFTW's wisdom (the plans the run made), reloaded on resume.
    public static let wisdomFile = "fftw.wisdom"
    /// The run record; its presence marks a finished run.
    public static let recordFile = "run.json"
    /// The file the folder's lock is taken on.
    public static let lockFile = ".lock"
    /// The files a run writes (the lock aside), in the order they are listed to users.
    public static let runFiles = [settingsFile, lastCheckpointFile, bestCheckpointFile, curveFile, wisdomFile, recordFile]
    /// The folder of the run's evaluations (`mixlab eval`).
    public static let evaluationsFolder = "eval"
    /// The prefix of the folders that `--force` moves an earlier run into.
    public static let replacedPrefix = "replaced-"

    /// A run folder at `path` (nothing is created yet).
    public init(_ path: String) {
        self.path = path
    }

    /// The path of `file` inside the folder.
    public func file(_ file: String) -> String { (path as NSString).appendingPathComponent(file) }

    /// The settings saved at the start of a run.
    public struct SavedSettings: Sendable, Equatable, Codable {
        /// The format version.
        public static let currentSchema = "mixlab.run-settings.v1"
        /// `currentSchema`.
        public var schema = Self.currentSchema
        /// `RunConfiguration.settings` of the run (re-running with them reproduces it).
        public var settings: [String: String]
        /// The settings with every task, mixer and attention default filled in (`Trainer.resolvedSettings`):
        /// two runs are the same run exactly when these are equal.
        public var resolved: [String: String]

        /// Saved settings from their parts.
        public init(settings: [String: String], resolved: [String: String]) {
            self.settings = settings
            self.resolved = resolved
        }

        /// The keys whose values differ from `other`'s, as `key: saved → now` lines (sorted).
        public func differences(from other: SavedSettings) -> [String] {
            let keys = Set(resolved.keys).union(other.resolved.keys).sorted()
            return keys.compactMap { key in
                let (saved, now) = (resolved[key], other.resolved[key])
                return saved == now ? nil : "\(key): \(saved ?? "(not set)") → \(now ?? "(not set)")"
            }
        }
    }

    /// What the folder holds.
    public enum Contents: Sendable {
        /// Nothing of a run (the folder is missing, empty, or holds only folders of replaced runs).
        case empty
        /// A run that has not finished: its settings and, when it saved one, the step of its last checkpoint.
        case unfinished(SavedSettings, checkpointStep: Int?)
        /// A finished run (`run.json` exists).
        case finished(SavedSettings?, record: RunRecord?)
        /// Files that are not a MixLab run (listed).
        case foreign([String])
    }

    /// Looks at the folder without changing it.
    ///
    /// - Throws: `MixLabError.ioFailure` when `path` is a file, or the folder or its settings cannot be
    ///   read.
    public func inspect() throws -> Contents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .empty }
        guard isDirectory.boolValue else {
            throw MixLabError(.ioFailure, what: "\(path) is a file, not a folder", location: "run folder (--out)",
                              fix: "choose a folder for the run, e.g. --out \(path)-run")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot list \(path) (\(error.localizedDescription))", location: "run folder (--out)",
                              fix: "check the folder's permissions")
        }
        let ours = Set(Self.runFiles + [Self.lockFile, Self.evaluationsFolder])
        let foreign = entries.filter { !ours.contains($0) && !$0.hasPrefix(Self.replacedPrefix) && !Self.isTemporary($0) }.sorted()
        let hasSettings = entries.contains(Self.settingsFile)
        if entries.contains(Self.recordFile) {
            return .finished(hasSettings ? try readSettings() : nil, record: try RunRecord.read(from: file(Self.recordFile)))
        }
        if hasSettings {
            let settings = try readSettings()
            guard FileManager.default.fileExists(atPath: file(Self.lastCheckpointFile)) else {
                return .unfinished(settings, checkpointStep: nil)
            }
            let metadata = try SafeTensors.read(file(Self.lastCheckpointFile)).metadata
            let state = try TrainerState.decode(metadata: metadata, source: file(Self.lastCheckpointFile))
            return .unfinished(settings, checkpointStep: state.step)
        }
        let runFiles = entries.filter { Self.runFiles.contains($0) }
        if !runFiles.isEmpty || !foreign.isEmpty { return .foreign((foreign + runFiles).sorted()) }
        return .empty
    }

    /// Reads `settings.json`.
    ///
    /// - Throws: `MixLabError.ioFailure` when it cannot be read or decoded.
    public func readSettings() throws -> SavedSettings {
        let settingsPath = file(Self.settingsFile)
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: settingsPath)) } catch {
            throw MixLabError(.ioFailure, what: "cannot read the run settings \(settingsPath) (\(error.localizedDescription))",
                              location: "run folder", fix: "check the file's permissions")
        }
        return try SavedSettings.decode(bytes, path: settingsPath)
    }
    /// Creates the folder (and its parents) if needed and checks that it is writable.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the folder and the reason.
    public func create() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw MixLabError(.ioFailure, what: "\(path) is a file, not a folder", location: "run folder (--out)",
                              fix: "choose a folder for the run, e.g. --out \(path)-run")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create the run folder \(path) (\(error.localizedDescription))",
                              location: "run folder (--out)", fix: "choose a folder you can write to, or create it first")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw MixLabError(.ioFailure, what: "the run folder \(path) is not writable (\(String(cString: strerror(errno))))",
                              location: "run folder (--out)", fix: "choose a folder you can write to, or fix its permissions")
        }
    }

    /// Writes `settings.json`.
    public func writeSettings(_ settings: SavedSettings) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(FileIntegrity.sealedJSONObject(try encoder.encode(settings)), to: file(Self.settingsFile))
    }

    /// Moves the run files of the folder, and its evaluations (`eval/`), into a new sub-folder
    /// `replaced-<UTC time>` and returns its path and the files moved (nothing is deleted).
    ///
    /// - Throws: `MixLabError.ioFailure` when a file cannot be moved (the ones moved before stay moved).
    public func moveRunAside(now: Date = Date()) throws -> (folder: String, files: [String]) {
        let present = (Self.runFiles + [Self.evaluationsFolder]).filter { FileManager.default.fileExists(atPath: file($0)) }
        guard !present.isEmpty else { return ("", []) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var folder = file(Self.replacedPrefix + formatter.string(from: now))
        var suffix = 1
        while FileManager.default.fileExists(atPath: folder) {
            suffix += 1
            folder = file(Self.replacedPrefix + formatter.string(from: now) + "-\(suffix)")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            for name in present {
                try FileManager.default.moveItem(atPath: file(name), toPath: (folder as NSString).appendingPathComponent(name))
            }
        } catch {
            throw MixLabError(.ioFailure, what: "cannot move the earlier run's files into \(folder) (\(error.localizedDescription))",
                              location: "run folder (--force)", fix: "check the folder's permissions, or choose another --out")
        }
        return (folder, present)
    }

    /// Removes temporary files left by a process killed while writing (call with the lock held).
    public func removeTemporaryFiles() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for entry in entries where Self.isTemporary(entry) { unlink(file(entry)) }
    }

    /// Whether `name` is a temporary file of `AtomicFile` (or FFTW's wisdom export) for one of the run files.
    static func isTemporary(_ name: String) -> Bool {
        runFiles.contains { name.hasPrefix($0 + ".tmp-") }
    }

    /// Takes the folder's lock for this process (`FileLock` on `.lock`), released when it goes away.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the holder when another process (or another trainer in
    ///   this process) holds it, or when the lock file cannot be created.
    public func lock() throws -> FileLock {
        let lockPath = file(Self.lockFile)
        guard let lock = try FileLock(path: lockPath, location: "run folder (--out)") else {
            let holder = FileLock.holder(of: lockPath)
            let what = holder?.isThisProcess == true
                ? "another trainer in this process is working in \(path)"
                : "another training process is working in \(path)" + (holder.map { " (\($0) holds its lock)" } ?? "")
            throw MixLabError(.ioFailure, what: what, location: "run folder (--out)",
                              fix: "wait for it to finish (or stop it), or choose another --out")
        }
        return lock
    }
}

extension RunDirectory.SavedSettings {
    /// Decodes the bytes of a `settings.json`, checking its seal and format; `path` names it in errors.
    ///
    /// - Throws: `MixLabError.ioFailure` when the bytes are damaged, do not decode, or have another format.
    public static func decode(_ bytes: Data, path settingsPath: String) throws -> Self {
        do {
            try FileIntegrity.verify(
                bytes, path: settingsPath, location: "run folder",
                fix: "the file is damaged: start the run again with --force (the folder's files are moved aside)")
            let saved = try JSONDecoder().decode(Self.self, from: bytes)
            guard saved.schema == Self.currentSchema else {
                throw MixLabError(.ioFailure, what: "\(settingsPath) has format \(saved.schema); this MixLab reads \(Self.currentSchema)",
                                  location: "run folder", fix: "use the MixLab version that wrote it, or start again with --force")
            }
            return saved
        } catch let error as MixLabError {
            throw error
        } catch {
            throw MixLabError(.ioFailure, what: "cannot read the run settings \(settingsPath) (\(error.localizedDescription))",
                              location: "run folder", fix: "the file is damaged: start the run again with --force (the folder's files are moved aside)")
        }
    }
}
