/// MixLab's own tasks, registered in `TaskRegistry.shared` from the start.
///
/// Each task defines its registry entry (`static let registration`) next to its implementation; this
/// list only collects them.
enum BuiltinTasks {
    static let registrations: [TaskRegistration] = [
        ListOpsTask.registration,
        AssociativeRecallTask.registration,
        BitStringTask.Rule.parity.registration,
        BitStringTask.Rule.majority.registration,
        FrequencyTask.registration,
        MotifTask.registration,
        ReversalTask.registration,
        TextClassificationTask.registration("news20"),
        TextClassificationTask.registration("reuters8"),
        TextClassificationTask.registration("rt-sentiment"),
        TextClassificationTask.registration("polarity"),
        TextClassificationTask.registration("langid"),
        RetrievalTask.registration,
        ImageClassificationTask.registration("fashion-mnist"),
        ImageClassificationTask.registration("digits"),
        PathfinderTask.registration,
        MaskedLanguageModelTask.registration,
    ]
}
