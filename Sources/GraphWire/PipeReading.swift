import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileHandle {
    /// Everything until end of file, read with POSIX `read` and retried when a signal interrupts it.
    /// Foundation's `readDataToEndOfFile()` traps on `EINTR`, which a process that runs children and
    /// serves HTTP at the same time does see.
    package func readToEndRetryingInterrupts() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            #if canImport(Glibc)
            let count = Glibc.read(fileDescriptor, &buffer, buffer.count)
            #else
            let count = Darwin.read(fileDescriptor, &buffer, buffer.count)
            #endif
            if count > 0 {
                data.append(contentsOf: buffer[..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }
}
