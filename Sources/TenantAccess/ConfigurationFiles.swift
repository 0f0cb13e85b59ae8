import Foundation
import PolicyLoading
import PolicyModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system edge of loading: finds configuration files and reads their bytes.
public enum ConfigurationFiles {
    /// Why a configuration path could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every `*.yaml` / `*.yml` file under `path` (recursively, skipping hidden folders and files), or
    /// `path` itself when it names a file. Paths are reported relative to the current directory as given.
    ///
    /// Symbolic links are followed, but each real directory is listed once and each real file read
    /// once (both told apart by device and inode), so a link back up the tree (`up -> ..`,
    /// `self -> .`) neither loops nor loads a file twice. The walk is breadth-first with entries in
    /// name order, so a file reachable several ways is named by its shallowest path.
    public static func collect(_ path: String) throws(ReadError) -> [PolicySource] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(description: "\(path): no such file or directory")
        }
        if !isDirectory.boolValue {
            return [try read(path)]
        }
        var sources: [PolicySource] = []
        var seen: Set<FileIdentity> = []
        if let root = FileIdentity(path) { seen.insert(root) }
        var pending = [path]
        var next = 0
        while next < pending.count {
            let directory = pending[next]
            next += 1
            let entries: [String]
            do {
                entries = try manager.contentsOfDirectory(atPath: directory)
            } catch {
                throw ReadError(description: "\(directory): cannot list directory (\(error.localizedDescription))")
            }
            for entry in entries.sorted() where !entry.hasPrefix(".") {
                let child = directory == "." ? entry : (directory.hasSuffix("/") ? directory + entry : "\(directory)/\(entry)")
                var childIsDirectory: ObjCBool = false
                guard manager.fileExists(atPath: child, isDirectory: &childIsDirectory) else { continue }
                let isConfigurationFile = entry.hasSuffix(".yaml") || entry.hasSuffix(".yml")
                guard childIsDirectory.boolValue || isConfigurationFile else { continue }
                // Where the identity cannot be read, fall back to the path (nothing to loop through then).
                if let identity = FileIdentity(child), !seen.insert(identity).inserted { continue }
                if childIsDirectory.boolValue {
                    pending.append(child)
                } else {
                    sources.append(try read(child))
                }
            }
        }
        return sources.sorted { $0.path < $1.path }
    }

    private static func read(_ path: String) throws(ReadError) -> PolicySource {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "\(path): cannot read file")
        }
        return PolicySource(path: path, data: data)
    }
}

/// What a path finally points at (links followed): its device and inode.
private struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
