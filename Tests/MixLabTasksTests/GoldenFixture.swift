import Foundation
import Testing

/// Loads `Fixtures/NAME.json` from the test bundle (files written by `Scripts/generate_fixtures.py`).
func loadFixture<T: Decodable>(_ name: String, as type: T.Type, snakeCaseKeys: Bool = false) throws -> T {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                           "missing fixture Fixtures/\(name).json (regenerate with `make fixtures`)")
    let decoder = JSONDecoder()
    if snakeCaseKeys { decoder.keyDecodingStrategy = .convertFromSnakeCase }
    return try decoder.decode(T.self, from: Data(contentsOf: url))
}
