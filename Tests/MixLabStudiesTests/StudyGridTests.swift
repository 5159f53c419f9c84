import Foundation
import MixLabCore
import MixLabMixers
import Testing

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// Expanding and checking the grid: order, IDs, attached settings, exclusions, and bad cells.
@Suite struct StudyGridTests {
    static func grid(_ yaml: String) throws -> StudyGrid {
        try StudyGrid(StudySpecification(yaml: yaml, path: "Experiments/g/study.yaml"), tasks: StudyTestSupport.tasks)
    }

    static let header = "name: g\nbase: {task: toy, steps: 20, warmup: 2}\n"

    @Test func theFirstAxisVariesSlowest() throws {
        let grid = try Self.grid(Self.header + "axes:\n  - mixer: [fourier, dct]\n  - seed: [0, 1, 2]\n")
        #expect(grid.cells.map(\.label) == [
            "mixer=fourier seed=0", "mixer=fourier seed=1", "mixer=fourier seed=2",
            "mixer=dct seed=0", "mixer=dct seed=1", "mixer=dct seed=2",
        ])
        #expect(grid.cells.map(\.index) == Array(0..<6))
        #expect(grid.cells[4].configuration.mixer == "dct" && grid.cells[4].configuration.seed == 1)
        #expect(grid.cells[4].configuration.steps == 20 && grid.cells[4].configuration.task == "toy")
    }

    @Test func idsAreStableAndCanonical() throws {
        // The ID algorithm is part of the results format: pin one value.
        #expect(StudyCell.identifier(canonicalSettings: ["seed": "0", "mixer": "fourier"]) == "3614f6608887")
        #expect(StudyCell.identifier(canonicalSettings: ["seed": "0", "mixer": "fourier"])
                == String(ContentDigest.hex(of: Data("mixer=fourier\nseed=0\n".utf8)).prefix(12)))
        let a = try Self.grid("name: g\nbase: {task: toy, lr: 1e-3, steps: 20, warmup: 2}\naxes:\n  - seed: [0, 1]\n")
        let b = try Self.grid("name: other\naxes:\n  - seed: [0, 1]\nbase: {warmup: 2, steps: 20, lr: 0.001, task: toy}\n")
        #expect(a.cells.map(\.id) == b.cells.map(\.id), "order of keys, spelling of numbers and the study name do not matter")
        #expect(Set(a.cells.map(\.id)).count == 2)
        #expect(a.cells.allSatisfy { $0.id.count == 12 && $0.id.allSatisfy(\.isHexDigit) })
        let c = try Self.grid("name: g\nbase: {task: toy, lr: 2e-3, steps: 20, warmup: 2}\naxes:\n  - seed: [0, 1]\n")
        #expect(Set(c.cells.map(\.id)).isDisjoint(with: a.cells.map(\.id)), "a changed base setting changes every ID")
    }

    @Test func attachedSettingsGoWithTheirValueOnly() throws {
        let grid = try Self.grid(Self.header + """
            axes:
              - mixer:
                  - fourier
                  - fourier: {mixer.axes: sequence}
                  - attention: {mixer.heads: 2}
              - seed: [0]
            """)
        #expect(grid.cells.map(\.label) == ["mixer=fourier seed=0", "mixer=fourier mixer.axes=sequence seed=0", "mixer=attention mixer.heads=2 seed=0"])
        #expect(grid.cells[0].configuration.mixerSettings.isEmpty)
        #expect(grid.cells[1].configuration.mixerSettings == ["axes": "sequence"])
        #expect(grid.cells[2].configuration.mixerSettings == ["heads": "2"])
    }

    @Test func attachedSettingsMakeSettingsVaryTogether() throws {
        let grid = try Self.grid(Self.header + """
            axes:
              - attention-layers: [0, {1: {placement: top}}, {1: {placement: bottom}}]
              - task.length: [{8: {batch: 32}}, {64: {batch: 4}}]
            """)
        #expect(grid.cells.map(\.label) == [
            "attention-layers=0 task.length=8 batch=32", "attention-layers=0 task.length=64 batch=4",
            "attention-layers=1 placement=top task.length=8 batch=32", "attention-layers=1 placement=top task.length=64 batch=4",
            "attention-layers=1 placement=bottom task.length=8 batch=32", "attention-layers=1 placement=bottom task.length=64 batch=4",
        ])
        #expect(grid.cells[5].configuration.placement == .bottom && grid.cells[5].configuration.batch == 4)
        #expect(grid.cells[5].configuration.taskSettings == ["length": "64"])
    }

    @Test func exclusionsRemoveMatchingCellsAndRenumber() throws {
        let grid = try Self.grid(Self.header + """
            axes:
              - mixer: [fourier, dct]
              - lr: [1e-3, 1e-2]
              - seed: [0, 1]
            exclude:
              - {mixer: dct, lr: 0.01}
              - {seed: [1], mixer: fourier, lr: 1.0e-3}
            """)
        #expect(grid.cells.map(\.label) == [
            "mixer=fourier lr=1e-3 seed=0", "mixer=fourier lr=1e-2 seed=0", "mixer=fourier lr=1e-2 seed=1",
            "mixer=dct lr=1e-3 seed=0", "mixer=dct lr=1e-3 seed=1",
        ])
        #expect(grid.cells.map(\.index) == Array(0..<5))
    }

    @Test func shardsPartitionTheGrid() throws {
        let grid = try Self.grid(Self.header + "axes:\n  - mixer: [fourier, dct, hartley]\n  - seed: [0, 1, 2, 3, 4, 5, 6]\n")
        for count in 1...7 {
            let shards = try (0..<count).map { try StudyShard(index: $0, count: count) }
            let assigned = shards.flatMap { grid.cells(in: $0).map(\.index) }
            #expect(assigned.sorted() == Array(0..<21), "\(count) shards hold every cell exactly once")
            let sizes = shards.map { grid.cells(in: $0).count }
            #expect(sizes.max()! - sizes.min()! <= 1, "round robin balances the shards")
        }
        #expect(grid.cells(in: try StudyShard(parsing: "1/4")).map(\.index) == [1, 5, 9, 13, 17])
    }

    @Test func shardTextIsCheckedAndZeroBased() throws {
        #expect(try StudyShard(parsing: "0/1") == StudyShard.all)
        #expect(try StudyShard(parsing: "3/4").index == 3)
        for bad in ["4/4", "-1/4", "0/0", "1", "a/b", "1/2/3", "", "/2"] {
            let error = StudyTestSupport.error { _ = try StudyShard(parsing: bad) }
            #expect(error?.code == .invalidArgument, "\(bad)")
            #expect(error?.location == "--shard")
        }
        #expect(StudyTestSupport.error { _ = try StudyShard(parsing: "4/4") }?.fix.contains("0 to 3") == true)
    }

    /// Grids whose cells are invalid: code, line, phrase.
    static let badGrids: [(yaml: String, code: MixLabError.Code, line: Int, phrase: String)] = [
        (header + "axes:\n  - mixer: [fourier, fourir]\n", .unknownMixer, 4, "'fourir'"),
        ("name: g\nbase: {task: toyy, steps: 20, warmup: 2}\naxes:\n  - seed: [0]\n", .invalidArgument, 2, "'toyy'"),
        (header + "axes:\n  - task.size: [1, 2]\n", .unknownConfigKey, 4, "task 'toy' has no setting 'size'"),
        (header + "axes:\n  - task.mode: [a, c]\n", .invalidConfigValue, 4, "task.mode=c"),
        (header + "axes:\n  - dropout: [0.1, 1.5]\n", .invalidConfigValue, 4, "dropout=1.5"),
        (header + "axes:\n  - placement: [top, sideways]\n", .invalidConfigValue, 4, "placement=sideways"),
        (header + "axes:\n  - seed: [0, -1]\n", .invalidConfigValue, 4, "seed=-1"),
        (header + "axes:\n  - mixer:\n      - fourier\n      - attention: {mixer.axes: sequence}\n", .unknownConfigKey, 6,
         "mixer 'attention' has no setting 'axes'"),
        (header + "axes:\n  - mixer: [fourier]\n  - mixer.axes: [sequence, diagonal]\n", .invalidConfigValue, 5, "mixer.axes=diagonal"),
        ("name: g\nbase: {task: toy, steps: 20}\naxes:\n  - warmup: [2, 50]\n", .invalidConfigValue, 4, "warmup=50 is not below steps=20"),
        ("name: g\nbase: {task: toy, steps: 20, warmup: 2, layers: 2}\naxes:\n  - attention-layers: [0, 3]\n", .invalidConfigValue, 4,
         "attention-layers=3"),
        (header + "axes:\n  - seed: [0, 1, 0]\n", .invalidArgument, 4, "have the same settings"),
        (header + "axes:\n  - lr: [1e-3, 0.001]\n", .invalidArgument, 4, "have the same settings"),
        (header + "axes:\n  - mixer: [fourier, {dct: {seed: 1}}]\n  - seed: [0]\n", .invalidArgument, 5, "seed is set twice in one cell"),
        (header + "axes:\n  - seed: [0, 1]\nexclude:\n  - {seed: [0, 1]}\n", .invalidArgument, 6, "the grid is empty"),
        (header + "axes:\n  - mixer: [fourier, dct]\nexclude:\n  - {mixer: atention}\n", .invalidArgument, 6, "matches no cell"),
    ]

    @Test(arguments: badGrids.indices)
    func rejectsBadCellsWithTheirLine(_ index: Int) {
        let bad = Self.badGrids[index]
        let error = StudyTestSupport.error { _ = try Self.grid(bad.yaml) }
        #expect(error?.code == bad.code, "\(error?.description ?? "no error") for\n\(bad.yaml)")
        #expect(error?.location.hasPrefix("Experiments/g/study.yaml:\(bad.line)") == true, "\(error?.location ?? "no error") for\n\(bad.yaml)")
        #expect(error?.what.contains(bad.phrase) == true, "\(error?.what ?? "no error")")
    }

    @Test func hybridAttentionSettingsAreCheckedAgainstTheAttentionMixer() throws {
        let grid = try Self.grid(Self.header + "axes:\n  - attention-layers: [0, 1]\n  - attention.heads: [1, 2]\n")
        #expect(grid.cells.count == 4)
        #expect(grid.cells[3].configuration.attentionSettings == ["heads": "2"] && grid.cells[3].configuration.attentionLayers == 1)
        let error = StudyTestSupport.error { _ = try Self.grid(Self.header + "axes:\n  - attention-layers: [1]\n  - attention.axes: [sequence]\n") }
        #expect(error?.code == .unknownConfigKey)
        #expect(error?.what.contains("the attention layers has no setting 'axes'") == true)
        #expect(error?.location.hasPrefix("Experiments/g/study.yaml:5") == true)
        #expect(error?.fix.contains("attention.heads") == true)
    }

    @Test func attentionSettingsWithoutAttentionLayersAreReported() throws {
        let grid = try Self.grid(Self.header + "axes:\n  - mixer: [fourier, attention]\n  - attention.heads: [4]\n")
        #expect(grid.warnings.count == 1)
        #expect(grid.warnings.first?.contains("attention.heads has no effect") == true)
        let attentionOnly = try Self.grid(Self.header + "axes:\n  - mixer: [attention]\n  - attention.heads: [4]\n")
        #expect(attentionOnly.warnings.first?.contains("mixer.heads") == true)
        let hybrid = try Self.grid(Self.header + "axes:\n  - attention-layers: [1]\n  - attention.heads: [4]\n")
        #expect(hybrid.warnings.isEmpty)
        #expect(try Self.grid(Self.header + "axes:\n  - mixer: [attention]\n  - mixer.heads: [4]\n").warnings.isEmpty)
    }

    @Test func canonicalValuesIgnoreCrossKeyLimits() {
        #expect(StudyGrid.canonical("lr", "1e-3") == "0.001")
        #expect(StudyGrid.canonical("schedule", "cosine") == "cosine")
        #expect(StudyGrid.canonical("warmup", "5000") == "5000")
        #expect(StudyGrid.canonical("attention-layers", "3") == "3")
        #expect(StudyGrid.canonical("dropout", "abc") == "abc", "a value that does not parse is kept as written")
    }

    @Test func unknownMixersAndTasksListTheRegisteredOnes() {
        let mixer = StudyTestSupport.error { _ = try Self.grid(Self.header + "axes:\n  - mixer: [fourir]\n") }
        #expect(mixer?.fix.contains("fourier") == true && mixer?.fix.contains("attention") == true)
        #expect(mixer?.location.contains("cell 0: mixer=fourir") == true)
        let task = StudyTestSupport.error { _ = try Self.grid("name: g\naxes:\n  - seed: [0]\n") }
        #expect(task?.what.contains("'listops'") == true, "the default task must be registered too")
        #expect(task?.location.contains("task not set") == true)
        #expect(task?.fix.contains("toy") == true)
    }

    @Test func enumeratedChoicesAreRecognised() {
        #expect(StudyGrid.choices("sequence|hidden|both") == ["sequence", "hidden", "both"])
        #expect(StudyGrid.choices("1|2|3|4") == ["1", "2", "3", "4"])
        #expect(StudyGrid.choices("full|1…30") == nil)
        #expect(StudyGrid.choices("0…2^63−1") == nil)
        #expect(StudyGrid.choices("a divisor of C") == nil)
    }
}
