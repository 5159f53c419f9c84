import Foundation

/// The executable of this process: the `mixlab` (or a program built on `MixLabCommandLine`) that
/// notebook blocks find on their PATH and that studies start for their cells.
enum RunningExecutable {
    /// The file `/proc/self/exe` points to, else Foundation's idea of the main executable.
    static func url() -> URL? {
        let link = URL(fileURLWithPath: "/proc/self/exe")
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link.path) {
            return URL(fileURLWithPath: target)
        }
        return Bundle.main.executableURL
    }
}
