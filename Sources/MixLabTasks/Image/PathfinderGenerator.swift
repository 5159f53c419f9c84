import Foundation
import MixLabCore

/// Draws the geometry of Pathfinder images: two target paths, the markers on their tips, and
/// distractor paths (the algorithm is documented on `PathfinderTask`).
struct PathfinderGenerator: Sendable {
    /// The drawing parameters.
    let geometry: PathfinderGeometry
    /// Dashes on each target path (the contour length).
    let pathDashes: Int
    /// Dashes on each distractor path: `pathDashes / 3`, at least 1.
    let distractorLength: Int
    /// Distractor paths attempted per image: `geometry.distractorDashes / distractorLength`.
    let distractorCount: Int

    /// Pairs of target paths drawn for one image before giving up with an error.
    static let maximumDraws = 100_000
    /// Placements tried for one distractor path before it is left out (LRA: 1 + 4 retrials).
    static let distractorAttempts = 5
    /// Uniform first dashes tried per distractor placement until one fits (LRA samples the first dash
    /// among the free pixels).
    static let distractorStarts = 100
    /// Turn angles offered for each new dash.
    static let turnCandidates = 16

    init(geometry: PathfinderGeometry, pathDashes: Int) {
        self.geometry = geometry
        self.pathDashes = pathDashes
        distractorLength = max(1, pathDashes / 3)
        distractorCount = geometry.distractorDashes / distractorLength
    }

    /// One image's scene, drawn from `random`, with the markers on one path (`connected`) or on two.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` when `maximumDraws` pairs of target paths were drawn
    ///   without one that fits (not seen with the built-in geometries).
    func scene(connected: Bool, random: inout SeededRandom) throws -> PathfinderScene {
        let margins = geometry.margins
        let margin = margins.count == 1 ? margins[0] : margins[random.nextIndex(below: margins.count)]
        var layout = Layout(geometry: geometry, margin: margin)
        var draws = 0
        repeat {
            draws += 1
            guard draws <= Self.maximumDraws else {
                throw MixLabError(
                    .invalidConfigValue,
                    what: "\(Self.maximumDraws) pairs of \(pathDashes)-dash paths were drawn without one that fits a \(geometry.size)-pixel image",
                    location: "task pathfinder", fix: "choose a lower difficulty or a larger size")
            }
        } while !layout.drawTargets(dashes: pathDashes, random: &random)
        let origin = random.nextIndex(below: 2)
        let markers = [layout.origins[origin], layout.terminals[connected ? origin : 1 - origin]]
        for distractor in 0..<distractorCount {
            layout.drawDistractor(path: 2 + distractor, dashes: distractorLength, random: &random)
        }
        return PathfinderScene(geometry: geometry, margin: margin, dashes: layout.dashes, markers: markers, connected: connected, draws: draws)
    }
}

/// The dashes placed so far in one image, and the rules a new dash must satisfy.
private struct Layout {
    typealias Point = PathfinderScene.Point

    let geometry: PathfinderGeometry
    let margin: Double
    /// Least distance between the centre lines of two dashes that are not consecutive on one path.
    let clearance: Double
    /// Least distance from a tip (a possible marker centre) to a dash of another path.
    let tipClearance: Double
    /// Least distance between the origin tip of one target path and the far tip of the other.
    let crossTipDistance: Double

    var dashes: [PathfinderScene.Dash] = []
    /// The tips dashes of other paths keep clear of, and the path each belongs to.
    var tips: [(point: Point, path: Int)] = []
    /// The origin tips of target paths 0 and 1.
    var origins: [Point] = []
    /// The far tips of target paths 0 and 1 (set when both are complete).
    var terminals: [Point] = []

    init(geometry: PathfinderGeometry, margin: Double) {
        self.geometry = geometry
        self.margin = margin
        clearance = geometry.clearance(margin: margin)
        tipClearance = geometry.markerRadius + 2 * margin + geometry.thickness / 2
        crossTipDistance = 2 * geometry.markerRadius + 2 * margin
    }

    /// Whether the dash `a`–`b` of `path` fits: both ends inside the padded frame, at least `clearance`
    /// from every dash but `predecessor` (the previous dash of the same path), and at least
    /// `tipClearance` from every tip of another path.
    func fits(_ a: Point, _ b: Point, path: Int, predecessor: Int?) -> Bool {
        let low = geometry.padding, high = Double(geometry.size) - geometry.padding
        guard a.x >= low, a.x <= high, a.y >= low, a.y <= high, b.x >= low, b.x <= high, b.y >= low, b.y <= high else { return false }
        let minimumX = min(a.x, b.x) - clearance, maximumX = max(a.x, b.x) + clearance
        let minimumY = min(a.y, b.y) - clearance, maximumY = max(a.y, b.y) + clearance
        for index in dashes.indices where index != predecessor {
            let other = dashes[index]
            // Bounding boxes further apart than the clearance: no need for the exact distance.
            if max(other.start.x, other.end.x) < minimumX || min(other.start.x, other.end.x) > maximumX
                || max(other.start.y, other.end.y) < minimumY || min(other.start.y, other.end.y) > maximumY
            {
                continue
            }
            if PathfinderScene.distance(betweenSegment: a, b, and: other.start, other.end) < clearance { return false }
        }
        for tip in tips where tip.path != path {
            if PathfinderScene.distance(from: tip.point, toSegment: a, b) < tipClearance { return false }
        }
        return true
    }

    /// Places the first dash of `path` from `tip` in `direction`; returns the path's next pivot, or nil
    /// when the dash does not fit.
    mutating func start(path: Int, at tip: Point, direction: Double) -> Point? {
        let unit = Point.unit(direction)
        let end = tip + geometry.dashLength * unit
        guard fits(tip, end, path: path, predecessor: nil) else { return nil }
        dashes.append(PathfinderScene.Dash(start: tip, end: end, path: path))
        return end + margin * unit
    }

    /// Adds one dash to `path` at `pivot`, turning from `direction` by an angle drawn with weight
    /// cos²(continuity · turn) among the candidates whose dash fits; returns the next pivot and the new
    /// direction, or nil at a dead end (no candidate fits).
    mutating func extend(path: Int, pivot: Point, direction: Double, random: inout SeededRandom) -> (pivot: Point, direction: Double)? {
        let count = PathfinderGenerator.turnCandidates
        let maximumTurn = geometry.maximumTurn
        let offset = random.nextUniform()
        var turns = [Double](repeating: 0, count: count)
        var weights = [Double](repeating: 0, count: count)
        for candidate in 0..<count {
            let turn = maximumTurn * (2 * (Double(candidate) + offset) / Double(count) - 1)
            let weight = cos(geometry.continuity * turn)
            turns[candidate] = turn
            weights[candidate] = weight * weight
        }
        let predecessor = dashes.lastIndex { $0.path == path }
        while true {
            let total = weights.reduce(0, +)
            guard total > 0 else { return nil }
            var remaining = random.nextUniform() * total
            var chosen = weights.lastIndex { $0 > 0 }!
            for candidate in 0..<count where weights[candidate] > 0 {
                remaining -= weights[candidate]
                if remaining < 0 {
                    chosen = candidate
                    break
                }
            }
            let newDirection = direction + turns[chosen]
            let unit = Point.unit(newDirection)
            let a = pivot + margin * unit
            let b = pivot + (geometry.dashLength + margin) * unit
            if fits(a, b, path: path, predecessor: predecessor) {
                dashes.append(PathfinderScene.Dash(start: a, end: b, path: path))
                return (b + margin * unit, newDirection)
            }
            weights[chosen] = 0
        }
    }

    /// Draws the two target paths of `dashes` dashes each from scratch; false when they do not fit.
    ///
    /// The first origin is uniform in LRA's central square [2s, size − 2s]² (s = seed distance), the
    /// second at distance s from it in a uniform direction; each path starts in a uniform direction.
    /// The paths then grow one dash at a time, alternately. Finally the far tips must keep
    /// `tipClearance` from the other path's dashes, and each origin `crossTipDistance` from the other
    /// path's far tip.
    mutating func drawTargets(dashes count: Int, random: inout SeededRandom) -> Bool {
        dashes.removeAll(keepingCapacity: true)
        tips.removeAll(keepingCapacity: true)
        terminals.removeAll(keepingCapacity: true)
        let seedDistance = geometry.seedDistance
        let low = 2 * seedDistance, span = Double(geometry.size) - 4 * seedDistance
        let first = Point(low + span * random.nextUniform(), low + span * random.nextUniform())
        let firstDirection = uniformAngle(&random)
        let second = first + seedDistance * Point.unit(uniformAngle(&random))
        let secondDirection = uniformAngle(&random)
        origins = [first, second]
        tips = [(first, 0), (second, 1)]
        var pivots: [Point] = []
        var directions = [firstDirection, secondDirection]
        for path in 0..<2 {
            guard let pivot = start(path: path, at: origins[path], direction: directions[path]) else { return false }
            pivots.append(pivot)
        }
        for _ in 1..<max(count, 1) {
            for path in 0..<2 {
                guard let next = extend(path: path, pivot: pivots[path], direction: directions[path], random: &random) else { return false }
                (pivots[path], directions[path]) = next
            }
        }
        for path in 0..<2 {
            terminals.append(dashes.last { $0.path == path }!.end)
        }
        for path in 0..<2 {
            let tip = terminals[path]
            for dash in dashes where dash.path != path {
                if PathfinderScene.distance(from: tip, toSegment: dash.start, dash.end) < tipClearance { return false }
            }
            let origin = origins[1 - path]
            if ((tip - origin).dot(tip - origin)).squareRoot() < crossTipDistance { return false }
        }
        tips += [(terminals[0], 0), (terminals[1], 1)]
        return true
    }

    /// Tries `PathfinderGenerator.distractorAttempts` times to place a path of `dashes` dashes; leaves it
    /// out when none fits. A placement starts with a first dash from a uniform point of the padded
    /// frame in a uniform direction, redrawn until it fits (at most `distractorStarts` times), so the
    /// start is uniform over the free places, as LRA's; then the path grows by the rule of the targets.
    mutating func drawDistractor(path: Int, dashes count: Int, random: inout SeededRandom) {
        let low = geometry.padding, span = Double(geometry.size) - 2 * geometry.padding
        for _ in 0..<PathfinderGenerator.distractorAttempts {
            let placed = dashes.count
            var pivot: Point?
            var direction = 0.0
            for _ in 0..<PathfinderGenerator.distractorStarts where pivot == nil {
                let origin = Point(low + span * random.nextUniform(), low + span * random.nextUniform())
                direction = uniformAngle(&random)
                pivot = start(path: path, at: origin, direction: direction)
            }
            var added = 1
            while let current = pivot, added < count {
                if let next = extend(path: path, pivot: current, direction: direction, random: &random) {
                    (pivot, direction) = (next.pivot, next.direction)
                    added += 1
                } else {
                    pivot = nil
                }
            }
            if pivot != nil { return }
            dashes.removeSubrange(placed...)
        }
    }

    /// A uniform angle in [−π, π).
    private func uniformAngle(_ random: inout SeededRandom) -> Double {
        (2 * random.nextUniform() - 1) * Double.pi
    }
}
