import MixLabCore

/// The token ids of a task: their names, and which ids play special roles.
///
/// Id 0 is always padding, so that a zero-filled batch is all padding. Names are for people (decoded
/// examples, notebooks); models only see ids.
public struct TaskVocabulary: Sendable, Equatable {
    /// The padding id.
    public static let padding: Int32 = 0

    /// The name of every id; `names[0]` is the padding token.
    public let names: [String]
    /// The id of the mask token used by masked-language modelling, if the vocabulary has one.
    public let mask: Int32?
    /// The id of a classification token prepended to every sequence, if the task uses one.
    public let classification: Int32?

    /// A vocabulary from the names of its ids (the first is the padding token).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for fewer than two names, or special ids out of range.
    public init(names: [String], mask: Int32? = nil, classification: Int32? = nil) throws {
        guard names.count >= 2 else {
            throw MixLabError(
                .invalidConfigValue, what: "a vocabulary of \(names.count) token(s)", location: "TaskVocabulary",
                fix: "give the padding token and at least one real token")
        }
        for (role, id) in [("mask", mask), ("classification", classification)] {
            if let id, id <= 0 || Int(id) >= names.count {
                throw MixLabError(
                    .invalidConfigValue, what: "the \(role) id \(id) is outside 1..<\(names.count)", location: "TaskVocabulary",
                    fix: "use an id of the vocabulary other than the padding id 0")
            }
        }
        self.names = names
        self.mask = mask
        self.classification = classification
    }

    /// The number of ids.
    public var size: Int { names.count }

    /// The names of `tokens` joined by spaces, for reading an example.
    public func decode(_ tokens: [Int32]) -> String {
        tokens.map { $0 >= 0 && Int($0) < names.count ? names[Int($0)] : "<\($0)?>" }.joined(separator: " ")
    }
}
