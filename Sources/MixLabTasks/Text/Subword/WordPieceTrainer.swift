import MixLabCore

/// Learns a WordPiece vocabulary from texts by byte-pair-style merges, deterministically.
///
/// The same algorithm as HuggingFace's `WordPieceTrainer` (BPE merges with a `##` continuation prefix),
/// with every choice fixed:
/// 1. **Documents**: all of them, or — when `maximumDocuments` is below their number — that many chosen
///    uniformly without replacement by a partial Fisher–Yates shuffle from `SeededRandom(seed)`, then read
///    in their original order. With every document used the result does not depend on the seed.
/// 2. **Words**: each document is split as `WordPieceTokenizer` splits it (special tokens out,
///    `BertNormalizer`, `BertPreTokenizer`); words are counted. Words longer than
///    `maximumCharactersPerWord` scalars are left out (they always encode as `[UNK]`).
/// 3. **Alphabet**: the `alphabetLimit` most frequent Unicode scalars (occurrences weighted by word
///    counts; ties to the smaller scalar value). Words holding another scalar are left out of training.
/// 4. **Initial vocabulary**: the special tokens (ids 0, 1, …), then `c` for every alphabet scalar that
///    starts some word, in scalar order, then `##c` for every one that continues some word, in scalar
///    order. Each word is a sequence of these symbols: `cat` → `c ##a ##t`.
/// 5. **Merges**: repeatedly take the adjacent symbol pair (a, b) with the largest count (summed over
///    words, weighted by word counts); ties go to the pair whose left symbol has the smaller id, then the
///    right. Stop when that count is below `minimumFrequency` or the vocabulary has `vocabularySize`
///    tokens. Otherwise every occurrence of (a, b), left to right without overlap, becomes the symbol
///    `a` + `b` without its `##` (`c` + `##a` → `ca`; `##a` + `##t` → `##at`); a new string gets the next
///    id, a string already in the vocabulary keeps its id.
///
/// Pair counts are updated only for the words that hold the merged pair, and the best pair comes from a
/// heap with lazily corrected counts: O(P log P) heap work for P pair updates, rather than a recount of
/// the corpus per merge. Reference: R. Sennrich et al., "Neural Machine Translation of Rare Words with
/// Subword Units", ACL 2016 (BPE); HuggingFace `tokenizers`, `models/wordpiece/trainer.rs`.
public struct WordPieceTrainer: Sendable {
    /// The number of tokens to reach, special tokens included.
    public var vocabularySize: Int
    /// Pairs seen fewer times than this are never merged.
    public var minimumFrequency: Int
    /// The most scalars kept in the initial alphabet.
    public var alphabetLimit: Int
    /// Documents to train on at most (nil: all).
    public var maximumDocuments: Int?
    /// Seed of the document sample (used only when `maximumDocuments` is below the document count).
    public var seed: UInt64
    /// The text clean-up of the trained tokenizer.
    public var normalizer: BertNormalizer
    /// The special tokens, given ids 0, 1, … in this order.
    public var specialTokens: [String]
    /// The longest word (in scalars) that is encoded rather than unknown.
    public var maximumCharactersPerWord: Int

    /// A trainer with MixLab's defaults: 8192 tokens, merges seen at least twice, 1000 scalars, every
    /// document, BERT's special tokens.
    public init(
        vocabularySize: Int = 8192, minimumFrequency: Int = 2, alphabetLimit: Int = 1000, maximumDocuments: Int? = nil, seed: UInt64 = 0,
        normalizer: BertNormalizer = BertNormalizer(), specialTokens: [String] = WordPieceTokenizer.requiredSpecialTokens,
        maximumCharactersPerWord: Int = 100
    ) {
        self.vocabularySize = vocabularySize
        self.minimumFrequency = minimumFrequency
        self.alphabetLimit = alphabetLimit
        self.maximumDocuments = maximumDocuments
        self.seed = seed
        self.normalizer = normalizer
        self.specialTokens = specialTokens
        self.maximumCharactersPerWord = maximumCharactersPerWord
    }

    /// What training saw and made, for people.
    public struct Summary: Sendable, Equatable {
        /// Documents read.
        public var documents: Int
        /// Words counted (with repeats).
        public var words: Int
        /// Distinct words trained on.
        public var distinctWords: Int
        /// Scalars in the alphabet.
        public var alphabet: Int
        /// Merges applied.
        public var merges: Int
        /// Why training stopped.
        public var stoppedBecause: String
    }

    /// Trains a tokenizer on `documents` (UTF-8 texts).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` for settings out of range, no documents or no words
    ///   (an empty corpus), or a vocabulary size below the special tokens plus the initial alphabet.
    public func train(_ documents: [String], location: String = "WordPieceTrainer") throws -> (tokenizer: WordPieceTokenizer, summary: Summary) {
        guard vocabularySize >= specialTokens.count + 1, minimumFrequency >= 1, alphabetLimit >= 1, (maximumDocuments ?? 1) >= 1 else {
            throw MixLabError(
                .invalidConfigValue,
                what: "vocabulary size \(vocabularySize), minimum frequency \(minimumFrequency), alphabet limit \(alphabetLimit) or "
                    + "document limit \(maximumDocuments.map(String.init) ?? "none") is out of range",
                location: location, fix: "use a vocabulary size above the \(specialTokens.count) special tokens and limits ≥ 1")
        }
        guard !documents.isEmpty else {
            throw MixLabError(.invalidConfigValue, what: "the corpus has no documents to train a tokenizer on", location: location,
                              fix: "train on a prepared text dataset with training documents (`mixlab data fetch mlm-corpus`)")
        }
        // 1. Documents.
        var chosen = Array(documents.indices)
        if let limit = maximumDocuments, limit < documents.count {
            var random = SeededRandom(seed: seed)
            for slot in 0..<limit { chosen.swapAt(slot, slot + random.nextIndex(below: chosen.count - slot)) }
            chosen = Array(chosen.prefix(limit)).sorted()
        }
        // 2. Words, counted (the tokenizer's own split, with an empty vocabulary of specials only).
        let splitter = try WordPieceTokenizer(
            tokens: Self.placeholderVocabulary(specialTokens), normalizer: normalizer, specialTokens: specialTokens, location: location)
        // Words are told apart by their UTF-8 bytes, as the tokenizer compares them.
        var wordCounts: [[UInt8]: Int] = [:]
        var total = 0
        for index in chosen {
            for word in splitter.words(documents[index]) where word.unicodeScalars.count <= maximumCharactersPerWord {
                wordCounts[Array(word.utf8), default: 0] += 1
                total += 1
            }
        }
        guard !wordCounts.isEmpty else {
            throw MixLabError(.invalidConfigValue, what: "the \(chosen.count) documents hold no words (they are empty or only white space)",
                              location: location, fix: "train on a corpus with text in it")
        }
        // 3. Alphabet.
        var scalarCounts: [Unicode.Scalar: Int] = [:]
        for (word, count) in wordCounts { for scalar in String(decoding: word, as: UTF8.self).unicodeScalars { scalarCounts[scalar, default: 0] += count } }
        let alphabet = Set(scalarCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.value < $1.key.value }
            .prefix(alphabetLimit).map(\.key))
        // Words in a fixed order (byte order), so ids and merges do not depend on dictionary order.
        let words = wordCounts.map { (String(decoding: $0.key, as: UTF8.self).unicodeScalars, $0.key, $0.value) }
            .filter { $0.0.allSatisfy(alphabet.contains) }
            .sorted { $0.1.lexicographicallyPrecedes($1.1) }
            .map { (scalars: $0.0, count: $0.2) }
        // 4. Initial vocabulary.
        var starts = Set<Unicode.Scalar>(), continuations = Set<Unicode.Scalar>()
        for (word, _) in words {
            var first = true
            for scalar in word {
                if first { starts.insert(scalar) } else { continuations.insert(scalar) }
                first = false
            }
        }
        let prefix = "##"
        var tokens = specialTokens
        tokens += starts.sorted { $0.value < $1.value }.map { String($0) }
        tokens += continuations.sorted { $0.value < $1.value }.map { prefix + String($0) }
        guard tokens.count <= vocabularySize else {
            throw MixLabError(
                .invalidConfigValue,
                what: "vocabulary size \(vocabularySize) is below the \(specialTokens.count) special tokens and \(tokens.count - specialTokens.count) "
                    + "initial symbols of the alphabet",
                location: location, fix: "raise the vocabulary size above \(tokens.count), or lower the alphabet limit")
        }
        var ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { (Array($1.utf8), Int32($0)) })
        var symbols: [[Int32]] = words.map { word, _ in
            var first = true
            return word.map { scalar in
                defer { first = false }
                return ids[Array((first ? String(scalar) : prefix + String(scalar)).utf8)]!
            }
        }
        let counts = words.map(\.count)
        // 5. Merges.
        var pairs = PairCounts()
        for (word, sequence) in symbols.enumerated() {
            for position in sequence.indices.dropLast() {
                pairs.add(PairCounts.key(sequence[position], sequence[position + 1]), counts[word], word: Int32(word))
            }
        }
        pairs.pushAll()
        var merges = 0
        var stopped = "the vocabulary reached \(vocabularySize) tokens"
        var visited = [Int](repeating: -1, count: symbols.count)
        while tokens.count < vocabularySize {
            guard let (key, count) = pairs.popBest(), count >= minimumFrequency else {
                stopped = "no pair of symbols occurs \(minimumFrequency) times or more (vocabulary: \(tokens.count) tokens)"
                break
            }
            let (left, right) = PairCounts.split(key)
            let merged = Array(tokens[Int(left)].utf8) + Array(tokens[Int(right)].utf8).dropFirst(prefix.utf8.count)
            let mergedID: Int32
            if let existing = ids[merged] {
                mergedID = existing
            } else {
                mergedID = Int32(tokens.count)
                tokens.append(String(decoding: merged, as: UTF8.self))
                ids[merged] = mergedID
            }
            var delta: [UInt64: Int] = [:]
            for word in pairs.words(holding: key) where visited[Int(word)] != merges {
                visited[Int(word)] = merges
                let old = symbols[Int(word)]
                var new: [Int32] = []
                new.reserveCapacity(old.count)
                var position = 0
                while position < old.count {
                    if position + 1 < old.count && old[position] == left && old[position + 1] == right {
                        new.append(mergedID)
                        position += 2
                    } else {
                        new.append(old[position])
                        position += 1
                    }
                }
                guard new.count != old.count else { continue }
                let weight = counts[Int(word)]
                for position in old.indices.dropLast() { delta[PairCounts.key(old[position], old[position + 1]), default: 0] -= weight }
                for position in new.indices.dropLast() {
                    let pair = PairCounts.key(new[position], new[position + 1])
                    delta[pair, default: 0] += weight
                    if new[position] == mergedID || new[position + 1] == mergedID { pairs.note(pair, word: word) }
                }
                symbols[Int(word)] = new
            }
            pairs.apply(delta)
            merges += 1
        }
        let tokenizer = try WordPieceTokenizer(
            tokens: tokens, continuingSubwordPrefix: prefix, maximumCharactersPerWord: maximumCharactersPerWord, normalizer: normalizer,
            specialTokens: specialTokens, location: location)
        let summary = Summary(
            documents: chosen.count, words: total, distinctWords: words.count, alphabet: alphabet.count, merges: merges, stoppedBecause: stopped)
        return (tokenizer, summary)
    }

    /// The special tokens followed by nothing else: a vocabulary that only splits text into words.
    private static func placeholderVocabulary(_ specials: [String]) -> [String] {
        specials.contains("[PAD]") ? ["[PAD]"] + specials.filter { $0 != "[PAD]" } : specials
    }
}

/// The pair counts of `WordPieceTrainer`: counts by pair, the words that may hold each pair, and a
/// max-heap of (count, pair) whose entries are corrected when popped.
private struct PairCounts {
    private var counts: [UInt64: Int] = [:]
    private var holders: [UInt64: [Int32]] = [:]
    private var heap: [(count: Int, key: UInt64)] = []

    /// The key of the pair (left, right): larger keys sort after, so key order is (left id, right id) order.
    static func key(_ left: Int32, _ right: Int32) -> UInt64 { UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }
    static func split(_ key: UInt64) -> (Int32, Int32) { (Int32(truncatingIfNeeded: key >> 32), Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)) }

    mutating func add(_ key: UInt64, _ count: Int, word: Int32) {
        counts[key, default: 0] += count
        note(key, word: word)
    }

    mutating func note(_ key: UInt64, word: Int32) {
        if holders[key]?.last != word { holders[key, default: []].append(word) }
    }

    /// The words that may hold `key` (some may no longer), each once per merge at most after the
    /// caller's check, and forgets them.
    mutating func words(holding key: UInt64) -> [Int32] {
        holders.removeValue(forKey: key) ?? []
    }

    mutating func pushAll() {
        for (key, count) in counts where count > 0 { push(count, key) }
    }

    /// Adds `delta` to the counts, and pushes the pairs whose counts grew.
    mutating func apply(_ delta: [UInt64: Int]) {
        for (key, change) in delta where change != 0 {
            let value = counts[key, default: 0] + change
            if value > 0 { counts[key] = value } else { counts.removeValue(forKey: key) }
            if change > 0 { push(value, key) }
        }
    }

    /// The pair with the largest current count (ties: smaller key), or nil when none is left.
    mutating func popBest() -> (UInt64, Int)? {
        while let top = pop() {
            let current = counts[top.key] ?? 0
            if current == top.count { return (top.key, current) }
            if current > 0 && current < top.count { push(current, top.key) }
        }
        return nil
    }

    private static func before(_ a: (count: Int, key: UInt64), _ b: (count: Int, key: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.key < b.key
    }

    private mutating func push(_ count: Int, _ key: UInt64) {
        heap.append((count, key))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() -> (count: Int, key: UInt64)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count && Self.before(heap[left], heap[best]) { best = left }
            if right < heap.count && Self.before(heap[right], heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
