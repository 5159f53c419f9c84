/// HuggingFace's `BertPreTokenizer`: splits normalized text into words on white space and punctuation.
///
/// White space (Unicode `White_Space`) separates words and is dropped. Every punctuation scalar — any
/// printable ASCII character that is not a letter, a digit or a space (U+0021–002F, U+003A–0040,
/// U+005B–0060, U+007B–007E: ASCII symbols such as `$` and `+` included), or Unicode punctuation
/// (general category Pc, Pd, Ps, Pe, Pi, Pf, Po) — is a word of its own. Other symbols stay inside words:
/// `"10€, a$b"` → `10€` `,` `a` `$` `b`.
///
/// O(n) for n scalars. Reference: google-research/bert, tokenization.py (`_run_split_on_punc`);
/// HuggingFace `tokenizers`, `pre_tokenizers/bert.rs`.
public enum BertPreTokenizer {
    /// The words of `text`, in order.
    public static func words(_ text: String) -> [Substring] {
        var words: [Substring] = []
        var start: String.Index?
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if BertNormalizer.isWhitespace(scalar) {
                if let begin = start { words.append(Substring(scalars[begin..<index])); start = nil }
            } else if isPunctuation(scalar) {
                if let begin = start { words.append(Substring(scalars[begin..<index])); start = nil }
                words.append(Substring(scalars[index..<next]))
            } else if start == nil {
                start = index
            }
            index = next
        }
        if let begin = start { words.append(Substring(scalars[begin..<scalars.endIndex])) }
        return words
    }

    /// ASCII punctuation or a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        case 0...0x7F: return false
        default:
            switch scalar.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                 .finalPunctuation, .otherPunctuation:
                return true
            default:
                return false
            }
        }
    }
}
