/// Where a pre-training corpus takes its documents, and whose held-out splits it must never contain.
///
/// The documents are, in this order: each Orange `.tab` file of `documents` inside the artifact, then the
/// training split of each prepared dataset of `trainingSplits` (only the listed classes, when given).
/// Every document whose text occurs — compared by `PretrainingCorpusBuilder.exclusionKey` — in the
/// validation or test split of a dataset of `heldOutOf` is left out, so a model pre-trained on the corpus
/// has never seen a text it is later evaluated on; then exact repeats are left out
/// (`PretrainingCorpusBuilder` gives the rules and the corpus's own splits).
public struct PretrainingCorpusLayout: Sendable, Equatable {
    /// An Orange `.tab` file of the artifact, whose documents are labelled `source` (any category).
    public struct Documents: Sendable, Equatable {
        /// The class name its documents get (a source name).
        public var source: String
        /// The path inside the artifact.
        public var path: String

        /// An entry from its parts.
        public init(source: String, path: String) {
            self.source = source
            self.path = path
        }
    }

    /// The training split of a prepared dataset, whose documents are labelled `source`.
    public struct TrainingSplit: Sendable, Equatable {
        /// The class name its documents get (a source name).
        public var source: String
        /// The prepared dataset.
        public var dataset: String
        /// The classes of the dataset that are taken (all when nil), e.g. `en` of `langid`.
        public var classes: [String]?

        /// An entry from its parts.
        public init(source: String, dataset: String, classes: [String]? = nil) {
            self.source = source
            self.dataset = dataset
            self.classes = classes
        }
    }

    /// The artifact's files read.
    public var documents: [Documents]
    /// The prepared training splits read.
    public var trainingSplits: [TrainingSplit]
    /// The prepared datasets whose validation and test texts are excluded.
    public var heldOutOf: [String]

    /// A layout from its parts.
    public init(documents: [Documents], trainingSplits: [TrainingSplit], heldOutOf: [String]) {
        self.documents = documents
        self.trainingSplits = trainingSplits
        self.heldOutOf = heldOutOf
    }

    /// The prepared datasets read (training splits and held-out splits), each once, in order.
    public var requirements: [String] {
        var names: [String] = []
        for name in trainingSplits.map(\.dataset) + heldOutOf where !names.contains(name) { names.append(name) }
        return names
    }
}
