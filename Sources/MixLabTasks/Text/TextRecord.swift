/// One text example as preparation produces it: its class, where it came from, and its text.
struct TextRecord: Sendable, Equatable {
    /// The class index (into the catalog's class names).
    var label: Int
    /// Where it came from: file and line, movie, or language and page.
    var source: String
    /// The text with every run of white space replaced by one space and none at either end.
    var text: String

    /// A record whose source and text are normalised with `collapsingWhitespace`.
    init(label: Int, source: String, text: String) {
        self.label = label
        self.source = Self.collapsingWhitespace(source)
        self.text = Self.collapsingWhitespace(text)
    }

    /// `text` with each run of Unicode white space (spaces, tabs, line breaks, no-break and ideographic
    /// spaces…) replaced by one ASCII space, trimmed at both ends. A prepared line can then hold no tab or
    /// newline, and the meaning of a text is unchanged (these sources use white space only to separate).
    static func collapsingWhitespace<Text: StringProtocol>(_ text: Text) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
            } else {
                if pendingSpace { scalars.append(" ") }
                pendingSpace = false
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
