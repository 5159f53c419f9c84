import Foundation
import MixLabCore
import MixLabMixers
import MixLabTasks
import MixLabTraining

extension StudyCellRunner {
    /// The runner that trains in this process (`--runner in-process`): each cell is a `Trainer` run of
    /// its configuration on its task, with the cell's run directory as the run folder.
    ///
    /// A cell killed mid-run resumes from its last checkpoint exactly (`Trainer.ExistingRun.resume`). A
    /// cell whose run had finished — `run.json` written — with the same settings is not trained again:
    /// its record is returned as it is (this covers a crash after training but before the study wrote
    /// the row). A folder holding a run with other settings is refused by the trainer, with the keys
    /// that differ.
    ///
    /// - Parameters:
    ///   - tasks: where the cells' tasks are made.
    ///   - mixers: where the cells' mixers are made.
    ///   - observer: makes the observer of each run (progress display), or nil for none.
    public static func trainer(
        tasks: TaskRegistry = .shared, mixers: MixerRegistry = .shared, observer: (@Sendable (RunConfiguration) -> TrainingObserver?)? = nil
    ) -> StudyCellRunner {
        StudyCellRunner(name: "in-process") { configuration, _, directory in
            if case .finished(_, let record?) = try RunDirectory(directory.path).inspect(), record.settings == configuration.settings {
                return record
            }
            let task = try tasks.make(configuration.task, settings: configuration.taskSettings)
            let trainer = try Trainer(configuration: configuration, task: task, directory: directory.path, existingRun: .resume,
                registry: mixers)
            trainer.observer = observer?(configuration)
            return try trainer.run()
        }
    }
}
