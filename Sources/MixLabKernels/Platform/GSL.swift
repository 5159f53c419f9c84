import CGSL

/// The GNU Scientific Library, set up for use from MixLab.
///
/// GSL's default error handler aborts the process; MixLab switches it off once, before the first GSL
/// call, and checks status codes instead (every GSL call site turns a non-zero status into a
/// `MixLabError`).
public enum GSL {
    /// Switches off GSL's aborting error handler (idempotent); call before any GSL function.
    public static func prepare() {
        _ = handlerOff
    }

    private static let handlerOff: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// GSL's version string, e.g. `2.7.1`.
    public static var version: String { String(cString: mixlab_gsl_version()) }
}
