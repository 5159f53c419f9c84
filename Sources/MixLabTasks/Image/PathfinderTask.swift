import Foundation
import MixLabCore

/// Pathfinder as the Long Range Arena uses it: are the two dots in a picture of dashed curves joined
/// by one of the curves? Two classes, exactly balanced; the model sees the picture as a row-major
/// sequence of pixel tokens (1024 for 32 × 32, 16384 for LRA's Path-X at 128 × 128).
///
/// **What it tests.** The evidence is spread along a path of short dashes with gaps, which a model
/// must follow from one marker to the other through distractors: a long-range dependency that no
/// local patch and no pixel statistic decides. Published LRA test accuracies at 32 × 32 (hard):
/// Transformer 71.4, FNet 77.8, Linformer 76.3, Performer 77.1 (Tay et al.; Lee-Thorp et al.), S4
/// 94.2; on Path-X every model of the LRA paper stays at chance.
///
/// **Generator** (after Linsley et al.'s `snakes2.py`, with the per-size parameters of
/// `PathfinderGeometry`; everything is in pixels, drawn from the example's stream in this order):
/// 1. at 128 pixels, the margin m ∈ {2, 3} (otherwise fixed);
/// 2. two **target paths** of `n` dashes (the contour length: 6, 9 or 14 by difficulty), drawn
///    together until a pair fits (`PathfinderScene.draws` counts the pairs):
///    - origin 1 uniform in the central square [2s, size − 2s]² (s = seed distance), origin 2 at
///      distance s from it in a uniform direction — so in both classes the marked origin has the
///      other path's origin nearby;
///    - each path starts with a dash of length L from its origin in a uniform direction θ; its pivot
///      is m beyond the dash's end;
///    - the paths then grow alternately: a new dash turns by Δ from the previous direction, chosen
///      among 16 evenly spaced turns in (−π/(2c), π/(2c)) (c = continuity; the grid is shifted by a
///      uniform offset per dash) with weight cos²(c·Δ), among those whose dash fits; it runs from
///      m to L + m beyond the pivot, and the next pivot is m beyond its end (so consecutive dashes are
///      at most 2m apart, exactly 2m when straight). A dash fits when both its ends lie inside the
///      image less a 1-pixel border, its centre line keeps the clearance 2m + thickness from every
///      dash but its predecessor, and it keeps `r + 2m + thickness/2` (r = marker radius) from the
///      other target path's origin. A path with no fitting turn is a dead end: the pair is redrawn.
///    - when both are complete, each far tip must keep `r + 2m + thickness/2` from the other path's
///      dashes, and `2r + 2m` from the other path's origin; otherwise the pair is redrawn.
/// 3. the marked path o, uniform in {0, 1}: the markers sit on the origin of path o and on the far
///    tip of path o (connected) or of the other path (not connected). Both target paths are always
///    drawn, so the two classes differ only in which far tip is marked;
/// 4. `D / ⌊n/3⌋` **distractor paths** of ⌊n/3⌋ dashes (D = distractor dashes of the size), each from a
///    uniform point in a uniform direction, grown by the same rule and kept clear of every target
///    tip; a distractor that does not fit after 5 placements is left out (as LRA's `allow_incomplete`).
///
/// The clearances make the label a property of the picture: drawn, dashes of one path are at most
/// 2m − thickness apart, while different paths, and a marker and any path it does not lie on, are at
/// least 2m apart. So the markers are joined by a chain of shapes with gaps below 2m − thickness/2
/// exactly when the label says so; `PathfinderScene.mask(supersampling:)` draws the shapes without
/// anti-aliasing so tests can check this on the pixels.
///
/// **Labels.** Exactly balanced: examples 2j and 2j + 1 of a split form a pair; the first draw of
/// example 2j's stream decides which of the two is connected (class 1) and the other is not (class 0).
/// A split of odd size has one unpaired example, connected with probability ½.
///
/// **Tokens.** The scene is drawn anti-aliased to grey levels v ∈ 0…255 (`PathfinderScene.pixels()`:
/// light paths and markers on black, like LRA's PNGs); with `levels = q`, v becomes the token
/// `⌊v·q/256⌋ + 1` (id 0 stays padding), as `ImageClassificationTask` does. Row-major, `size²` tokens,
/// no classification token.
///
/// **Differences from LRA's data.** LRA trains on a fixed release of about 200 000 images per
/// difficulty (80/10/10 % train/validation/test); here every example is generated from its own seeded
/// stream, any number of them. The generator is a re-implementation, not LRA's code: positions and
/// angles are continuous (LRA snaps them to pixels); a new dash chooses among 16 turns (LRA: the
/// pixels of a circle); lines are drawn with a one-pixel anti-aliasing ramp (LRA draws at 2–4 times the
/// resolution and resizes with a Lanczos filter, then rescales each image to 0…255); and the
/// clearances above are stricter than LRA's dilated masks, which let a distractor pass as close to a
/// path as two of its own dashes are, so LRA's labels can be ambiguous to the eye while these are not.
/// LRA's 32-pixel paths are 0.5 pixel thick at twice the resolution; they are drawn 1 pixel thick
/// here. Difficulty keeps LRA's contour lengths (6, 9, 14 dashes) at every size, as LRA does: larger
/// images have longer dashes (`PathfinderGeometry`), so a hard path runs n·L + (n − 1)·2m = 54 pixels
/// from tip to tip at 32, 96 at 64 and 122 or 148 at 128.
///
/// **Settings.** `preset` sets the size, difficulty and split sizes; the explicit keys override it.
///
///     preset   size  difficulty  train / validation / test
///     lra        32    hard       160000 / 20000 / 20000      (LRA's Pathfinder)
///     path-x    128    hard       160000 / 20000 / 20000      (LRA's Path-X, 16384 tokens)
///
/// `difficulty`: `easy`, `medium`, `hard` = 6, 9, 14 dashes per target path (LRA's `curv_baseline`,
/// `curv_contour_length_9`, `curv_contour_length_14`; LRA names the middle one "intermediate").
/// `levels` (256) quantises the grey levels; `seed` (0) fixes the data.
///
/// **Complexity.** A fitting dash is found after a few candidate turns, each checked against the
/// dashes placed so far: O(k · P) per image for P dashes and k candidates tried per dash, times the
/// target pairs drawn; drawing the pixels is O(P · (L + thickness)²) plus the markers, and quantising
/// O(size²). No state; thread-safe. `mixlab tasks show pathfinder --stats` measures the rate on the
/// machine at hand; `mixlab tasks render pathfinder --out DIR` writes pictures.
///
/// Pairs of target paths drawn per image, and distractor paths placed of those attempted (seed 0,
/// training split; 10 000 images at 32 pixels, 1 000 at 64 and 128):
///
///     size   easy                 medium               hard
///      32    1.98 pairs, 9.98/10  4.72 pairs, 5.79/6   19.9 pairs, 3.23/5
///      64    4.76 pairs, 10.99/11  140 pairs, 6.92/7   1421 pairs, 4.50/5
///     128    1.70 pairs, 17.0/17  8.02 pairs, 10.95/11  228 pairs, 7.73/8
///
/// Almost every rejected pair is a dead end while growing (no turn fits). At 64 pixels a hard path
/// runs 96 pixels from the central square with turns below 50°, so it usually meets the border; as
/// in LRA's generator the pair is then redrawn, about 300 times as often as for easy images (a failed
/// pair is abandoned at its dead end, so most draws place only a few dashes). At 32 pixels
/// hard images hold fewer distractors than attempted: the two 14-dash paths leave little room.
///
/// Angles go through the platform's libm (`cos`, `sin`), so in principle a different libm could move
/// a coordinate in its last bit and, rarely, a fit decision; on one platform the data are bitwise
/// reproducible.
///
/// References: D. Linsley, J. Kim, V. Veerabadran, C. Windolf, T. Serre, "Learning long-range spatial
/// dependencies with horizontal gated recurrent units", NeurIPS 2018; J. Kim, D. Linsley, K. Thakkar,
/// T. Serre, "Disentangling neural mechanisms for perceptual grouping", ICLR 2020; Y. Tay et al.,
/// "Long Range Arena: A Benchmark for Efficient Transformers", ICLR 2021.
public struct PathfinderTask: LearningTask {
    /// The presets: LRA's Pathfinder and Path-X.
    public enum Preset: String, Sendable, CaseIterable {
        /// 32 × 32, hard, 160000/20000/20000 (LRA's Pathfinder).
        case lra
        /// 128 × 128, hard, 160000/20000/20000 (LRA's Path-X).
        case pathX = "path-x"

        /// (size, difficulty, train, validation, test).
        var values: (size: Int, difficulty: Difficulty, train: Int, validation: Int, test: Int) {
            switch self {
            case .lra: (32, .hard, 160_000, 20_000, 20_000)
            case .pathX: (128, .hard, 160_000, 20_000, 20_000)
            }
        }
    }

    /// How long the target paths are.
    public enum Difficulty: String, Sendable, CaseIterable {
        /// 6 dashes per path (LRA's `curv_baseline`).
        case easy
        /// 9 dashes per path (LRA's `curv_contour_length_9`, "intermediate").
        case medium
        /// 14 dashes per path (LRA's `curv_contour_length_14`).
        case hard

        /// Dashes per target path (the contour length).
        public var pathDashes: Int {
            switch self {
            case .easy: 6
            case .medium: 9
            case .hard: 14
            }
        }
    }

    /// The registry entry.
    public static let registration = TaskRegistration(
        name: "pathfinder",
        summary: "are the two dots joined by one dashed curve? pixels as tokens (LRA Pathfinder / Path-X; 2 classes)",
        labelKind: .sequence,
        keys: [
            TaskSettingKey("preset", default: "lra", allowed: "lra|path-x", summary: "size, difficulty and split sizes (keys below override)"),
            TaskSettingKey("size", default: "preset (lra 32)", allowed: "32|64|128", summary: "image side in pixels; size² tokens"),
            TaskSettingKey(
                "difficulty", default: "preset (lra hard)", allowed: "easy|medium|hard", summary: "dashes per target path: 6, 9, 14"),
            TaskSettingKey("levels", default: "256", allowed: "2…256", summary: "quantise grey levels to this many tokens"),
        ] + SyntheticSplits.keys(train: "preset (lra 160000)", validation: "preset (lra 20000)", test: "preset (lra 20000)")
    ) { settings in
        try PathfinderTask(settings)
    }

    /// The registry name.
    public let name = "pathfinder"
    /// Sequence-level labels: one class per image.
    public let labelKind = TaskLabelKind.sequence
    /// Two: the markers are on different paths (0) or on one path (1).
    public let classes = 2
    /// `disconnected`, `connected`.
    public let classNames = ["disconnected", "connected"]
    /// Padding, then the grey levels (`0`…`255`, or `q0`… when quantised).
    public let vocabulary: TaskVocabulary

    /// The preset the other values started from.
    public let preset: Preset
    /// The path length.
    public let difficulty: Difficulty
    /// The number of token levels the grey levels are quantised to.
    public let levels: Int
    /// The drawing parameters of the image size.
    public let geometry: PathfinderGeometry
    /// The seed and split sizes.
    public let splits: SyntheticSplits

    private let generator: PathfinderGenerator

    /// The task from its settings (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidConfigValue` naming the key of a bad setting: a size without LRA
    ///   parameters, an unknown difficulty or preset, levels or split sizes out of range, a bad seed.
    public init(_ settings: TaskSettings = TaskSettings(task: "pathfinder")) throws {
        preset = Preset(rawValue: try settings.choice("preset", default: "lra", allowed: Preset.allCases.map(\.rawValue)))!
        let defaults = preset.values
        let size = Int(try settings.choice("size", default: "\(defaults.size)", allowed: PathfinderGeometry.sizes.map(String.init)))!
        geometry = PathfinderGeometry.lra(size: size)!
        difficulty = Difficulty(
            rawValue: try settings.choice("difficulty", default: defaults.difficulty.rawValue, allowed: Difficulty.allCases.map(\.rawValue)))!
        levels = try settings.integer("levels", default: 256, in: 2...256)
        splits = try SyntheticSplits(settings, train: defaults.train, validation: defaults.validation, test: defaults.test)
        generator = PathfinderGenerator(geometry: geometry, pathDashes: difficulty.pathDashes)
        let levels = levels
        vocabulary = try TaskVocabulary(names: ["<pad>"] + (0..<levels).map { levels == 256 ? "\($0)" : "q\($0)" })
    }

    /// Every key with its resolved value: `TaskRegistry.make` with these remakes the same task.
    public var settings: [String: String] {
        splits.settings.merging([
            "preset": preset.rawValue, "size": "\(geometry.size)", "difficulty": difficulty.rawValue, "levels": "\(levels)",
        ]) { $1 }
    }

    /// `size²`: one token per pixel.
    public var sequenceLength: Int { geometry.size * geometry.size }

    /// The number of examples in `split` (its `-size` setting).
    public func count(_ split: TaskSplit) -> Int { splits.count(split) }

    /// Example `index` of `split`: its image as row-major pixel tokens, labelled connected (1) or not (0).
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func example(in split: TaskSplit, at index: Int) throws -> TaskExample {
        let scene = try scene(in: split, at: index)
        let levels = levels
        let tokens = scene.pixels().map { Int32(Int($0) * levels / 256 + 1) }
        return TaskExample(tokens: tokens, label: scene.connected ? 1 : 0)
    }

    /// The geometry of example `index` of `split` (its dashes, markers and label), before it is drawn.
    ///
    /// - Throws: `MixLabError.invalidArgument` for an index outside `0 ..< count(split)`.
    public func scene(in split: TaskSplit, at index: Int) throws -> PathfinderScene {
        try splits.checkIndex(index, in: split, task: name)
        let pairStart = index - index % 2
        var random = try splits.random(for: split, at: pairStart, task: name)
        let firstConnected = random.nextIndex(below: 2) == 1
        if index != pairStart {
            random = try splits.random(for: split, at: index, task: name)
        }
        return try generator.scene(connected: index == pairStart ? firstConnected : !firstConnected, random: &random)
    }
}
