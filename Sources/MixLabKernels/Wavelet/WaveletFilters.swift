import CGSL
import MixLabCore

/// A wavelet family of the GNU Scientific Library, named as in MixLab's configuration.
///
/// The `-centered` variants use the same filters with GSL's centred alignment (`offset` = half the
/// filter length; Haar: 1), which moves each coefficient over the middle of its support.
public enum WaveletFamily: String, Sendable, CaseIterable {
    /// Haar (GSL `gsl_wavelet_haar`, member 2); orthogonal.
    case haar
    /// Haar, centred alignment (`gsl_wavelet_haar_centered`).
    case haarCentered = "haar-centered"
    /// Daubechies (`gsl_wavelet_daubechies`), members 4…20 even; member k has k taps (pywt `db(k/2)`).
    case daubechies
    /// Daubechies, centred alignment (`gsl_wavelet_daubechies_centered`).
    case daubechiesCentered = "daubechies-centered"
    /// Biorthogonal B-spline (`gsl_wavelet_bspline`), members 103, 105, 202, 204, 206, 208, 301, 303,
    /// 305, 307, 309 (member ij is pywt `bior i.j`); not orthogonal.
    case bspline
    /// B-spline, centred alignment (`gsl_wavelet_bspline_centered`).
    case bsplineCentered = "bspline-centered"

    /// The members GSL accepts for this family (GSL's `k`).
    public var members: [Int] {
        switch self {
        case .haar, .haarCentered: return [2]
        case .daubechies, .daubechiesCentered: return Array(stride(from: 4, through: 20, by: 2))
        case .bspline, .bsplineCentered: return [103, 105, 202, 204, 206, 208, 301, 303, 305, 307, 309]
        }
    }

    /// The member used when none is given: the smallest.
    public var defaultMember: Int { members[0] }

    /// Whether the analysis filters equal the synthesis filters (then the transform is orthogonal: its
    /// adjoint is its inverse).
    public var isOrthogonal: Bool {
        switch self {
        case .haar, .haarCentered, .daubechies, .daubechiesCentered: return true
        case .bspline, .bsplineCentered: return false
        }
    }

    /// The PyWavelets name of `member`: `haar`, `db2` … `db10`, `bior1.3` … `bior3.9`.
    public func pywtName(member: Int) -> String {
        switch self {
        case .haar, .haarCentered: return "haar"
        case .daubechies, .daubechiesCentered: return "db\(member / 2)"
        case .bspline, .bsplineCentered: return "bior\(member / 100).\(member % 100)"
        }
    }

    var gslType: UnsafePointer<gsl_wavelet_type> {
        switch self {
        case .haar: return mixlab_gsl_wavelet_haar()
        case .haarCentered: return mixlab_gsl_wavelet_haar_centered()
        case .daubechies: return mixlab_gsl_wavelet_daubechies()
        case .daubechiesCentered: return mixlab_gsl_wavelet_daubechies_centered()
        case .bspline: return mixlab_gsl_wavelet_bspline()
        case .bsplineCentered: return mixlab_gsl_wavelet_bspline_centered()
        }
    }
}

/// The filters of one GSL wavelet (`gsl_wavelet_alloc(type, k)`), and GSL's own transforms with them.
///
/// GSL's one-level periodic step on `m` values (`dwt_step` in GSL's `wavelet/dwt.c`), with `nc` taps
/// and alignment `offset`, is
///
///     low[i]  = Σ_k h1[k] · a[(2i − offset + k) mod m],   i < m/2   (stored at i)
///     high[i] = Σ_k g1[k] · a[(2i − offset + k) mod m]             (stored at m/2 + i)
///
/// and its inverse scatters back with the synthesis filters,
/// `a[(2i − offset + k) mod m] += h2[k]·low[i] + g2[k]·high[i]`. `h1, g1` are the analysis (decomposition)
/// filters, `h2, g2` the synthesis (reconstruction) filters; they are equal for Haar and Daubechies and
/// differ for the biorthogonal B-splines. GSL repeats the step on the low half down to length 2.
///
/// Relation to PyWavelets (exact, checked by MixLab's golden tests): with `s = nc/2 − 1 − offset`
/// (`pywtShift`), `pywt.wavedec(x, name, mode="periodization", level=L)` equals GSL's layout of
/// L levels applied to `roll(x, s·(2^L − 1))`, with detail band j (1 = finest) rolled back by
/// `s·(2^(L−j) − 1)` and, for B-spline members ≥ 200, negated (`pywtDetailSign`).
public final class WaveletFilters: @unchecked Sendable {
    /// The family.
    public let family: WaveletFamily
    /// GSL's member number k.
    public let member: Int
    /// GSL's `h1`: the analysis low-pass filter.
    public let analysisLow: [Double]
    /// GSL's `g1`: the analysis high-pass filter.
    public let analysisHigh: [Double]
    /// GSL's `h2`: the synthesis low-pass filter.
    public let synthesisLow: [Double]
    /// GSL's `g2`: the synthesis high-pass filter.
    public let synthesisHigh: [Double]
    /// GSL's alignment offset (0 for the plain families, `nc/2` for the centred ones; Haar centred: 1).
    public let offset: Int

    private let wavelet: UnsafeMutablePointer<gsl_wavelet>

    /// The number of filter taps (GSL's `nc`).
    public var taps: Int { analysisLow.count }

    /// The circular shift relating GSL's alignment to PyWavelets' periodization: `nc/2 − 1 − offset`.
    public var pywtShift: Int { taps / 2 - 1 - offset }

    /// The sign PyWavelets' detail coefficients carry relative to GSL's: −1 for B-spline members ≥ 200.
    public var pywtDetailSign: Double {
        (family == .bspline || family == .bsplineCentered) && member >= 200 ? -1 : 1
    }

    /// Loads the filters of `family` member `member` from GSL.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` when `member` is not one of `family.members`, or
    ///   `libraryUnavailable` when GSL refuses it anyway.
    public init(family: WaveletFamily, member: Int) throws {
        guard family.members.contains(member) else {
            throw MixLabError(
                .invalidConfigValue, what: "k=\(member) is not a member of the GSL \(family.rawValue) family",
                location: "WaveletFilters(family: \(family.rawValue))",
                fix: "use k = one of: \(family.members.map(String.init).joined(separator: ", "))")
        }
        GSL.prepare()
        guard let wavelet = gsl_wavelet_alloc(family.gslType, member) else {
            throw MixLabError(
                .libraryUnavailable, what: "GSL could not allocate the \(family.rawValue) wavelet k=\(member)",
                location: "gsl_wavelet_alloc", fix: "check the GSL installation (`mixlab doctor`)")
        }
        self.family = family
        self.member = member
        self.wavelet = wavelet
        let w = wavelet.pointee
        let count = w.nc
        analysisLow = Array(UnsafeBufferPointer(start: w.h1, count: count))
        analysisHigh = Array(UnsafeBufferPointer(start: w.g1, count: count))
        synthesisLow = Array(UnsafeBufferPointer(start: w.h2, count: count))
        synthesisHigh = Array(UnsafeBufferPointer(start: w.g2, count: count))
        offset = w.offset
    }

    deinit {
        gsl_wavelet_free(wavelet)
    }

    /// GSL's own full-depth transform (`gsl_wavelet_transform`) of `count` values `stride` apart, in place.
    ///
    /// - Throws: `MixLabError` when GSL reports a failure (for instance a length that is not a power of two).
    public func gslTransform(_ data: inout [Double], stride: Int = 1, count: Int, inverse: Bool = false) throws {
        GSL.prepare()
        guard count >= 1, (count - 1) * stride < data.count else {
            throw MixLabError(
                .invalidArgument, what: "\(count) values \(stride) apart do not fit in \(data.count)",
                location: "WaveletFilters.gslTransform", fix: "pass an array holding the whole signal")
        }
        guard let work = gsl_wavelet_workspace_alloc(count) else {
            throw MixLabError(
                .invalidArgument, what: "GSL could not allocate a wavelet workspace of \(count)",
                location: "gsl_wavelet_workspace_alloc", fix: "use a length that is a power of two")
        }
        defer { gsl_wavelet_workspace_free(work) }
        let status = data.withUnsafeMutableBufferPointer { buffer in
            gsl_wavelet_transform(
                wavelet, buffer.baseAddress, stride, count, inverse ? gsl_wavelet_backward : gsl_wavelet_forward, work)
        }
        try Self.check(status, "gsl_wavelet_transform", count: count)
    }

    /// GSL's 2-D "standard" transform (`gsl_wavelet2d_transform`) of a row-major n×n matrix, in place:
    /// the full transform of every row, then of every column.
    ///
    /// - Throws: `MixLabError` when GSL reports a failure.
    public func gslTransform2D(_ data: inout [Double], size n: Int, inverse: Bool = false) throws {
        GSL.prepare()
        guard n >= 1, data.count == n * n else {
            throw MixLabError(
                .invalidArgument, what: "\(data.count) values are not an \(n)×\(n) matrix",
                location: "WaveletFilters.gslTransform2D", fix: "pass n·n values")
        }
        guard let work = gsl_wavelet_workspace_alloc(n) else {
            throw MixLabError(
                .invalidArgument, what: "GSL could not allocate a wavelet workspace of \(n)",
                location: "gsl_wavelet_workspace_alloc", fix: "use a length that is a power of two")
        }
        defer { gsl_wavelet_workspace_free(work) }
        let status = data.withUnsafeMutableBufferPointer { buffer in
            gsl_wavelet2d_transform(
                wavelet, buffer.baseAddress, n, n, n, inverse ? gsl_wavelet_backward : gsl_wavelet_forward, work)
        }
        try Self.check(status, "gsl_wavelet2d_transform", count: n)
    }

    private static func check(_ status: Int32, _ function: String, count: Int) throws {
        guard status == GSL_SUCCESS else {
            throw MixLabError(
                .invalidArgument,
                what: "\(function) failed on length \(count): \(String(cString: gsl_strerror(status)))",
                location: function, fix: "use a length that is a power of two")
        }
    }
}
