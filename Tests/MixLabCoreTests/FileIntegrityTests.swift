import Foundation
import Testing

@testable import MixLabCore

/// The CRC-32 seal of the files MixLab writes.
@Suite struct FileIntegrityTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Data()) == 0)
    }

    @Test func aSealedObjectVerifiesAndStaysValidJSON() throws {
        for json in [#"{"a":1,"b":"x"}"#, "{\n  \"a\" : 1\n}", "{}", " { } "] {
            let sealed = FileIntegrity.sealedJSONObject(Data(json.utf8))
            #expect(try FileIntegrity.verify(sealed, path: "f.json", location: "test", fix: "none") == .sealed)
            let object = try #require(try JSONSerialization.jsonObject(with: sealed) as? [String: Any])
            #expect((object[FileIntegrity.key] as? String)?.hasPrefix("crc32:") == true)
            #expect(object[FileIntegrity.key] as? String != FileIntegrity.placeholder)
        }
    }

    @Test func everySingleByteChangeIsRefusedNamingTheFile() throws {
        let sealed = FileIntegrity.sealedJSONObject(Data(#"{"name":"run","steps":100,"values":[1.5,2.5]}"#.utf8))
        for index in sealed.indices {
            var damaged = sealed
            damaged[index] ^= 0x01
            let error = #expect(throws: MixLabError.self) {
                try FileIntegrity.verify(damaged, path: "results.jsonl", location: "test", fix: "restore it")
            }
            #expect(error?.what.contains("results.jsonl") == true)
        }
    }

    @Test func truncationsAreRefused() {
        let sealed = FileIntegrity.sealedJSONObject(Data(#"{"name":"run","steps":100}"#.utf8))
        for length in 0..<sealed.count {
            let prefix = sealed.prefix(length)
            let refused = (try? FileIntegrity.verify(prefix, path: "f", location: "test", fix: "none")) == nil
            let unparseable = (try? JSONSerialization.jsonObject(with: prefix)) == nil
            #expect(refused || unparseable, "a truncation to \(length) bytes passes")
        }
    }

    @Test func filesWithoutASealAreUnsealedAndDamagedSealsAreRefused() throws {
        #expect(try FileIntegrity.verify(Data(#"{"a":1}"#.utf8), path: "f", location: "test", fix: "none") == .unsealed)
        #expect(throws: MixLabError.self) {
            try FileIntegrity.verify(Data(#"{"mixlab.integrity":"crc32:zz","a":1}"#.utf8), path: "f", location: "test", fix: "none")
        }
        #expect(throws: MixLabError.self) {
            try FileIntegrity.verify(Data(#"{"mixlab.integrXty":"crc32:0123abcd","a":1}"#.utf8), path: "f", location: "test", fix: "none")
        }
    }
}
