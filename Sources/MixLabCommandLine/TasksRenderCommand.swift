import ArgumentParser
import Foundation
import MixLab

/// `mixlab tasks render NAME --out DIR`: pictures of an image task's examples, to look at.
struct TasksRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Write pictures of an image task's examples (PNG files and a labelled SVG grid).",
        discussion: """
            Writes, into --out: one PNG per example (SPLIT-INDEX-LABEL.png, enlarged --scale times), grid.png (all of \
            them, --columns per row, in order) and grid.svg (the same grid with each example's split, index and label). \
            Tasks whose examples are images: pathfinder.
            Examples:
              mixlab tasks render pathfinder --set difficulty=hard --count 8 --out pictures
              mixlab tasks render pathfinder --set preset=path-x --count 4 --scale 2 --out pathx
            """)

    @Argument(help: "The registered task name (an image task: pathfinder).")
    var name: String

    @Option(name: .customLong("set"), help: "A task setting key=value (repeatable), e.g. --set difficulty=easy.")
    var settings: [String] = []

    @Option(help: "The split: train, validation or test.")
    var split: String = "train"

    @Option(help: "How many examples.")
    var count: Int = 8

    @Option(help: "The index of the first example.")
    var start: Int = 0

    @Option(help: "Enlarge each pixel to scale × scale pixels (1…16).")
    var scale: Int = 4

    @Option(help: "Examples per row of the grid.")
    var columns: Int = 4

    @Option(help: "The folder to write into (created when missing).")
    var out: String

    func run() throws {
        let lines = try Self.render(
            name: name, settings: settings, split: split, count: count, start: start, scale: scale, columns: columns, folder: out)
        print(lines.joined(separator: "\n"))
    }

    /// Writes the pictures and returns what `render` prints: one line per example and the grid files.
    ///
    /// - Throws: `MixLabError` for an unknown task or setting, a task whose examples are not images, a
    ///   bad split, count, start, scale or column count, an index past the end of the split, or a folder
    ///   that cannot be written.
    static func render(
        name: String, settings: [String], split splitName: String, count: Int, start: Int, scale: Int, columns: Int, folder: String
    ) throws -> [String] {
        let location = "mixlab tasks render"
        guard let split = TaskSplit(rawValue: splitName) else {
            throw MixLabError(
                .invalidArgument, what: "--split \(splitName) is not a split", location: location,
                fix: "use one of: \(TaskSplit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard count >= 1, start >= 0, (1...16).contains(scale), columns >= 1 else {
            throw MixLabError(
                .invalidArgument, what: "--count \(count) --start \(start) --scale \(scale) --columns \(columns)", location: location,
                fix: "use --count ≥ 1, --start ≥ 0, --scale from 1 to 16 and --columns ≥ 1")
        }
        let values = try TaskSettings(task: name, parsing: settings).values
        let made = try TaskRegistry.shared.make(name, settings: values)
        guard let task = made as? PathfinderTask else {
            throw MixLabError(
                .invalidArgument, what: "'\(name)' is not an image task that render can draw", location: location,
                fix: "render pathfinder, or look at '\(name)' with `mixlab tasks show \(name)`")
        }
        guard start + count <= task.count(split) else {
            throw MixLabError(
                .invalidArgument,
                what: "examples \(start)..<\(start + count) run past the \(split.rawValue) split (\(task.count(split)) examples)",
                location: location, fix: "lower --start or --count, or raise the split size (--set \(split.rawValue)-size=N)")
        }
        let directory = URL(fileURLWithPath: folder, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create \(folder): \(error.localizedDescription)", location: location,
                              fix: "pass an --out folder you can write to")
        }
        func write(_ bytes: [UInt8], _ file: String) throws {
            do {
                try Data(bytes).write(to: directory.appendingPathComponent(file))
            } catch {
                throw MixLabError(.ioFailure, what: "cannot write \(file) in \(folder): \(error.localizedDescription)",
                                  location: location, fix: "pass an --out folder you can write to")
            }
        }

        let side = task.geometry.size
        let tile = side * scale
        let gap = max(2, scale)
        let rows = (count + columns - 1) / columns
        let gridColumns = min(columns, count)
        let gridWidth = gridColumns * tile + (gridColumns + 1) * gap
        let gridHeight = rows * tile + (rows + 1) * gap
        var grid = [UInt8](repeating: 96, count: gridWidth * gridHeight)
        var lines: [String] = []
        var svgItems: [String] = []
        let captionHeight = 16
        for offset in 0..<count {
            let index = start + offset
            let scene = try task.scene(in: split, at: index)
            let pixels = scene.pixels()
            let label = task.classNames[scene.connected ? 1 : 0]
            let file = "\(split.rawValue)-\(index)-\(label).png"
            let enlarged = GrayscalePNG.upscale(width: side, height: side, pixels: pixels, factor: scale)
            try write(try GrayscalePNG.encode(width: tile, height: tile, pixels: enlarged), file)
            let (row, column) = (offset / columns, offset % columns)
            let left = gap + column * (tile + gap), top = gap + row * (tile + gap)
            for y in 0..<tile {
                grid.replaceSubrange(((top + y) * gridWidth + left)..<((top + y) * gridWidth + left + tile),
                                     with: enlarged[(y * tile)..<((y + 1) * tile)])
            }
            let target = (0..<2).map { scene.dashCount(onPath: $0) }
            lines.append("\(file)  \(label)  target paths \(target[0]) and \(target[1]) dashes, \(scene.distractorPaths) distractor paths")
            let small = try GrayscalePNG.encode(width: side, height: side, pixels: pixels)
            let x = gap + column * (tile + gap), y = gap + row * (tile + gap + captionHeight)
            svgItems.append(
                "  <image x=\"\(x)\" y=\"\(y)\" width=\"\(tile)\" height=\"\(tile)\" style=\"image-rendering:pixelated\" "
                    + "href=\"data:image/png;base64,\(Data(small).base64EncodedString())\"/>")
            svgItems.append("  <text x=\"\(x)\" y=\"\(y + tile + 12)\">\(split.rawValue)[\(index)] \(label)</text>")
        }
        try write(try GrayscalePNG.encode(width: gridWidth, height: gridHeight, pixels: grid), "grid.png")
        let svgHeight = rows * (tile + gap + captionHeight) + gap
        let svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(gridWidth)\" height=\"\(svgHeight)\" "
                   + "font-family=\"sans-serif\" font-size=\"11\">",
                   "  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>"] + svgItems + ["</svg>", ""]
        try write(Array(svg.joined(separator: "\n").utf8), "grid.svg")
        let settingsLine = task.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return ["\(task.name): \(settingsLine)"] + lines + ["grid.png and grid.svg (\(gridColumns) per row) in \(folder)"]
    }
}
