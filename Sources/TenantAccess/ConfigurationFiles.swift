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
    ///
    /// Nothing outside the directory is read: a file or folder whose real path (links resolved) is not
    /// inside the real path of `path` is an error naming the link and where it points. A configuration
    /// often comes from a pull request, and a committed `leak.yaml -> /proc/self/environ` or
    /// `etc -> /etc` would otherwise make `validate` print another file's lines in the CI log. The
    /// directory named on the command line may itself be a link: the user chose it.
    public static func collect(_ path: String) throws(ReadError) -> [PolicySource] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(description: "\(path): no such file or directory")
        }
        if !isDirectory.boolValue {
            return [try read(path)]
        }
        let boundary = try ContainedPaths(root: path)
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
                if let real = boundary.escape(of: child) {
                    throw ReadError(description: "\(child): \(boundary.refusal(real, what: "the configuration directory"))")
                }
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

/// The real path of a directory named on the command line, and the check that a path found inside it
/// (links resolved) stays there.
package struct ContainedPaths {
    /// The directory as given (for messages) and its real path.
    package let root: String
    let realRoot: String

    package init(root: String) throws(ConfigurationFiles.ReadError) {
        guard let real = Self.realPath(root) else {
            throw ConfigurationFiles.ReadError(description: "\(root): cannot resolve the directory's real path")
        }
        self.root = root
        realRoot = real
    }

    /// Where `path` (found inside ``root``) really is, when that is outside ``root``; nil when it is inside.
    package func escape(of path: String) -> String? {
        guard let real = Self.realPath(path) else { return path }
        return real == realRoot || real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") ? nil : real
    }

    /// Why `path` is refused: it leads to `real`, outside ``root``.
    package func refusal(_ real: String, what: String) -> String {
        "a symbolic link to \(real), outside \(what) \(root): entraform reads only what is inside it (remove the link, or copy the file in)"
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
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
