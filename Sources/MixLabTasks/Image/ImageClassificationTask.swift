import MixLabCore

/// Classifying prepared images read as a sequence of pixel tokens (`fashion-mnist`, `digits`), the
/// analogue of LRA's "Image" task: the model sees no 2-D structure, only the row-major pixel order.
///
/// Each intensity v (0…maximum) becomes the token v + 1, so id 0 stays padding. Options:
/// - `pool=k` (fashion-mnist): k×k average pooling first, `(sum + k²/2) / k²` in integers (rounded
///   half up), so 28×28 → 14×14 = 196 tokens with k = 2;
/// - `levels=q` (fashion-mnist): quantises v to `v · q / (maximum + 1)` (integer division), tokens 1…q;
/// - `cls=true`: prepends a classification token, the last id of the vocabulary.
public struct ImageClassificationTask: LearningTask {
    /// The registry name, the dataset's (`fashion-mnist` or `digits`).
    public let name: String
    /// The resolved settings: `cls` for `digits`; `pool`, `levels` and `cls` for `fashion-mnist`.
    public let settings: [String: String]
    /// Sequence-level labels: one class per image.
    public let labelKind = TaskLabelKind.sequence
    /// The number of classes in the dataset's manifest.
    public let classes: Int
    /// The class names from the dataset's manifest.
    public let classNames: [String]
    /// Padding, the levels (ids 1…levels, `0`… or quantised `q0`…), then `<cls>` with `cls=true`.
    public let vocabulary: TaskVocabulary
    /// The number of pooled pixels, `(H/k)·(W/k)` for pool size k, plus one with `cls=true`.
    public let sequenceLength: Int

    private let images: PreparedImageSet
    private let pool: Int
    private let levels: Int
    private let maximum: Int
    private let classificationToken: Int32?

    /// The task on `dataset` (`fashion-mnist` or `digits`) with `settings`, reading the prepared data in `cache`.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for a bad setting (a pool size that does not divide
    ///   the image side); `ioFailure` when the dataset is not prepared (the fix is the exact
    ///   `mixlab data fetch` command) or is damaged.
    public init(dataset: String, settings: TaskSettings, cache: DataCache) throws {
        let location = "task \(settings.task)"
        images = try PreparedImageSet.open(dataset, in: cache, location: location)
        let shape = images.manifest.image!
        maximum = shape.maximum
        pool = try settings.integer("pool", default: 1, in: 1...min(shape.height, shape.width))
        guard shape.height % pool == 0, shape.width % pool == 0 else {
            let divisors = (1...min(shape.height, shape.width)).filter { shape.height % $0 == 0 && shape.width % $0 == 0 }
            throw MixLabError(
                .invalidConfigValue, what: "pool=\(pool) does not divide the \(shape.height)×\(shape.width) images", location: location,
                fix: "use pool = one of: \(divisors.map(String.init).joined(separator: ", "))")
        }
        levels = try settings.integer("levels", default: maximum + 1, in: 2...(maximum + 1))
        let classification = try settings.boolean("cls", default: false)
        name = settings.task
        classNames = images.manifest.classes
        classes = classNames.count
        classificationToken = classification ? Int32(levels + 1) : nil
        let (levels, maximum) = (levels, maximum)
        let valueNames = (0..<levels).map { levels == maximum + 1 ? "\($0)" : "q\($0)" }
        vocabulary = try TaskVocabulary(
            names: ["<pad>"] + valueNames + (classification ? ["<cls>"] : []), classification: classificationToken)
        sequenceLength = (shape.height / pool) * (shape.width / pool) + (classification ? 1 : 0)
        self.settings = dataset == "digits"
            ? ["cls": "\(classification)"]
            : ["pool": "\(pool)", "levels": "\(levels)", "cls": "\(classification)"]
    }

    /// The number of images in `split`.
    public func count(_ split: TaskSplit) -> Int {
        images.split(split).count
    }

    /// Image `index` of `split` as row-major pixel tokens (pooled and quantised), labelled with its class.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        let set = images.split(split)
        guard index >= 0, index < set.count else {
            throw MixLabError(.invalidArgument, what: "example \(index) of \(split.rawValue) is outside 0..<\(set.count)",
                              location: "task \(name)", fix: "ask for an index below count(.\(split.rawValue))")
        }
        let pixels = set.image(index)
        let base = pixels.startIndex
        let (rows, columns) = (set.height / pool, set.width / pool)
        var tokens: [Int32] = []
        tokens.reserveCapacity(sequenceLength)
        if let classificationToken { tokens.append(classificationToken) }
        let area = pool * pool
        for row in 0..<rows {
            for column in 0..<columns {
                var sum = 0
                for dy in 0..<pool {
                    for dx in 0..<pool { sum += Int(pixels[base + (row * pool + dy) * set.width + column * pool + dx]) }
                }
                let value = (sum + area / 2) / area
                tokens.append(Int32(value * levels / (maximum + 1)) + 1)
            }
        }
        return TaskExample(tokens: tokens, label: Int32(set.labels[index]))
    }

    /// The registry entry of the task on `dataset` (the task has the dataset's name).
    static func registration(_ dataset: String) -> TaskRegistration {
        let descriptor = try! DatasetCatalog.standard.descriptor(named: dataset)
        let cls = TaskSettingKey("cls", default: "false", allowed: "true|false", summary: "prepend a classification token <cls>")
        let keys: [TaskSettingKey] = dataset == "digits" ? [cls] : [
            .init("pool", default: "1", allowed: "1|2|4|7|14", summary: "k×k average pooling (2: 196 tokens instead of 784)"),
            .init("levels", default: "256", allowed: "2…256", summary: "quantise intensities to this many levels"),
            cls,
        ]
        return TaskRegistration(
            name: dataset, summary: descriptor.summary + " (`mixlab data fetch \(dataset)` first)", labelKind: .sequence, keys: keys,
            make: { settings in try ImageClassificationTask(dataset: dataset, settings: settings, cache: try DataCache.current()) })
    }
}
