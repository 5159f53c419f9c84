import Foundation
import MixLabTasks
import MixLabTraining

/// One cell of a study grid: the settings of one training run, its place in the grid and its ID.
///
/// **Cell ID.** The first 12 hexadecimal digits (48 bits) of the SHA-256 of the cell's settings as the
/// study file gives them (base, axis values and attached settings; defaults not included), one
/// `key=value` line per setting, sorted by key, each value in `RunConfiguration`'s canonical form
/// (`lr: 1e-3` and `lr: 0.001` are the same cell). The ID depends on nothing else: not on the order of
/// axes or keys, the study name, the position in the grid, or defaults (so a MixLab version that adds
/// a setting keeps the IDs of existing studies; every record stores all resolved settings anyway).
/// Among 10⁴ cells the chance that two IDs collide is about 2·10⁻⁷; `StudyGrid` checks that a study's
/// IDs are unique all the same.
public struct StudyCell: Sendable, Equatable {
    /// The position in the grid (0-based, in grid order).
    public var index: Int
    /// The stable ID (12 lowercase hexadecimal digits).
    public var id: String
    /// The settings the study file gives this cell, with the line each comes from.
    public var sources: [StudySetting]
    /// The settings that vary across the grid (the axis values and attached settings), in axis order.
    public var axisSettings: [StudySetting]
    /// The resolved run configuration.
    public var configuration: RunConfiguration

    /// A cell from its parts.
    public init(index: Int, id: String, sources: [StudySetting], axisSettings: [StudySetting], configuration: RunConfiguration) {
        self.index = index
        self.id = id
        self.sources = sources
        self.axisSettings = axisSettings
        self.configuration = configuration
    }

    /// The settings as `key: value`, as the study file gives them.
    public var settings: [String: String] {
        Dictionary(uniqueKeysWithValues: sources.map { ($0.key, $0.value) })
    }

    /// The varying settings as `key=value` words, e.g. `mixer=dct seed=2`.
    public var label: String { axisSettings.map(\.text).joined(separator: " ") }

    /// The ID of a cell whose given settings, in canonical form, are `canonicalSettings`.
    public static func identifier(canonicalSettings: [String: String]) -> String {
        let text = canonicalSettings.keys.sorted().map { "\($0)=\(canonicalSettings[$0]!)\n" }.joined()
        return String(ContentDigest.hex(of: Data(text.utf8)).prefix(12))
    }

    /// Whether the cell belongs to shard `shard` (see `StudyShard`).
    public func belongs(to shard: StudyShard) -> Bool { shard.contains(index) }
}
