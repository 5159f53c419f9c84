import MixLabCore
import MixLabMixers
import MixLabTasks
import MixLabTraining

extension Study {
    /// Builds the task of every distinct task setting among `cells` once, and checks each cell's model
    /// against its task (`RunConfiguration.encoderConfiguration(for:)`), so that a bad task value
    /// (`task.length` out of range), missing data (a dataset not fetched) or a model that does not fit
    /// its task fails before the first run, not hours into a study.
    ///
    /// Cost: one task construction per distinct (task, task settings) — cheap for synthetic tasks,
    /// a read of the prepared cache for real-data ones — and no model is built.
    ///
    /// - Throws: the task's or the configuration's `MixLabError`, located at the file, line and cell.
    public func preflight(_ cells: [StudyCell]) throws {
        var built: [String: any LearningTask] = [:]
        for cell in cells {
            let configuration = cell.configuration
            let key = ([configuration.task] + configuration.taskSettings.keys.sorted().map { "\($0)=\(configuration.taskSettings[$0]!)" })
                .joined(separator: "\n")
            do {
                let task: any LearningTask
                if let known = built[key] {
                    task = known
                } else {
                    task = try tasks.make(configuration.task, settings: configuration.taskSettings)
                    built[key] = task
                }
                _ = try configuration.encoderConfiguration(for: task, registry: mixers)
            } catch let error as MixLabError {
                let taskSources = cell.sources.filter { $0.key == "task" || $0.key.hasPrefix("task.") }
                let line = (taskSources.first { error.what.contains("\($0.key.dropFirst(5))") && $0.key.hasPrefix("task.") } ?? taskSources.first)?.line
                throw MixLabError(
                    error.code, what: error.what,
                    location: "\(specification.path)\(line.map { ":\($0)" } ?? "") (cell \(cell.index): \(cell.label); \(error.location))",
                    fix: error.fix)
            }
        }
    }
}
