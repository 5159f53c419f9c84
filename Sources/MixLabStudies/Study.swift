import Foundation
import MixLabCore
import MixLabMixers
import MixLabTasks
import MixLabTraining

/// A study ready to run: its file, its checked grid, and the results file its runs append to.
///
/// Loading a study reads and checks the whole file and every cell (`StudyGrid`) before anything runs,
/// so a typo fails in a second, not after hours of training.
public struct Study: Sendable {
    /// The study file.
    public let specification: StudySpecification
    /// The checked cells.
    public let grid: StudyGrid
    /// The results file (the one the study file names, unless overridden).
    public let results: StudyResultsFile
    /// The tasks the cells name.
    public let tasks: TaskRegistry
    /// The mixers the cells name.
    public let mixers: MixerRegistry

    /// Reads and checks the study file at `path`.
    ///
    /// - Parameters:
    ///   - path: the study file (YAML).
    ///   - resultsFile: a results file to use instead of the one the study file names (e.g. one per
    ///     shard on a cluster without a shared lockable filesystem).
    ///   - tasks: where the cells' task names are looked up.
    ///   - mixers: where the cells' mixer names are looked up.
    /// - Throws: the errors of `StudySpecification(contentsOf:)` and `StudyGrid`.
    public init(contentsOf path: String, resultsFile: URL? = nil, tasks: TaskRegistry = .shared, mixers: MixerRegistry = .shared) throws {
        try self.init(specification: StudySpecification(contentsOf: path), resultsFile: resultsFile, tasks: tasks, mixers: mixers)
    }

    /// A study from a parsed file.
    ///
    /// - Throws: the errors of `StudyGrid`.
    public init(
        specification: StudySpecification, resultsFile: URL? = nil, tasks: TaskRegistry = .shared, mixers: MixerRegistry = .shared
    ) throws {
        self.specification = specification
        grid = try StudyGrid(specification, tasks: tasks, mixers: mixers)
        results = StudyResultsFile(resultsFile ?? specification.resultsFile)
        self.tasks = tasks
        self.mixers = mixers
    }

    /// Which cells have a row in the results file.
    ///
    /// - Throws: the errors of `StudyResultsFile.read()`.
    public func progress() throws -> StudyProgress {
        let contents = try results.read()
        let gridIDs = Set(grid.cells.map(\.id))
        let ownRows = contents.rows.filter { $0.study == specification.name && gridIDs.contains($0.cell) }
        return StudyProgress(
            grid: grid, done: Set(ownRows.map(\.cell)), otherRows: contents.rows.count - ownRows.count, warnings: contents.warnings)
    }
}
