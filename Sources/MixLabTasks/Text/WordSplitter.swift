/// Splits text into lower-cased words without regular expressions, like BERT's basic tokenizer.
///
/// The text is lower-cased (Unicode case mapping) and read one Unicode scalar at a time:
/// - white space separates words;
/// - letters, digits and combining marks extend the current word;
/// - a CJK ideograph, hiragana or katakana character is a word of its own (those scripts do not
///   separate words with spaces; BERT does the same for ideographs);
/// - any other character (punctuation, symbols) is a word of its own.
/// So `"Don't panic: 42 €"` → `don ' t panic : 42 €`. Accents are kept.
///
/// Reference: J. Devlin et al., BERT, 2019, and its `BasicTokenizer` (google-research/bert, tokenization.py).
enum WordSplitter {
    /// The words of the UTF-8 text `bytes`.
    static func words<Bytes: Collection>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        if bytes.allSatisfy({ $0 < 0x80 }) { return asciiWords(bytes) }
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)); current = .init() }
        }
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace {
                flush()
            } else if isStandalone(scalar) {
                flush()
                words.append(String(scalar))
            } else if extendsWord(properties) {
                current.append(scalar)
            } else {
                flush()
                words.append(String(scalar))
            }
        }
        flush()
        return words
    }

    /// The same rules for ASCII text, byte by byte (most of news20, reuters8 and rt-sentiment).
    private static func asciiWords<Bytes: Collection>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        var words: [String] = []
        var current: [UInt8] = []
        func flush() {
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)); current.removeAll(keepingCapacity: true) }
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                current.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                current.append(byte + 32)
            case 0x09...0x0D, 0x20:
                flush()
            default:
                flush()
                words.append(String(UnicodeScalar(byte)))
            }
        }
        flush()
        return words
    }

    private static func isMark(_ category: Unicode.GeneralCategory) -> Bool {
        category == .nonspacingMark || category == .spacingMark || category == .enclosingMark
    }

    /// Whether a scalar with `properties` (neither white space nor standalone) extends the current word:
    /// a letter (`Alphabetic`), a number (any numeric type) or a combining mark.
    private static func extendsWord(_ properties: Unicode.Scalar.Properties) -> Bool {
        properties.isAlphabetic || properties.numericType != nil || isMark(properties.generalCategory)
    }

    /// Every scalar that extends a word (not white space, not standalone), as ascending ranges: the
    /// rules above as data, from this toolchain's Unicode tables (what a tokenizer that must split
    /// exactly as MixLab does needs, `HuggingFaceTokenizerFiles`).
    static let wordScalarRanges: [ClosedRange<UInt32>] = {
        var ranges: [ClosedRange<UInt32>] = []
        var start: UInt32?
        for value in UInt32(0)...0x10FFFF {
            let extends = Unicode.Scalar(value).map { scalar in
                !scalar.properties.isWhitespace && !isStandalone(scalar) && extendsWord(scalar.properties)
            } ?? false
            if extends, start == nil { start = value }
            if !extends, let first = start {
                ranges.append(first...(value - 1))
                start = nil
            }
        }
        if let start { ranges.append(start...0x10FFFF) }
        return ranges
    }()

    /// CJK ideographs (the ranges BERT uses), hiragana and katakana: each is a word of its own.
    static let standaloneRanges: [ClosedRange<UInt32>] = [
        0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B820...0x2CEAF,
        0xF900...0xFAFF, 0x2F800...0x2FA1F, 0x3040...0x309F, 0x30A0...0x30FF,
    ]

    /// Whether `scalar` is in `standaloneRanges`.
    private static func isStandalone(_ scalar: Unicode.Scalar) -> Bool {
        standaloneRanges.contains { $0.contains(scalar.value) }
    }
}
