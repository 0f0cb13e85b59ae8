import Foundation
import PolicyModel

/// The file-system edge of loading: finds configuration files and reads their bytes.
public enum ConfigurationFiles {
    /// Why a configuration path could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every `*.yaml` / `*.yml` file under `path` (recursively, skipping hidden folders and files), or
    /// `path` itself when it names a file. Paths are reported relative to the current directory as given.
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
        var pending = [path]
        while let directory = pending.popLast() {
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
                if childIsDirectory.boolValue {
                    pending.append(child)
                } else if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
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
