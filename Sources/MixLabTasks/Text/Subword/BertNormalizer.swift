import Foundation

/// HuggingFace's `BertNormalizer`: the clean-up BERT's basic tokenizer applies to text before it is split
/// into words.
///
/// Applied to the Unicode scalars of a text, in this order (as the `tokenizers` library applies them):
/// 1. `cleansText`: drop U+0000, U+FFFD and every scalar of general category Cc, Cf, Co or Cs except tab,
///    line feed and carriage return (so soft hyphens, zero-width joiners and private-use scalars vanish;
///    unassigned scalars stay); then replace every white-space scalar (Unicode `White_Space`) by a space.
/// 2. `separatesChineseCharacters`: put a space before and after every CJK ideograph (`isChineseCharacter`),
///    so each becomes a word of its own.
/// 3. `stripsAccents`: canonical decomposition (NFD), then drop every nonspacing mark (Mn): `é` → `e`.
/// 4. `lowercases`: each scalar's full lower-case mapping, without context (`İ` → `i̇`; a final `Σ` becomes
///    `σ`, not `ς`), as the library maps one character at a time.
///
/// O(n) for n scalars. Reference: J. Devlin et al., "BERT", NAACL 2019, and its `BasicTokenizer`
/// (google-research/bert, tokenization.py); HuggingFace `tokenizers`, `normalizers/bert.rs`.
public struct BertNormalizer: Sendable, Equatable {
    /// Whether control and format characters are dropped and white space becomes a space.
    public var cleansText: Bool
    /// Whether CJK ideographs are surrounded by spaces.
    public var separatesChineseCharacters: Bool
    /// Whether accents (nonspacing marks after NFD) are removed.
    public var stripsAccents: Bool
    /// Whether text is lower-cased.
    public var lowercases: Bool

    /// A normalizer with the given steps; the default is MixLab's: clean, separate CJK, lower-case, keep
    /// accents (as MixLab's word tokens do).
    public init(cleansText: Bool = true, separatesChineseCharacters: Bool = true, stripsAccents: Bool = false, lowercases: Bool = true) {
        self.cleansText = cleansText
        self.separatesChineseCharacters = separatesChineseCharacters
        self.stripsAccents = stripsAccents
        self.lowercases = lowercases
    }

    /// The normalized form of `text`.
    public func normalize(_ text: Substring) -> String {
        // Most text is ASCII: the same rules byte by byte, without Unicode tables.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count)
            for byte in text.utf8 {
                if byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x20 {
                    bytes.append(cleansText ? 0x20 : byte)
                } else if cleansText && (byte < 0x20 || byte == 0x7F) {
                    // Other ASCII controls (Cc) are dropped, white-space ones (0x0B, 0x0C) included, as the
                    // library drops controls before it maps white space.
                    continue
                } else if lowercases && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                    bytes.append(byte + 32)
                } else {
                    bytes.append(byte)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if cleansText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) { scalars.append(" "); continue }
            }
            if separatesChineseCharacters && Self.isChineseCharacter(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        if stripsAccents {
            let decomposed = String(scalars).decomposedStringWithCanonicalMapping.unicodeScalars
            scalars = String.UnicodeScalarView(decomposed.filter { $0.properties.generalCategory != .nonspacingMark })
        }
        guard lowercases else { return String(scalars) }
        var lowered = String.UnicodeScalarView()
        for scalar in scalars {
            if scalar.properties.changesWhenLowercased {
                lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                lowered.append(scalar)
            }
        }
        return String(lowered)
    }

    /// White space as BERT counts it: tab, line feed, carriage return and Unicode `White_Space`.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Control characters as BERT's clean-up drops them: general category Cc, Cf, Co or Cs, except tab,
    /// line feed and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// The CJK ideograph ranges of the `tokenizers` library (BERT's, with the block from U+2B920 as the
    /// library has it): U+4E00–9FFF, U+3400–4DBF, U+20000–2A6DF, U+2A700–2B73F, U+2B740–2B81F,
    /// U+2B920–2CEAF, U+F900–FAFF, U+2F800–2FA1F.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF,
             0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
