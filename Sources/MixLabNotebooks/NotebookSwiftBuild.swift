import Foundation
import MixLabCore

/// Compiles notebooks' Swift blocks against MixLab: one scratch SwiftPM package, one executable per notebook.
///
/// The package is generated in `LIBRARY/.build/notebooks/` and depends on the MixLab package by path (and
/// on the notebooks' `swift-package` folders); it is built with MixLab's own build folder as scratch path
/// (`--scratch-path LIBRARY/.build`), so the MixLab modules that `swift build` or `swift test` already
/// compiled are reused and a notebook costs only the compilation of its own blocks. Sources are rewritten
/// only when they change, so an unchanged notebook is not recompiled. Swift blocks build in the
/// configuration of the `mixlab` that runs them: debug, or release with the Makefile's release flags
/// (`-target-cpu native`), so that `make release` and the notebooks share one release build too.
public struct NotebookSwiftBuild {
    /// `debug` or `release`.
    public enum Configuration: String, Sendable {
        case debug
        case release
    }

    /// The MixLab package folder.
    let library: URL
    /// The build configuration.
    let configuration: Configuration
    /// Where temporary files go.
    let scratch: URL
    /// Progress lines.
    let log: @Sendable (String) -> Void

    /// The scratch package's folder.
    var packageFolder: URL { library.appendingPathComponent(".build/notebooks") }
    /// The build folder shared with MixLab's own builds.
    var buildFolder: URL { library.appendingPathComponent(".build") }

    /// The `swift build` arguments for the configuration, without the product.
    var buildArguments: [String] {
        var arguments = ["build", "--package-path", packageFolder.path, "--scratch-path", buildFolder.path]
        if configuration == .release {
            // The Makefile's RELEASE_FLAGS: the same flags reuse the modules `make release` built.
            arguments += ["-c", "release", "-Xswiftc", "-target-cpu", "-Xswiftc", "native"]
        }
        return arguments
    }

    /// Builds `programs` and returns each notebook's executable, or the compile error for its notebook.
    func build(_ programs: [NotebookSwiftProgram]) -> [String: Result<URL, MixLabError>] {
        guard !programs.isEmpty else { return [:] }
        do {
            try writePackage(programs)
        } catch let error as MixLabError {
            return Dictionary(uniqueKeysWithValues: programs.map { ($0.notebookPath, .failure(error)) })
        } catch {
            let failure = MixLabError(.ioFailure, what: "cannot write the notebooks' Swift package (\(error))",
                                      location: packageFolder.path, fix: "check that \(buildFolder.path) is writable")
            return Dictionary(uniqueKeysWithValues: programs.map { ($0.notebookPath, .failure(failure)) })
        }
        log("compiling the Swift blocks of \(programs.count) notebook(s) against MixLab (\(configuration.rawValue))…")
        let started = Date()
        let everything = runSwiftBuild(buildArguments, name: "swift-build")
        var results: [String: Result<URL, MixLabError>] = [:]
        if everything.succeeded {
            for program in programs { results[program.notebookPath] = .success(executable(program)) }
        } else {
            // Build each notebook alone to tell which ones fail (what compiled is cached).
            for program in programs {
                let alone = programs.count == 1 ? everything : runSwiftBuild(
                    buildArguments + ["--product", program.targetName], name: "swift-build-" + program.targetName)
                results[program.notebookPath] = alone.succeeded
                    ? .success(executable(program)) : .failure(compileError(program, output: alone.output))
            }
        }
        log(String(format: "compiled in %.1f s", Date().timeIntervalSince(started)))
        return results
    }

    /// The built executable of `program`.
    func executable(_ program: NotebookSwiftProgram) -> URL {
        buildFolder.appendingPathComponent(configuration.rawValue).appendingPathComponent(program.targetName)
    }

    /// Writes `Package.swift` and each target's sources, touching only files whose content changes.
    func writePackage(_ programs: [NotebookSwiftProgram]) throws {
        var packageNames: [String: String] = [:]  // folder → package name
        for package in programs.flatMap(\.packages) where packageNames[package.path] == nil {
            packageNames[package.path] = Self.packageName(at: URL(fileURLWithPath: package.path))
        }
        var dependencies = ["        .package(name: \"MixLab\", path: \(NotebookSwiftProgram.quoted(library.path))),"]
        for (path, name) in packageNames.sorted(by: { $0.key < $1.key }) {
            dependencies.append("        .package(name: \(NotebookSwiftProgram.quoted(name)), path: \(NotebookSwiftProgram.quoted(path))),")
        }
        var targets: [String] = []
        for program in programs.sorted(by: { $0.targetName < $1.targetName }) {
            var products = [".product(name: \"MixLab\", package: \"MixLab\")", ".product(name: \"MixLabTestKit\", package: \"MixLab\")"]
            for package in program.packages {
                for product in package.products {
                    products.append(".product(name: \(NotebookSwiftProgram.quoted(product)), package: \(NotebookSwiftProgram.quoted(packageNames[package.path]!)))")
                }
            }
            targets.append("""
                        .executableTarget(
                            name: "\(program.targetName)",
                            dependencies: [\(products.joined(separator: ", "))],
                            path: "Sources/\(program.targetName)"
                        ),
                """)
        }
        let manifest = """
            // swift-tools-version:6.0
            // Generated by `mixlab notebook run`: one executable per notebook with Swift blocks.
            import PackageDescription

            let package = Package(
                name: "MixLabNotebooks",
                dependencies: [
            \(dependencies.joined(separator: "\n"))
                ],
                targets: [
            \(targets.joined(separator: "\n"))
                ]
            )

            """
        try writeIfChanged(manifest, to: packageFolder.appendingPathComponent("Package.swift"))
        // MixLab's own pins, so that the shared build folder holds one version of each dependency. SwiftPM
        // rewrites the copy (its origin hash is the scratch package's), so it is replaced only when a
        // version differs.
        let rootPins = library.appendingPathComponent("Package.resolved")
        let scratchPins = packageFolder.appendingPathComponent("Package.resolved")
        if let wanted = Self.pinnedVersions(rootPins), !wanted.isEmpty {
            let current = Self.pinnedVersions(scratchPins) ?? [:]
            if wanted.contains(where: { current[$0.key] != $0.value }), let data = try? Data(contentsOf: rootPins) {
                try AtomicFile.write(data, to: scratchPins.path)
            }
        }
        for program in programs {
            let folder = packageFolder.appendingPathComponent("Sources").appendingPathComponent(program.targetName)
            try writeIfChanged(program.mainSource, to: folder.appendingPathComponent("main.swift"))
            try writeIfChanged(NotebookSwiftProgram.supportSource + "\n", to: folder.appendingPathComponent("NotebookSupport.swift"))
        }
    }

    /// Package identity → pinned version (or revision) in a `Package.resolved` file.
    static func pinnedVersions(_ file: URL) -> [String: String]? {
        guard let data = try? Data(contentsOf: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pins = object["pins"] as? [[String: Any]] else { return nil }
        var versions: [String: String] = [:]
        for pin in pins {
            guard let identity = pin["identity"] as? String, let state = pin["state"] as? [String: Any] else { continue }
            versions[identity] = (state["version"] as? String) ?? (state["revision"] as? String) ?? ""
        }
        return versions
    }

    /// The `name:` of the package manifest in `folder` (its folder name when the manifest does not say).
    static func packageName(at folder: URL) -> String {
        let manifest = (try? String(contentsOf: folder.appendingPathComponent("Package.swift"), encoding: .utf8)) ?? ""
        if let match = manifest.range(of: #"Package\(\s*name:\s*"[^"]+""#, options: .regularExpression) {
            let text = manifest[match]
            if let open = text.firstIndex(of: "\"") { return String(text[text.index(after: open)...].dropLast()) }
        }
        return folder.lastPathComponent
    }

    private func writeIfChanged(_ text: String, to url: URL) throws {
        if let existing = try? String(contentsOf: url, encoding: .utf8), existing == text { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(text.utf8), to: url.path)
    }

    /// Runs `swift ARGUMENTS`, returning whether it succeeded and what it printed.
    private func runSwiftBuild(_ arguments: [String], name: String) -> (succeeded: Bool, output: String) {
        do {
            let process = try NotebookProcess(
                executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["swift"] + arguments, directory: library,
                environment: ProcessInfo.processInfo.environment, scratch: scratch, name: name)
            _ = process.waitForExit(until: .distantFuture)
            let output = ((try? String(contentsOf: scratch.appendingPathComponent(name + ".stdout"), encoding: .utf8)) ?? "")
                + ((try? String(contentsOf: scratch.appendingPathComponent(name + ".stderr"), encoding: .utf8)) ?? "")
            return (process.terminationStatus == 0 && !process.wasSignalled, output)
        } catch {
            return (false, "cannot run swift: \(error)")
        }
    }

    /// The error for a notebook whose program does not compile: the first error's line in the notebook,
    /// and the compiler's error lines.
    func compileError(_ program: NotebookSwiftProgram, output: String) -> MixLabError {
        let lines = output.components(separatedBy: "\n")
        var seen: Set<String> = []
        let errors = lines.filter { $0.contains("error:") && !$0.contains("emit-module command failed") && seen.insert($0).inserted }
        let notebookName = (program.notebookPath as NSString).lastPathComponent
        // Compiler lines read PATH:LINE:COLUMN: error: …, with the notebook's path thanks to #sourceLocation.
        var location = program.notebookPath
        if let first = errors.first(where: { $0.contains(notebookName + ":") }),
           let range = first.range(of: notebookName + ":"),
           let line = Int(first[range.upperBound...].prefix { $0.isNumber }) {
            location = "\(program.notebookPath):\(line)"
        }
        let shown = (errors.isEmpty ? Array(lines.suffix(20)) : Array(errors.prefix(12))).joined(separator: "\n")
        return MixLabError(
            .notebookBlockFailed, what: "the Swift blocks of \(program.notebookPath) do not compile", location: location,
            fix: "fix the block (the notebook is unchanged); the compiler says:\n\(shown)")
    }
}
