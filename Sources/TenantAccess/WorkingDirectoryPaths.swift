import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where entraform writes its own files (backups, the risk audit log): by default under `.entraform/`
/// in the working directory, which in CI is a checkout that a pull request can change. A committed
/// symbolic link there (`.entraform -> /home/runner`, `.entraform/audit.jsonl -> ~/.bashrc`) would
/// redirect those writes anywhere, so a relative path is refused when any part of it that exists is a
/// symbolic link. An absolute path was typed by the person running entraform and is taken as given
/// (the audit log still refuses a link as its last component, see ``RiskAuditFile``).
package enum WorkingDirectoryPaths {
    /// Why the path cannot be used.
    package struct Refused: Error, CustomStringConvertible {
        package var description: String
    }

    /// Throws when `path` is relative and one of its existing parts is a symbolic link.
    /// - Parameter what: what the path is for, in the message ("backup folder").
    package static func refuseLinks(in path: String, what: String, option: String) throws(Refused) {
        guard !path.hasPrefix("/") else { return }
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            if component == "." || component == ".." { continue }
            var status = stat()
            guard lstat(prefix, &status) == 0 else { return }  // the rest does not exist yet
            if (status.st_mode & S_IFMT) == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: prefix)) ?? "?"
                throw Refused(description: "\(prefix) is a symbolic link (to \(target)): entraform writes its \(what) \(path) only through real folders, "
                    + "as a committed link could send it anywhere; remove the link or pass an absolute path with \(option)")
            }
        }
    }
}
