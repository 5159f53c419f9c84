/// Labelled images of one size, stored flat: what image preparation produces and a prepared split holds.
struct ImageSet: Sendable, Equatable {
    /// Rows per image.
    let height: Int
    /// Columns per image.
    let width: Int
    /// `count × height × width` intensities, image after image, each row-major.
    var pixels: [UInt8]
    /// One class index per image.
    var labels: [UInt8]

    /// An empty set of `height × width` images.
    init(height: Int, width: Int) {
        self.height = height
        self.width = width
        pixels = []
        labels = []
    }

    /// A set from its parts (`pixels.count == labels.count · height · width`).
    init(height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == labels.count * height * width, "pixels must hold labels.count images")
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// The number of images.
    var count: Int { labels.count }

    /// Pixels per image.
    var imageSize: Int { height * width }

    /// The pixels of image `index`.
    func image(_ index: Int) -> ArraySlice<UInt8> {
        pixels[(index * imageSize)..<((index + 1) * imageSize)]
    }

    /// Adds one image.
    mutating func append<Pixels: Collection>(_ image: Pixels, label: UInt8) where Pixels.Element == UInt8 {
        precondition(image.count == imageSize)
        pixels.append(contentsOf: image)
        labels.append(label)
    }
}
