import Foundation
import MixLabCore

/// The folder where a notebook's blocks write figures (`$NOTEBOOK_ASSETS`), published next to the notebook
/// as `NAME.assets/` when the run succeeds.
///
/// Blocks write into a working folder: for a run that writes the notebook, a hidden folder next to it
/// (`.NAME.assets.partial-PID`); for `--check` and `--smoke`, a temporary folder. SVG and PNG files a block
/// creates or rewrites are linked under it as `NAME.assets/FILE`. On success the working folder replaces
/// `NAME.assets/` (which belongs to the runner: files no block writes any more disappear); on failure it is
/// deleted and `NAME.assets/` is left as it was.
struct NotebookAssets {
    /// Where the figures are published: `NAME.assets` next to the notebook.
    let published: URL
    /// Where this run's blocks write.
    let working: URL
    /// The file extensions linked as images.
    static let imageExtensions: Set<String> = ["svg", "png"]

    /// The size and modification time of a file, to tell which files a block wrote.
    struct FileState: Equatable {
        let size: Int
        let modified: Date
    }

    /// Assets for `notebook`, written in a working folder next to it (`publishable`) or under `scratch`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the working folder cannot be created.
    init(notebook: URL, publishable: Bool, scratch: URL) throws {
        let folder = notebook.deletingLastPathComponent()
        let name = notebook.deletingPathExtension().lastPathComponent + ".assets"
        published = folder.appendingPathComponent(name)
        working = publishable
            ? folder.appendingPathComponent(".\(name).partial-\(getpid())")
            : scratch.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: working)
        if publishable { Self.lock.withLock { _ = Self.workingFolders.insert(working.path) } }
        do {
            try FileManager.default.createDirectory(at: working, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create \(working.path) (\(error.localizedDescription))",
                              location: notebook.path, fix: "check that the notebook's folder is writable")
        }
    }

    /// Every file in the working folder (relative path → size and time).
    func snapshot() -> [String: FileState] {
        var states: [String: FileState] = [:]
        guard let enumerator = FileManager.default.enumerator(
            at: working, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]) else {
            return states
        }
        let base = working.standardizedFileURL.path + "/"
        for case let url as URL in enumerator {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]),
                  values.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            let relative = path.hasPrefix(base) ? String(path.dropFirst(base.count)) : url.lastPathComponent
            states[relative] = FileState(size: values.fileSize ?? 0, modified: values.contentModificationDate ?? .distantPast)
        }
        return states
    }

    /// The images created or changed since `before`, as links relative to the notebook's folder, by name.
    func imagesWritten(since before: [String: FileState]) -> [String] {
        snapshot().filter { path, state in
            Self.imageExtensions.contains((path as NSString).pathExtension.lowercased()) && before[path] != state
        }.keys.sorted().map { path in
            let link = published.lastPathComponent + "/" + path
            return link.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? link
        }
    }

    /// Replaces the published folder by the working one (removes it when the run wrote nothing); leaves it
    /// untouched when the contents are the same.
    ///
    /// - Throws: `MixLabError.ioFailure` when a rename fails (the published folder is then unchanged).
    func publish() throws {
        let manager = FileManager.default
        let written = contents(of: working)
        if written == contents(of: published) || (written.isEmpty && !manager.fileExists(atPath: published.path)) {
            discard()
            return
        }
        let previous = published.deletingLastPathComponent()
            .appendingPathComponent(".\(published.lastPathComponent).previous-\(getpid())")
        do {
            if manager.fileExists(atPath: published.path) { try manager.moveItem(at: published, to: previous) }
            if written.isEmpty {
                discard()
            } else {
                try manager.moveItem(at: working, to: published)
                Self.lock.withLock { _ = Self.workingFolders.remove(working.path) }
            }
            try? manager.removeItem(at: previous)
        } catch {
            if !manager.fileExists(atPath: published.path), manager.fileExists(atPath: previous.path) {
                try? manager.moveItem(at: previous, to: published)
            }
            throw MixLabError(.ioFailure, what: "cannot publish the figures in \(published.path) (\(error.localizedDescription))",
                              location: published.path, fix: "check the folder's permissions; the notebook was not changed")
        }
    }

    /// Deletes the working folder.
    func discard() {
        try? FileManager.default.removeItem(at: working)
        Self.lock.withLock { _ = Self.workingFolders.remove(working.path) }
    }

    /// The working folders next to notebooks that are not yet published or discarded.
    nonisolated(unsafe) private static var workingFolders: Set<String> = []
    private static let lock = NSLock()

    /// Deletes every working folder not yet published (used when the run itself is interrupted).
    static func discardAllWorking() {
        for path in lock.withLock({ workingFolders }) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Relative path → bytes of every file under `folder` (empty when it does not exist).
    private func contents(of folder: URL) -> [String: Data] {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return [:]
        }
        let base = folder.standardizedFileURL.path + "/"
        var files: [String: Data] = [:]
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            let path = url.standardizedFileURL.path
            files[path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path] = try? Data(contentsOf: url)
        }
        return files
    }
}
