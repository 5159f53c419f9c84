import Foundation
import MixLabTasks
import MixLabTraining

/// A line plot written as a self-contained SVG file: series of points with optional error bars, linear
/// or logarithmic axes, ticks, axis labels and a legend.
///
/// Output is a pure function of the plot (fixed layout, fixed palette, numbers printed with fixed
/// precision), so a report re-made from the same results is byte-identical. The palette is Okabe and
/// Ito's colour-blind-safe set; series beyond eight reuse colours with dashed lines (callers keep to
/// `maximumDistinctSeries` per plot, splitting into small multiples). With `bands`, each series' intervals
/// are drawn as a translucent band around its line instead of error bars. Points with a non-finite
/// coordinate, or a non-positive one on a log axis, are left out.
public struct SVGLinePlot: Sendable {
    /// One point; `low`/`high` draw a vertical error bar.
    public struct Point: Sendable, Equatable {
        /// The position on the x axis.
        public var x: Double
        /// The position on the y axis.
        public var y: Double
        /// The bottom of the error bar.
        public var low: Double?
        /// The top of the error bar.
        public var high: Double?

        /// A point, with an optional error bar from `low` to `high`.
        public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
            self.x = x
            self.y = y
            self.low = low
            self.high = high
        }
    }

    /// A named line.
    public struct Series: Sendable {
        /// The legend entry.
        public var name: String
        /// The points, in any order.
        public var points: [Point]

        /// A series from its name and points (drawn in the order of increasing x).
        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }
    }

    /// How an axis maps values to positions.
    public enum Scale: Sendable {
        /// Equal distances for equal differences.
        case linear
        /// Equal distances for equal ratios (base-10 ticks).
        case logarithmic
    }

    /// The title above the plot.
    public var title: String
    /// The x-axis label.
    public var xLabel: String
    /// The y-axis label.
    public var yLabel: String
    /// The x-axis scale.
    public var xScale: Scale
    /// The y-axis scale.
    public var yScale: Scale
    /// The lines, drawn and listed in the legend in this order.
    public var series: [Series]
    /// Whether intervals are drawn as bands around the lines (true) or as error bars (false).
    public var bands = false

    /// The most series one plot tells apart by colour alone (the palette's size).
    public static let maximumDistinctSeries = 8

    /// A plot from its parts.
    public init(title: String, xLabel: String, yLabel: String, xScale: Scale = .linear, yScale: Scale = .linear, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
    }

    private static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    private static let (width, height) = (760.0, 460.0)
    private static let (left, right, top, bottom) = (78.0, 210.0, 44.0, 58.0)

    /// The SVG document.
    public var svg: String {
        let drawn = series.map { s in
            Series(name: s.name, points: s.points.filter { isDrawable($0) }.sorted { $0.x < $1.x })
        }
        let points = drawn.flatMap(\.points)
        var ys = points.map(\.y) + points.compactMap(\.low) + points.compactMap(\.high)
        ys = ys.filter { $0.isFinite && (yScale == .linear || $0 > 0) }
        let xAxis = Axis(values: points.map(\.x), scale: xScale)
        let yAxis = Axis(values: ys, scale: yScale)
        // The legend column widens for long series names (about 6.6 px per character at 12 px); the plot
        // area keeps its size.
        let legendWidth = max(Self.right, 44 + 6.6 * Double(series.map(\.name.count).max() ?? 0))
        let width = Self.width - Self.right + legendWidth
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        func px(_ x: Double) -> Double { Self.left + xAxis.fraction(x) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + (1 - yAxis.fraction(y)) * plotHeight }

        var out: [String] = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(Self.height))\" "
                + "viewBox=\"0 0 \(f(width)) \(f(Self.height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(escaped(title))</text>",
        ]
        // Grid and ticks.
        for tick in xAxis.ticks {
            let x = px(tick)
            out.append("<line x1=\"\(f(x))\" y1=\"\(f(Self.top))\" x2=\"\(f(x))\" y2=\"\(f(Self.top + plotHeight))\" stroke=\"#e5e5e5\"/>")
            out.append("<text x=\"\(f(x))\" y=\"\(f(Self.top + plotHeight + 18))\" text-anchor=\"middle\">\(xAxis.label(tick))</text>")
        }
        for tick in yAxis.ticks {
            let y = py(tick)
            out.append("<line x1=\"\(f(Self.left))\" y1=\"\(f(y))\" x2=\"\(f(Self.left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>")
            out.append("<text x=\"\(f(Self.left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(yAxis.label(tick))</text>")
        }
        out.append("<rect x=\"\(f(Self.left))\" y=\"\(f(Self.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333\"/>")
        out.append("<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(Self.height - 14))\" text-anchor=\"middle\">\(escaped(xLabel))</text>")
        out.append("<text transform=\"translate(18 \(f(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escaped(yLabel))</text>")
        // Series.
        for (index, s) in drawn.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let dash = index >= Self.palette.count ? " stroke-dasharray=\"6 3\"" : ""
            if bands {
                let banded = s.points.filter { point in
                    guard let low = point.low, let high = point.high else { return false }
                    return low.isFinite && high.isFinite && (yScale == .linear || low > 0)
                }
                if banded.count >= 2 {
                    let outline = banded.map { "\(f(px($0.x))),\(f(py($0.high!)))" } + banded.reversed().map { "\(f(px($0.x))),\(f(py($0.low!)))" }
                    out.append("<polygon points=\"\(outline.joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.15\" stroke=\"none\"/>")
                }
            }
            if s.points.count >= 2 {
                let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                out.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\"\(dash)/>")
            }
            for point in s.points {
                if !bands, let low = point.low, let high = point.high, yScale == .linear || low > 0 {
                    out.append("<line x1=\"\(f(px(point.x)))\" y1=\"\(f(py(low)))\" x2=\"\(f(px(point.x)))\" y2=\"\(f(py(high)))\" stroke=\"\(colour)\"/>")
                }
                out.append("<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"\(colour)\"/>")
            }
            let legendY = Self.top + 8 + Double(index) * 18
            let legendX = Self.left + plotWidth + 16
            out.append("<line x1=\"\(f(legendX))\" y1=\"\(f(legendY))\" x2=\"\(f(legendX + 22))\" y2=\"\(f(legendY))\" stroke=\"\(colour)\" stroke-width=\"1.8\"\(dash)/>")
            out.append("<text x=\"\(f(legendX + 28))\" y=\"\(f(legendY + 4))\">\(escaped(s.name))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    private func isDrawable(_ point: Point) -> Bool {
        point.x.isFinite && point.y.isFinite && (xScale == .linear || point.x > 0) && (yScale == .linear || point.y > 0)
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The range, ticks and tick labels of one axis.
    private struct Axis {
        let scale: Scale
        let low: Double
        let high: Double
        let ticks: [Double]

        init(values: [Double], scale: Scale) {
            self.scale = scale
            let finite = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
            var low = finite.min() ?? (scale == .linear ? 0 : 1)
            var high = finite.max() ?? (scale == .linear ? 1 : 10)
            switch scale {
            case .linear:
                if low == high { (low, high) = (low - 0.5 * max(abs(low), 1), high + 0.5 * max(abs(high), 1)) }
                let step = Self.niceStep((high - low) / 5)
                low = (low / step).rounded(.down) * step
                high = (high / step).rounded(.up) * step
                ticks = stride(from: low, through: high + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
            case .logarithmic:
                // The data range widened by 10 % on each side (in ratio), ticks at 1, 2, 5 × 10^k inside
                // it when it spans at most three decades, at powers of ten otherwise, at every integer
                // multiple when that leaves fewer than three ticks.
                (low, high) = (low / 1.1, high * 1.1)
                let first = Int(log10(low).rounded(.down))
                let last = Int(log10(high).rounded(.up))
                let (lowest, highest) = (low, high)
                func ticks(_ multiples: [Double]) -> [Double] {
                    var candidates: [Double] = []
                    for exponent in first...last {
                        let decade = pow(10, Double(exponent))
                        for multiple in multiples { candidates.append(multiple * decade) }
                    }
                    return candidates.filter { $0 >= lowest && $0 <= highest }
                }
                let coarse = ticks(last - first <= 3 ? [1, 2, 5] : [1])
                self.ticks = coarse.count >= 3 ? coarse : ticks([1, 2, 3, 4, 5, 6, 7, 8, 9])
            }
            self.low = low
            self.high = high
        }

        /// 1, 2 or 5 times a power of ten, at least `rough`.
        static func niceStep(_ rough: Double) -> Double {
            let power = pow(10, log10(rough).rounded(.down))
            for multiple in [1.0, 2, 5, 10] where multiple * power >= rough { return multiple * power }
            return 10 * power
        }

        func fraction(_ value: Double) -> Double {
            switch scale {
            case .linear: return (value - low) / (high - low)
            case .logarithmic: return (log10(value) - log10(low)) / (log10(high) - log10(low))
            }
        }

        func label(_ tick: Double) -> String {
            if tick == tick.rounded(), abs(tick) < 1e7 { return String(Int(tick)) }
            return String(format: "%g", tick)
        }
    }
}
