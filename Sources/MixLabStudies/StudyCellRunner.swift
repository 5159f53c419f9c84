import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// What runs one cell of a study: trains `configuration` with all its files in the cell's run
/// directory and returns the run's record.
///
/// The run directory (`Experiments/<study>/runs/<cell ID>/`) belongs to the cell and persists across
/// attempts: a runner that checkpoints there resumes a killed cell exactly where it stopped. The
/// runner is called with the cell ID for its messages. It must return a record whose `settings` are
/// `configuration.settings` (the study checks this), and may throw to fail the cell.
public struct StudyCellRunner: Sendable {
    /// A name for messages (e.g. `trainer`).
    public var name: String
    /// Runs one cell: (configuration, cell ID, run directory) → record.
    public var run: @Sendable (_ configuration: RunConfiguration, _ cellID: String, _ directory: URL) throws -> RunRecord

    /// A runner from its name and function.
    public init(
        name: String, run: @escaping @Sendable (_ configuration: RunConfiguration, _ cellID: String, _ directory: URL) throws -> RunRecord
    ) {
        self.name = name
        self.run = run
    }
}
