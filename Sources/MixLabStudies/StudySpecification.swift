import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// A study: a base run configuration and the axes it sweeps, read from a YAML file
/// (`Experiments/<study>/study.yaml`).
///
///     name: mixer-ablation                  # lowercase letters, digits, - and _
///     description: Every mixer on parity.   # optional, one line for reports
///     base:                                 # run settings shared by every cell (see RunConfiguration)
///       task: parity
///       task.length: 64
///       steps: 400
///     axes:                                 # the grid: the first axis varies slowest
///       - mixer:
///           - fourier
///           - dct
///           - attention: {mixer.heads: 2}   # a value with the settings that go with it
///       - seed: [0, 1, 2]
///     exclude:                              # optional: cells to leave out
///       - {mixer: attention, seed: 2}
///     results: results.jsonl                # optional, relative to this file's folder
///     report:                               # optional: how `mixlab study report` reports it
///       baseline: mixer=attention
///       x: task.length
///
/// Every key is a run setting (`mixlab train` takes the same keys); values are taken as written.
/// The grid is the Cartesian product of the axes in the order written, minus excluded cells; each
/// cell's settings are `base`, overridden by its axis values and their attached settings (two axes
/// may not set the same key in one cell). Each cell runs in `runs/<cell ID>/` beside the file and
/// appends one line to the results file.
///
/// Reading a file checks its structure and every key's name, with the file and line of each error;
/// `StudyGrid` then checks every cell's settings against `RunConfiguration` and the registries.
public struct StudySpecification: Sendable, Equatable {
    /// The top-level keys a study file may have.
    public static let topLevelKeys = ["name", "description", "base", "axes", "exclude", "results", "report"]
    /// The results file name used when the file does not name one.
    public static let defaultResultsName = "results.jsonl"

    /// The path of the study file as given (used in messages).
    public var path: String
    /// The study name (in every result row).
    public var name: String
    /// One line saying what the study asks.
    public var description: String
    /// The settings shared by every cell.
    public var base: [StudySetting]
    /// The axes of the grid, in order (the first varies slowest).
    public var axes: [StudyAxis]
    /// Rules that leave cells out.
    public var exclusions: [StudyExclusion]
    /// The results file (JSON lines).
    public var resultsFile: URL
    /// How `mixlab study report` reports the study (the `report:` section).
    public var report: StudyReportSettings

    /// A study from its parts (`resultsFile` defaults to `results.jsonl` beside `path`).
    public init(
        path: String, name: String, description: String = "", base: [StudySetting] = [], axes: [StudyAxis],
        exclusions: [StudyExclusion] = [], resultsFile: URL? = nil, report: StudyReportSettings = StudyReportSettings()
    ) {
        self.path = path
        self.name = name
        self.description = description
        self.base = base
        self.axes = axes
        self.exclusions = exclusions
        self.resultsFile = resultsFile ?? Self.folder(of: path).appendingPathComponent(Self.defaultResultsName)
        self.report = report
    }

    /// Reads and checks the study file at `path`.
    ///
    /// - Throws: `MixLabError` naming the file and line: `ioFailure` for an unreadable file,
    ///   `invalidArgument` for YAML syntax errors, a missing or misplaced key, a duplicate axis, an
    ///   empty axis; `unknownConfigKey` for an unknown top-level key or run setting (with what is allowed).
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MixLabError(
                .ioFailure, what: "cannot read the study file \(path)", location: path,
                fix: "check the path; a study lives in Experiments/<study>/study.yaml")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MixLabError(
                .invalidArgument, what: "the study file \(path) is not UTF-8 text", location: path,
                fix: "save the file as UTF-8")
        }
        try self.init(yaml: text, path: path)
    }

    /// Reads a study from YAML text; `path` names it in messages and places the results file.
    ///
    /// - Throws: see `init(contentsOf:)`.
    public init(yaml: String, path: String) throws {
        self = try StudyFileParser(path: path).parse(yaml)
    }

    /// The folder that holds the study file.
    public var folder: URL { Self.folder(of: path) }

    /// The folder that holds one run directory per cell (`runs/` beside the study file).
    public var runsFolder: URL { folder.appendingPathComponent("runs", isDirectory: true) }

    /// The run directory of the cell `cellID` (`runs/<cell ID>/`): the runner's alone (the trainer keeps
    /// its checkpoints there and refuses files it does not know), so the study keeps its own two files
    /// beside it.
    public func runDirectory(for cellID: String) -> URL {
        runsFolder.appendingPathComponent(cellID, isDirectory: true)
    }

    /// The lock file of the cell `cellID` (`runs/<cell ID>.lock`), held while a process runs the cell.
    public func cellLockFile(for cellID: String) -> URL {
        runsFolder.appendingPathComponent(cellID + ".lock")
    }

    /// The finished row of the cell `cellID` (`runs/<cell ID>.result.json`), written before the row is
    /// appended to the results file, so that a crash between the two loses nothing.
    public func cellResultFile(for cellID: String) -> URL {
        runsFolder.appendingPathComponent(cellID + ".result.json")
    }

    static func folder(of path: String) -> URL {
        URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
    }
}
