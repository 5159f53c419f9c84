import Foundation

/// One Pathfinder image before it is drawn: its dashes and its two markers as geometry, with the
/// label; `pixels()` draws it anti-aliased and `mask(supersampling:)` draws it without anti-aliasing.
///
/// Coordinates are in pixels: x to the right, y down, (0, 0) the top-left corner of the image; pixel
/// (row r, column c) covers [c, c + 1) × [r, r + 1) and its centre is (c + ½, r + ½).
///
/// **Drawing.** A dash is the set of points within `thickness / 2` of its segment (a capsule); a marker
/// the disc of `markerRadius` around its centre. A pixel whose centre lies at distance d from a dash's
/// segment gets the brightness `pathBrightness · clamp(thickness/2 + ½ − d, 0, 1)`; from a marker's
/// centre, `clamp(markerRadius + ½ − d, 0, 1)`; a pixel takes the largest value any shape gives it, and
/// `round(255 · value)`. The one-pixel linear ramp across each edge approximates the area of the pixel
/// the shape covers (exact for a straight edge through the pixel, parallel to its side), which is the
/// anti-aliasing LRA gets from drawing at a higher resolution and resizing.
///
/// **Mask.** `mask(supersampling: f)` samples the shapes without anti-aliasing on an `f`-times finer
/// grid: a sample is set when its centre lies inside a dash's capsule or a marker's disc. Nothing
/// else of the generator (which dash belongs to which path) goes into it, so connectivity computed on
/// it checks the label independently.
///
/// **Complexity.** `pixels()`: O(Σ over shapes of the pixels in their bounding boxes); `mask`: the same
/// times f².
public struct PathfinderScene: Sendable, Equatable {
    /// A point in pixel coordinates (x right, y down).
    public struct Point: Sendable, Equatable {
        /// The horizontal coordinate (0 at the left edge).
        public var x: Double
        /// The vertical coordinate (0 at the top edge).
        public var y: Double

        /// The point (x, y).
        public init(_ x: Double, _ y: Double) {
            self.x = x
            self.y = y
        }

        static func + (a: Point, b: Point) -> Point { Point(a.x + b.x, a.y + b.y) }
        static func - (a: Point, b: Point) -> Point { Point(a.x - b.x, a.y - b.y) }
        static func * (s: Double, a: Point) -> Point { Point(s * a.x, s * a.y) }
        /// The dot product.
        func dot(_ other: Point) -> Double { x * other.x + y * other.y }
        /// The unit vector at `angle` radians from the x axis (towards y).
        static func unit(_ angle: Double) -> Point { Point(cos(angle), sin(angle)) }
    }

    /// One dash: a segment, and the path it belongs to (0 and 1 are the two target paths, 2… distractors).
    public struct Dash: Sendable, Equatable {
        /// One end (for the first dash of a path, the path's origin tip).
        public var start: Point
        /// The other end.
        public var end: Point
        /// The path: 0 or 1 for a target path, 2 and above for a distractor.
        public var path: Int
    }

    /// The parameters the scene was drawn with.
    public let geometry: PathfinderGeometry
    /// The margin this image drew (consecutive dashes of a path are at most `2 · margin` apart).
    public let margin: Double
    /// Every dash: the target paths' dashes first, in drawing order, then the distractors'.
    public let dashes: [Dash]
    /// The centres of the two markers: the origin tip of one target path, then the far tip of the same
    /// path (connected) or of the other target path (not connected).
    public let markers: [Point]
    /// Whether the two markers lie on the same path (the label: class 1).
    public let connected: Bool
    /// How many pairs of target paths were drawn until one fitted (1 when the first did).
    public let draws: Int

    /// The image side in pixels.
    public var size: Int { geometry.size }

    /// The number of dashes on path `path`.
    public func dashCount(onPath path: Int) -> Int {
        dashes.reduce(0) { $0 + ($1.path == path ? 1 : 0) }
    }

    /// The number of distractor paths drawn.
    public var distractorPaths: Int {
        Set(dashes.lazy.map(\.path).filter { $0 >= 2 }).count
    }

    /// The image as `size × size` grey levels 0…255, row-major (see the type's documentation).
    public func pixels() -> [UInt8] {
        var values = [Float](repeating: 0, count: size * size)
        let half = geometry.thickness / 2
        for dash in dashes {
            paint(&values, around: dash.start, dash.end, reach: half + 0.5, brightness: geometry.pathBrightness) { distance in
                half + 0.5 - distance
            }
        }
        for marker in markers {
            paint(&values, around: marker, marker, reach: geometry.markerRadius + 0.5, brightness: 1) { distance in
                geometry.markerRadius + 0.5 - distance
            }
        }
        return values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
    }

    /// The shapes sampled without anti-aliasing on a grid `supersampling` times finer than the image:
    /// `(size · f)²` flags, row-major; a flag is set when the sample's centre lies in a dash's capsule
    /// (distance to its segment ≤ thickness / 2) or a marker's disc (distance ≤ markerRadius).
    public func mask(supersampling factor: Int) -> [Bool] {
        precondition(factor >= 1, "supersampling must be at least 1")
        let side = size * factor
        var flags = [Bool](repeating: false, count: side * side)
        let step = 1 / Double(factor)
        func mark(_ a: Point, _ b: Point, radius: Double) {
            let scale = Double(factor)
            let rowLow = max(0, Int(((min(a.y, b.y) - radius) * scale).rounded(.down)))
            let rowHigh = min(side - 1, Int(((max(a.y, b.y) + radius) * scale).rounded(.up)))
            let columnLow = max(0, Int(((min(a.x, b.x) - radius) * scale).rounded(.down)))
            let columnHigh = min(side - 1, Int(((max(a.x, b.x) + radius) * scale).rounded(.up)))
            guard rowLow <= rowHigh, columnLow <= columnHigh else { return }
            let columns = columnLow...columnHigh
            for row in rowLow...rowHigh {
                for column in columns {
                    let point = Point((Double(column) + 0.5) * step, (Double(row) + 0.5) * step)
                    if Self.distance(from: point, toSegment: a, b) <= radius { flags[row * side + column] = true }
                }
            }
        }
        for dash in dashes { mark(dash.start, dash.end, radius: geometry.thickness / 2) }
        for marker in markers { mark(marker, marker, radius: geometry.markerRadius) }
        return flags
    }

    /// Raises each pixel near the segment `a`–`b` (within `reach` of it) to `brightness · clamp(coverage(d))`.
    private func paint(
        _ values: inout [Float], around a: Point, _ b: Point, reach: Double, brightness: Double,
        coverage: (Double) -> Double
    ) {
        let rowLow = max(0, Int((min(a.y, b.y) - reach).rounded(.down)))
        let rowHigh = min(size - 1, Int((max(a.y, b.y) + reach).rounded(.up)))
        let columnLow = max(0, Int((min(a.x, b.x) - reach).rounded(.down)))
        let columnHigh = min(size - 1, Int((max(a.x, b.x) + reach).rounded(.up)))
        guard rowLow <= rowHigh, columnLow <= columnHigh else { return }
        let columns = columnLow...columnHigh
        for row in rowLow...rowHigh {
            for column in columns {
                let distance = Self.distance(from: Point(Double(column) + 0.5, Double(row) + 0.5), toSegment: a, b)
                let value = Float(brightness * min(max(coverage(distance), 0), 1))
                if value > values[row * size + column] { values[row * size + column] = value }
            }
        }
    }

    // MARK: - Plane geometry

    /// The distance from `point` to the segment `a`–`b` (a point when `a == b`).
    static func distance(from point: Point, toSegment a: Point, _ b: Point) -> Double {
        let direction = b - a
        let lengthSquared = direction.dot(direction)
        var t = 0.0
        if lengthSquared > 0 { t = min(max((point - a).dot(direction) / lengthSquared, 0), 1) }
        let offset = point - (a + t * direction)
        return offset.dot(offset).squareRoot()
    }

    /// The distance between the segments `a`–`b` and `c`–`d`: 0 when they cross, otherwise the least
    /// distance from an end of one to the other.
    static func distance(betweenSegment a: Point, _ b: Point, and c: Point, _ d: Point) -> Double {
        func cross(_ u: Point, _ v: Point) -> Double { u.x * v.y - u.y * v.x }
        let d1 = cross(b - a, c - a), d2 = cross(b - a, d - a)
        let d3 = cross(d - c, a - c), d4 = cross(d - c, b - c)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return 0 }
        return min(
            min(distance(from: a, toSegment: c, d), distance(from: b, toSegment: c, d)),
            min(distance(from: c, toSegment: a, b), distance(from: d, toSegment: a, b)))
    }
}
