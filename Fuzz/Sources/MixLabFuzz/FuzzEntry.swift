import CFuzzerDriver
import Foundation

/// libFuzzer's entry points: `LLVMFuzzerInitialize` picks the target named by `MIXLAB_FUZZ_TARGET`,
/// `LLVMFuzzerTestOneInput` feeds it one input.
///
/// A target returns normally for every input, whether its reader accepts or refuses it (a thrown
/// `MixLabError` is the expected answer to bad bytes); a trap, a sanitizer report, a timeout or a leak
/// is a finding. The module is built with `-parse-as-library`; SwiftPM links an executable's entry point
/// as `MixLabFuzz_main`, which hands the command line to libFuzzer's driver.
nonisolated(unsafe) private var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = ProcessInfo.processInfo.environment["MIXLAB_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("MIXLAB_FUZZ_TARGET must name a fuzz target (got '\(name)'); one of: \(names)\n".utf8))
        exit(2)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    selectedTarget?.run(data)
    return 0
}

@_cdecl("MixLabFuzz_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in fuzzerTestOneInput(bytes, size) }
}
