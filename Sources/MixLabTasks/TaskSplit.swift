/// Which part of a task's data: training, validation (model selection, early stopping) or test (the
/// figure that is reported, touched once at the end of a run).
public enum TaskSplit: String, Sendable, Codable, CaseIterable {
    case train
    case validation
    case test
}
