/// The drawing parameters of Pathfinder images of one size, in pixels: how long a dash is, how wide the
/// gaps between dashes are, how thick lines and how large markers are drawn, how sharply a path may
/// turn, and how many distractor dashes an image holds.
///
/// The values are those the Long Range Arena documents for its releases of Linsley et al.'s generator
/// (`lra_benchmarks/data/pathfinder.py`, the `Pathfinder32`, `Pathfinder64` and `Pathfinder128`
/// builders), in that generator's vocabulary:
///
///     size  paddle_length  paddle_margin  paddle_thickness  marker_radius  seed_distance  continuity  distractor dashes  snake contrast
///      32        2              1              0.5 (*)           1.5             7            1.0            20               (**)
///      64        5 (***)        1              1                 2.5            12            1.8            22               0.8
///     128        5 (***)        2 or 3         1.5               3              20            1.8            35               0.9
///
/// (*) drawn 1 pixel thick here: LRA's 0.5-pixel line, drawn at twice the resolution and resized, ends
/// up about a pixel wide once its PNG is scaled to 0…255. (**) LRA multiplies the 32-pixel paths by
/// 2 × 0.75 and rescales the whole image to 0…255, so paths are as bright as the markers: 1 here.
/// (***) the generator's default, which LRA does not override. "Distractor dashes" N is the budget in
/// LRA's `num_distractor_snakes = N / distractor_length` with `distractor_length = contour_length / 3`
/// (the 32-pixel builder writes `//`; MixLab reads every one as integer division): ⌊N / ⌊n/3⌋⌋
/// distractor paths of ⌊n/3⌋ dashes for contour length n. At 128 pixels each image draws its margin
/// from {2, 3}.
///
/// Reference: Y. Tay et al., "Long Range Arena", ICLR 2021, and its code (`lra_benchmarks/data/pathfinder.py`).
///
/// A dash is a segment of `dashLength` pixels; consecutive dashes of a path are `2 · margin` apart
/// along a straight path (their pivot lies `margin` beyond one and `margin` before the next), so a
/// path advances `dashLength + 2 · margin` pixels per dash. `continuity` c bounds the turn between
/// consecutive dashes to |Δ| < π / (2c) and weights a turn by cos²(c · Δ).
public struct PathfinderGeometry: Sendable, Equatable {
    /// The image side (square images).
    public let size: Int
    /// The length of one dash (LRA's `paddle_length`).
    public let dashLength: Double
    /// The margins an image draws from (LRA's `paddle_margin_list`); consecutive dashes are two margins apart.
    public let margins: [Double]
    /// The width of a drawn dash.
    public let thickness: Double
    /// The radius of the two end-point markers.
    public let markerRadius: Double
    /// The distance between the starting points of the two target paths (LRA's `seed_distance`).
    public let seedDistance: Double
    /// Turns are bounded by π / (2 · continuity) and weighted by cos²(continuity · turn).
    public let continuity: Double
    /// The number of distractor dashes: `distractorDashes / L` distractor paths of `L` dashes each.
    public let distractorDashes: Int
    /// The brightness of path dashes relative to the markers (1 = as bright).
    public let pathBrightness: Double
    /// No dash end comes closer than this to the image border (LRA's `padding`).
    public let padding: Double

    /// The sizes with LRA parameters: 32, 64 and 128 pixels.
    public static let sizes = [32, 64, 128]

    /// The parameters LRA documents for images of `size` pixels (one of `sizes`), or nil.
    public static func lra(size: Int) -> PathfinderGeometry? {
        switch size {
        case 32:
            PathfinderGeometry(
                size: 32, dashLength: 2, margins: [1], thickness: 1, markerRadius: 1.5, seedDistance: 7, continuity: 1.0,
                distractorDashes: 20, pathBrightness: 1, padding: 1)
        case 64:
            PathfinderGeometry(
                size: 64, dashLength: 5, margins: [1], thickness: 1, markerRadius: 2.5, seedDistance: 12, continuity: 1.8,
                distractorDashes: 22, pathBrightness: 0.8, padding: 1)
        case 128:
            PathfinderGeometry(
                size: 128, dashLength: 5, margins: [2, 3], thickness: 1.5, markerRadius: 3, seedDistance: 20, continuity: 1.8,
                distractorDashes: 35, pathBrightness: 0.9, padding: 1)
        default:
            nil
        }
    }

    /// The largest turn between consecutive dashes, π / (2 · continuity) (exclusive: its weight is 0).
    public var maximumTurn: Double { Double.pi / (2 * continuity) }

    /// The smallest distance between the centre lines of two dashes that are not consecutive on one
    /// path, for a margin m: `2m + thickness`. Drawn, such dashes are at least `2m` apart (the longest
    /// gap between consecutive dashes is `2m − thickness`), so paths never touch or seem to continue
    /// one another.
    public func clearance(margin: Double) -> Double { 2 * margin + thickness }
}
