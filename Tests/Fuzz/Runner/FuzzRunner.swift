import Foundation
import FuzzChecks

// Built two ways (see README, "Fuzzing"):
// - for libFuzzer: `swift build --product entraform-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   -Xswiftc -DFUZZING`; libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput` with each input for the
//   target that `ENTRAFORM_FUZZ_TARGET` names;
// - plainly (as `swift build` does): `entraform-fuzz TARGET FILE…` runs files through a target (a crash
//   libFuzzer saved, say), and `entraform-fuzz --write-seeds TARGET DIR` writes the seed corpus.

/// Where the package is (seeds are read from its files).
let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}()

#if FUZZING
let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["ENTRAFORM_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set ENTRAFORM_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

/// One input: a violated property is a crash, so libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let problems = FuzzChecks.check(fuzzTarget, data)
    if !problems.isEmpty { fatalError("\(fuzzTarget.rawValue): " + problems.joined(separator: "\n")) }
    return 0
}

/// libFuzzer's driver, for a program with its own `main` (LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's `main` to `<module>_main` (`--defsym`), so libFuzzer's own `main` is
/// never used: this one hands the arguments to libFuzzer's driver.
@_cdecl("entraform_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { start, size in fuzzOneInput(start, size) }
}
#else
@main
struct FuzzReplay {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let writeSeeds = arguments.first == "--write-seeds"
        if writeSeeds { arguments.removeFirst() }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
            let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: entraform-fuzz \(targets) FILE…\n       entraform-fuzz --write-seeds \(targets) DIR\n".utf8))
            exit(64)
        }
        if writeSeeds {
            let directory = URL(fileURLWithPath: arguments[1])
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let seeds = FuzzSeeds.seeds(for: target, root: packageRoot)
            for (index, seed) in seeds.enumerated() {
                try seed.write(to: directory.appendingPathComponent(String(format: "seed-%04d", index)))
            }
            print("\(seeds.count) seeds for \(target.rawValue) in \(directory.path)")
            return
        }
        var failed = false
        for path in arguments.dropFirst() {
            let problems = FuzzChecks.check(target, try Data(contentsOf: URL(fileURLWithPath: path)))
            print("\(path): \(problems.isEmpty ? "ok" : problems.joined(separator: "; "))")
            failed = failed || !problems.isEmpty
        }
        exit(failed ? 1 : 0)
    }
}
#endif
