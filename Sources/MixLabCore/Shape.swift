import Foundation

/// Helpers for tensor shapes (row-major, outermost axis first).
public enum Shape {
    /// The number of elements of a tensor with this shape (1 for a scalar shape `[]`).
    @inlinable
    public static func count(_ shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    /// Row-major strides: the distance in elements between neighbours along each axis.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// `[2, 3, 4]` as `"[2, 3, 4]"`.
    public static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// Parses `"B,T,C"` (commas or `x`, spaces allowed) into positive integers.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the offending part.
    public static func parse(_ text: String, location: String = "shape") throws -> [Int] {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "x" || $0 == "×" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MixLabError(
                .invalidArgument, what: "the shape is empty", location: location,
                fix: "write the shape as comma-separated sizes, e.g. 32,512,256")
        }
        return try parts.map { part in
            guard let value = Int(part), value > 0 else {
                throw MixLabError(
                    .invalidArgument,
                    what: "'\(part)' in shape '\(text)' is not a positive integer",
                    location: location,
                    fix: "write the shape as comma-separated positive sizes, e.g. 32,512,256")
            }
            return value
        }
    }
}
