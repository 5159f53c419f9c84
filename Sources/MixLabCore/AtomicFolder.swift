import Foundation

/// Writes a whole folder so that readers see the old folder or the complete new one, never a part.
///
/// The files are written (each flushed, `AtomicFile`) into a hidden sibling folder
/// `.NAME.partial-<pid>-<random>`, which is renamed to the target once every file is in it. An existing
/// target is first renamed aside to `.NAME.replaced-<pid>-<random>` and removed after the swap, so a
/// crash at any moment leaves the old folder or the new one under the target's name (and possibly a
/// hidden leftover folder beside it, never read).
public enum AtomicFolder {
    /// Whether `path` is missing, or is a folder with nothing in it.
    public static func isMissingOrEmpty(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return true }
        guard isFolder.boolValue else { return false }
        return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty
    }

    /// Writes `files` (name → bytes, names without slashes) as the folder `path`.
    ///
    /// - Parameters:
    ///   - files: the folder's files.
    ///   - path: the target folder; its parent must exist or be creatable.
    ///   - replacing: whether a non-empty folder at `path` may be replaced (its files are removed).
    ///   - location: who writes it (a command), for errors.
    /// - Throws: `MixLabError.ioFailure` naming the folder when `path` is a file, is a non-empty folder
    ///   and `replacing` is false, or cannot be written; the target is unchanged then.
    public static func write(_ files: [(name: String, data: Data)], to path: String, replacing: Bool, location: String) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        let exists = manager.fileExists(atPath: path, isDirectory: &isFolder)
        if exists, !isFolder.boolValue {
            throw MixLabError(.ioFailure, what: "\(path) is a file, not a folder", location: location,
                              fix: "choose a folder path that does not exist yet")
        }
        if exists, !replacing, !isMissingOrEmpty(path) {
            throw MixLabError(.ioFailure, what: "\(path) exists and is not empty", location: location,
                              fix: "choose another folder, or pass --force to replace its contents")
        }
        let standardized = (path as NSString).standardizingPath
        let parent = (standardized as NSString).deletingLastPathComponent
        let name = (standardized as NSString).lastPathComponent
        do {
            try manager.createDirectory(atPath: parent.isEmpty ? "." : parent, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create \(parent) (\(error.localizedDescription))", location: location,
                              fix: "choose a folder you can write to")
        }
        let tag = "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let partial = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".\(name).partial-\(tag)")
        do {
            try manager.createDirectory(atPath: partial, withIntermediateDirectories: false)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create a folder beside \(path) (\(error.localizedDescription))",
                              location: location, fix: "check that \(parent.isEmpty ? "the current folder" : parent) is writable")
        }
        do {
            for (file, data) in files {
                try AtomicFile.write(data, to: (partial as NSString).appendingPathComponent(file))
            }
        } catch {
            try? manager.removeItem(atPath: partial)
            throw error
        }
        var aside: String?
        if exists {
            let replaced = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".\(name).replaced-\(tag)")
            guard rename(standardized, replaced) == 0 else {
                let reason = String(cString: strerror(errno))
                try? manager.removeItem(atPath: partial)
                throw MixLabError(.ioFailure, what: "cannot move the earlier \(path) aside (\(reason))", location: location,
                                  fix: "check the permissions of \(path) and its parent folder")
            }
            aside = replaced
        }
        guard rename(partial, standardized) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { rename(aside, standardized) }
            try? manager.removeItem(atPath: partial)
            throw MixLabError(.ioFailure, what: "cannot move the new folder into place at \(path) (\(reason))", location: location,
                              fix: "check the permissions of the parent folder")
        }
        if let aside { try? manager.removeItem(atPath: aside) }
        let folderDescriptor = open(parent.isEmpty ? "." : parent, O_RDONLY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}
