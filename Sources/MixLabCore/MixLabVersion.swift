/// The library's version, as recorded in benchmark output and run records.
public enum MixLabVersion {
    /// Semantic version of this source tree.
    public static let current = "0.1.0"
}
