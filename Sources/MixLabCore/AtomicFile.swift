import Foundation

/// Writes files so that readers see the old contents or the new, never a mix.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, flushes it, renames it over `path`, and flushes
    /// the folder so that the new name survives a power loss.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the path; the temporary file is removed on failure.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw MixLabError(.ioFailure, what: "cannot create \(temporary) (\(String(cString: strerror(errno))))",
                              location: "writing \(path)", fix: "check that the folder exists and is writable")
        }
        // The errno of the first failing call, read before anything else can change it.
        var failure: Int32? = data.withUnsafeBytes { bytes -> Int32? in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written < 0 { return errno }
                if written == 0 { return ENOSPC }
                offset += written
            }
            return nil
        }
        if failure == nil, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == nil { failure = errno }
        if failure == nil, rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw MixLabError(.ioFailure, what: "cannot write \(path) (\(String(cString: strerror(failure))))", location: "writing \(path)",
                              fix: "check free disk space, file-size limits (ulimit -f) and permissions; the previous file, if any, is untouched")
        }
        // Make the rename itself durable: flush the folder that holds the new name.
        let folder = (path as NSString).deletingLastPathComponent
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}
