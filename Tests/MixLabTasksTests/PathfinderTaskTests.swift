import Foundation
import MixLabCore
import Testing

@testable import MixLabTasks

/// Union–find over `0 ..< count`.
private struct DisjointSets {
    private var parent: [Int]

    init(count: Int) { parent = Array(0..<count) }

    mutating func find(_ item: Int) -> Int {
        var root = item
        while parent[root] != root { root = parent[root] }
        var current = item
        while parent[current] != root { (parent[current], current) = (root, parent[current]) }
        return root
    }

    mutating func union(_ a: Int, _ b: Int) { parent[find(a)] = find(b) }
}

/// Whether the two markers of `scene` are joined on its un-anti-aliased mask, sampled `factor` times
/// finer than the image: samples are grouped into 8-connected pieces, and two pieces are joined when
/// some of their samples are at most `2m − thickness/2` pixels apart (m = the scene's margin). Drawn,
/// one path's consecutive dashes are at most `2m − thickness` apart and anything else at least `2m`,
/// so the threshold sits between the two with `thickness/2` to spare for the sampling.
/// Uses nothing of the scene but its mask, its marker centres and the two distances.
private func markersJoinedOnPixels(_ scene: PathfinderScene, supersampling factor: Int) -> Bool {
    let mask = scene.mask(supersampling: factor)
    let side = scene.size * factor
    // 8-connected pieces.
    var piece = [Int](repeating: -1, count: side * side)
    var pieces = 0
    for seed in mask.indices where mask[seed] && piece[seed] < 0 {
        var stack = [seed]
        piece[seed] = pieces
        while let sample = stack.popLast() {
            let (row, column) = (sample / side, sample % side)
            for dy in -1...1 {
                for dx in -1...1 {
                    let (r, c) = (row + dy, column + dx)
                    guard r >= 0, r < side, c >= 0, c < side else { continue }
                    let neighbour = r * side + c
                    if mask[neighbour] && piece[neighbour] < 0 {
                        piece[neighbour] = pieces
                        stack.append(neighbour)
                    }
                }
            }
        }
        pieces += 1
    }
    // Boundary samples (a 4-neighbour outside the mask), bucketed by cells of the threshold's size.
    let threshold = (2 * scene.margin - scene.geometry.thickness / 2) * Double(factor)
    let cell = Int(threshold.rounded(.up))
    let cells = side / cell + 1
    var buckets = [[Int]](repeating: [], count: cells * cells)
    for sample in mask.indices where mask[sample] {
        let (row, column) = (sample / side, sample % side)
        let inside = [(row - 1, column), (row + 1, column), (row, column - 1), (row, column + 1)].allSatisfy { r, c in
            r >= 0 && r < side && c >= 0 && c < side && mask[r * side + c]
        }
        if !inside { buckets[(row / cell) * cells + column / cell].append(sample) }
    }
    var sets = DisjointSets(count: pieces)
    for bucketRow in 0..<cells {
        for bucketColumn in 0..<cells {
            for sample in buckets[bucketRow * cells + bucketColumn] {
                let (row, column) = (sample / side, sample % side)
                for nearRow in max(0, bucketRow - 1)...min(cells - 1, bucketRow + 1) {
                    for nearColumn in max(0, bucketColumn - 1)...min(cells - 1, bucketColumn + 1) {
                        for other in buckets[nearRow * cells + nearColumn] where piece[other] != piece[sample] {
                            let (dy, dx) = (Double(other / side - row), Double(other % side - column))
                            if dy * dy + dx * dx <= threshold * threshold { sets.union(piece[sample], piece[other]) }
                        }
                    }
                }
            }
        }
    }
    let markerPieces = scene.markers.map { centre -> Int in
        let sample = Int(centre.y * Double(factor)) * side + Int(centre.x * Double(factor))
        precondition(mask[sample], "a marker's centre is inside its disc")
        return piece[sample]
    }
    return sets.find(markerPieces[0]) == sets.find(markerPieces[1])
}

/// The path graph of a scene from its geometry alone (not which path a dash was drawn for): dashes
/// whose segments are at most `2m + thickness/2` apart are joined, a marker joins the dashes within
/// `r + 2m` of its centre, markers join each other within `2r + 2m − thickness/2` (each: a drawn gap of
/// at most `2m − thickness/2`). Returns whether the markers are joined and how many dashes each
/// marker's component holds, with the dash pairs whose distance lies strictly between the longest gap
/// inside a path (2m) and the clearance between paths (2m + thickness) — there must be none.
private func pathGraph(_ scene: PathfinderScene) -> (joined: Bool, dashes: [Int], ambiguousPairs: Int) {
    let dashes = scene.dashes
    let (m, r, w) = (scene.margin, scene.geometry.markerRadius, scene.geometry.thickness)
    var sets = DisjointSets(count: dashes.count + 2)
    var ambiguous = 0
    for i in dashes.indices {
        for j in dashes.indices where j > i {
            let distance = PathfinderScene.distance(betweenSegment: dashes[i].start, dashes[i].end, and: dashes[j].start, dashes[j].end)
            if distance > 2 * m + 1e-9 && distance < 2 * m + w - 1e-9 { ambiguous += 1 }
            if distance <= 2 * m + w / 2 { sets.union(i, j) }
        }
        for (k, marker) in scene.markers.enumerated()
        where PathfinderScene.distance(from: marker, toSegment: dashes[i].start, dashes[i].end) <= r + 2 * m {
            sets.union(i, dashes.count + k)
        }
    }
    let (a, b) = (scene.markers[0], scene.markers[1])
    if ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() <= 2 * r + 2 * m - w / 2 {
        sets.union(dashes.count, dashes.count + 1)
    }
    let joined = sets.find(dashes.count) == sets.find(dashes.count + 1)
    let counts = (0..<2).map { k in
        let root = sets.find(dashes.count + k)
        return dashes.indices.filter { sets.find($0) == root }.count
    }
    return (joined, counts, ambiguous)
}

@Suite struct PathfinderTaskTests {
    private func task(_ settings: [String: String] = [:]) throws -> PathfinderTask {
        try PathfinderTask(TaskSettings(task: "pathfinder", settings))
    }

    @Test func presetsAndSizesSetTheImage() throws {
        let lra = try task()
        #expect(lra.geometry.size == 32 && lra.difficulty == .hard && lra.sequenceLength == 1024)
        #expect(lra.count(.train) == 160_000 && lra.count(.validation) == 20_000 && lra.count(.test) == 20_000)
        let pathX = try task(["preset": "path-x"])
        #expect(pathX.geometry.size == 128 && pathX.difficulty == .hard && pathX.sequenceLength == 16384)
        for size in [32, 64, 128] {
            let sized = try task(["size": "\(size)", "difficulty": "easy", "train-size": "4"])
            #expect(sized.sequenceLength == size * size)
            for index in 0..<2 {
                let example = try sized.example(in: .train, at: index)
                #expect(example.tokens.count == size * size)
            }
        }
    }

    @Test func labelsAreExactlyBalancedInComplementaryPairs() throws {
        for size in [10, 11, 400] {
            let pathfinder = try task(["difficulty": "easy", "validation-size": "\(size)"])
            let labels = try (0..<size).map { try pathfinder.scene(in: .validation, at: $0).connected }
            let connected = labels.filter { $0 }.count
            #expect(connected == size / 2 || connected == (size + 1) / 2, "\(connected) of \(size)")
            for pair in stride(from: 0, to: size - 1, by: 2) { #expect(labels[pair] != labels[pair + 1]) }
            if size == 400 {
                // Which member of a pair is connected is drawn, not fixed.
                let firsts = stride(from: 0, to: size, by: 2).filter { labels[$0] }.count
                #expect((60...140).contains(firsts), "\(firsts) of 200 pairs start connected")
            }
        }
    }

    @Test func sameSeedSameImagesOtherSeedOtherImages() throws {
        let a = try task(["difficulty": "medium"])
        let b = try task(["difficulty": "medium"])
        let c = try task(["difficulty": "medium", "seed": "1"])
        for index in [0, 1, 7, 19_999] {
            #expect(try a.scene(in: .test, at: index) == b.scene(in: .test, at: index))
            #expect(try a.example(in: .test, at: index) == b.example(in: .test, at: index))
            #expect(try a.example(in: .test, at: index) != c.example(in: .test, at: index))
        }
    }

    @Test(arguments: PathfinderTask.Difficulty.allCases)
    func labelsMatchConnectivityOnThePixels(_ difficulty: PathfinderTask.Difficulty) throws {
        let pathfinder = try task(["difficulty": difficulty.rawValue])
        var connected = 0
        for index in 0..<40 {
            let scene = try pathfinder.scene(in: .train, at: index)
            #expect(markersJoinedOnPixels(scene, supersampling: 8) == scene.connected, "train[\(index)]")
            connected += scene.connected ? 1 : 0
        }
        #expect(connected == 20)
    }

    @Test func labelsMatchConnectivityOnThePixelsAtLargerSizes() throws {
        for (size, factor, count) in [(64, 8, 10), (128, 4, 4)] {
            let pathfinder = try task(["size": "\(size)", "difficulty": "hard"])
            for index in 0..<count {
                let scene = try pathfinder.scene(in: .validation, at: index)
                #expect(markersJoinedOnPixels(scene, supersampling: factor) == scene.connected, "\(size): validation[\(index)]")
            }
        }
    }

    @Test(arguments: PathfinderTask.Difficulty.allCases)
    func thePathGraphAgreesWithTheLabelAndHasTheContourLength(_ difficulty: PathfinderTask.Difficulty) throws {
        for (size, count) in [(32, 200), (64, 40), (128, 10)] {
            let pathfinder = try task(["size": "\(size)", "difficulty": difficulty.rawValue])
            for index in 0..<count {
                let scene = try pathfinder.scene(in: .test, at: index)
                let graph = pathGraph(scene)
                #expect(graph.ambiguousPairs == 0, "\(size): test[\(index)]")
                #expect(graph.joined == scene.connected, "\(size): test[\(index)]")
                // Each marker lies on a path of exactly the contour length, found from the geometry alone.
                #expect(graph.dashes == [difficulty.pathDashes, difficulty.pathDashes], "\(size): test[\(index)] \(graph.dashes)")
                #expect(scene.distractorPaths <= pathfinder.geometry.distractorDashes / max(1, difficulty.pathDashes / 3))
            }
        }
    }

    @Test func harderImagesHaveLongerPathsAndMoreLitPixels() throws {
        var litMeans: [Double] = []
        for difficulty in PathfinderTask.Difficulty.allCases {
            let pathfinder = try task(["difficulty": difficulty.rawValue])
            var lit = 0
            var targetLit = 0
            for index in 0..<40 {
                let scene = try pathfinder.scene(in: .train, at: index)
                lit += scene.pixels().filter { $0 > 0 }.count
                let targets = PathfinderScene(
                    geometry: scene.geometry, margin: scene.margin, dashes: scene.dashes.filter { $0.path < 2 }, markers: scene.markers,
                    connected: scene.connected, draws: scene.draws)
                targetLit += targets.pixels().filter { $0 > 0 }.count
            }
            litMeans.append(Double(targetLit) / 40)
            #expect(lit > targetLit, "distractors add pixels")
        }
        #expect(litMeans[0] < litMeans[1] && litMeans[1] < litMeans[2], "target-path pixels per image: \(litMeans)")
    }

    @Test func pixelsSpanTheGreyLevelsAndQuantiseToTokens() throws {
        let full = try task(["difficulty": "easy"])
        let scene = try full.scene(in: .train, at: 3)
        let pixels = scene.pixels()
        #expect(pixels.count == 1024 && pixels.min() == 0 && pixels.max() == 255)
        #expect(pixels.contains { $0 > 0 && $0 < 255 }, "edges are anti-aliased")
        let example = try full.example(in: .train, at: 3)
        #expect(example.tokens == pixels.map { Int32($0) + 1 })
        #expect(full.vocabulary.size == 257 && full.vocabulary.names[256] == "255")
        let coarse = try task(["difficulty": "easy", "levels": "4"])
        let quantised = try coarse.example(in: .train, at: 3)
        #expect(quantised.tokens == pixels.map { Int32(Int($0) * 4 / 256 + 1) })
        #expect(Set(quantised.tokens).isSubset(of: [1, 2, 3, 4]) && quantised.tokens.contains(4) && quantised.tokens.contains(1))
        #expect(coarse.vocabulary.names == ["<pad>", "q0", "q1", "q2", "q3"])
        #expect(quantised.labels == example.labels)
    }

    @Test func dashesRespectTheFrameAndTheTurnBound() throws {
        let pathfinder = try task(["difficulty": "hard"])
        for index in 0..<20 {
            let scene = try pathfinder.scene(in: .train, at: index)
            let geometry = scene.geometry
            for dash in scene.dashes {
                for point in [dash.start, dash.end] {
                    #expect(point.x >= 1 && point.x <= 31 && point.y >= 1 && point.y <= 31)
                }
                let length = ((dash.end.x - dash.start.x) * (dash.end.x - dash.start.x) + (dash.end.y - dash.start.y) * (dash.end.y - dash.start.y))
                    .squareRoot()
                #expect(abs(length - geometry.dashLength) < 1e-9)
            }
            for path in 0..<2 {
                let dashes = scene.dashes.filter { $0.path == path }
                for (previous, next) in zip(dashes, dashes.dropFirst()) {
                    let u = (previous.end.x - previous.start.x, previous.end.y - previous.start.y)
                    let v = (next.end.x - next.start.x, next.end.y - next.start.y)
                    let cosine = (u.0 * v.0 + u.1 * v.1) / (geometry.dashLength * geometry.dashLength)
                    #expect(cosine > cos(geometry.maximumTurn) - 1e-9, "a turn of at most π/(2c)")
                }
            }
        }
    }

    @Test func badSettingsNameTheirKeys() {
        let cases: [([String: String], String)] = [
            (["size": "48"], "size"),
            (["size": "-32"], "size"),
            (["difficulty": "extreme"], "difficulty"),
            (["preset": "pathx"], "preset"),
            (["levels": "1"], "levels"),
            (["levels": "257"], "levels"),
            (["train-size": "-5"], "train-size"),
            (["validation-size": "0"], "validation-size"),
        ]
        for (settings, key) in cases {
            expectRejected(key: key) { _ = try PathfinderTask(TaskSettings(task: "pathfinder", settings)) }
        }
        do {
            _ = try PathfinderTask(TaskSettings(task: "pathfinder", ["size": "48"]))
        } catch let error as MixLabError {
            #expect(error.fix.contains("32, 64, 128"), "the fix lists the sizes: \(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
