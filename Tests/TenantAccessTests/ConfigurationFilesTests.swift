import Foundation
import PolicyLoading
import PolicyModel
import TenantAccess
import Testing

/// Finding configuration files: symbolic links are followed, but never in circles.
@Suite("Configuration files")
struct ConfigurationFilesTests {
    /// A fresh temporary folder holding `files` (relative path → text) and `links` (relative path → target).
    static func tree(files: [String: String], links: [String: String]) throws -> URL {
        let manager = FileManager.default
        let root = manager.temporaryDirectory.appendingPathComponent("entraform-tree-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        for (path, target) in links {
            let url = root.appendingPathComponent(path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try manager.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }
        return root
    }

    static func location(_ name: String) -> String {
        "kind: NamedLocation\ndisplayName: \(name)\ncountriesAndRegions: [CH]\n"
    }

    func relativePaths(_ sources: [PolicySource], under root: URL) -> [String] {
        sources.map { String($0.path.dropFirst(root.path.count + 1)) }
    }

    @Test func twoLinksUpTheTreeEndAndReadEachFileOnce() throws {
        let root = try Self.tree(files: ["a.yaml": Self.location("A"), "one/b.yaml": Self.location("B"), "two/c.yaml": Self.location("C")],
                                 links: ["one/up": "..", "two/up": ".."])
        defer { try? FileManager.default.removeItem(at: root) }
        let sources = try ConfigurationFiles.collect(root.path)
        #expect(relativePaths(sources, under: root) == ["a.yaml", "one/b.yaml", "two/c.yaml"])
        let result = ConfigurationLoader.load(sources)
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.count == 3)
    }

    @Test func aLinkToItselfAddsNothing() throws {
        let root = try Self.tree(files: ["a.yaml": Self.location("A"), "nested/b.yaml": Self.location("B")],
                                 links: ["self": ".", "nested/again": "../nested"])
        defer { try? FileManager.default.removeItem(at: root) }
        let sources = try ConfigurationFiles.collect(root.path)
        #expect(relativePaths(sources, under: root) == ["a.yaml", "nested/b.yaml"])
        #expect(ConfigurationLoader.load(sources).diagnostics.map(\.description) == [])
    }

    @Test func aFileReachedThroughALinkIsReadOnceUnderItsShallowestPath() throws {
        let root = try Self.tree(files: ["deep/er/a.yaml": Self.location("A")],
                                 links: ["b.yaml": "deep/er/a.yaml", "shortcut": "deep/er"])
        defer { try? FileManager.default.removeItem(at: root) }
        let sources = try ConfigurationFiles.collect(root.path)
        #expect(relativePaths(sources, under: root) == ["b.yaml"])
    }

    /// A configuration from a pull request cannot make entraform read outside it: a `.yaml` link to a
    /// file elsewhere, or a folder link out of the tree, is an error naming the link and its target,
    /// and the outside file's text appears nowhere.
    @Test(arguments: [("leak.yaml", "secret.yaml"), ("nested/etc", ".")])
    func aLinkOutOfTheDirectoryIsRefused(link: String, target: String) throws {
        let outside = try Self.tree(files: ["secret.yaml": "token: planted-outside-\(UUID().uuidString)\n"], links: [:])
        defer { try? FileManager.default.removeItem(at: outside) }
        let targetPath = outside.appendingPathComponent(target).standardizedFileURL.path
        let root = try Self.tree(files: ["a.yaml": Self.location("A")], links: [link: targetPath])
        defer { try? FileManager.default.removeItem(at: root) }
        let error = #expect(throws: ConfigurationFiles.ReadError.self) { try ConfigurationFiles.collect(root.path) }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("\(root.path)/\(link): a symbolic link to "), "\(message)")
        #expect(message.contains("outside the configuration directory \(root.path)"))
        #expect(!message.contains("planted-outside"))
    }

    /// The directory named on the command line may itself be a link (the user chose it), and links
    /// between its own files stay allowed.
    @Test func theNamedDirectoryMayBeALink() throws {
        let real = try Self.tree(files: ["a.yaml": Self.location("A"), "deep/b.yaml": Self.location("B")], links: ["c.yaml": "deep/b.yaml"])
        defer { try? FileManager.default.removeItem(at: real) }
        let holder = try Self.tree(files: [:], links: ["config": real.path])
        defer { try? FileManager.default.removeItem(at: holder) }
        let sources = try ConfigurationFiles.collect(holder.appendingPathComponent("config").path)
        #expect(sources.count == 2)
    }

    /// `export --from-json DIR` reads the same way: a JSON file linked from outside is an error, the rest is read.
    @Test func exportInputsLinkedFromOutsideAreRefused() throws {
        let outside = try Self.tree(files: ["policy.json": #"{"id": "planted-outside", "displayName": "Outside"}"#], links: [:])
        defer { try? FileManager.default.removeItem(at: outside) }
        let root = try Self.tree(files: ["inside.json": #"{"value": []}"#], links: ["leak.json": outside.appendingPathComponent("policy.json").path])
        defer { try? FileManager.default.removeItem(at: root) }
        let inputs = ExportSession.read(jsonDirectory: root.path, namesFile: nil)
        #expect(inputs.errors.count == 1)
        #expect(inputs.errors.first?.hasPrefix("\(root.path)/leak.json: error: a symbolic link to ") == true, "\(inputs.errors)")
        #expect(inputs.errors.first?.contains("outside the --from-json directory") == true)
    }
}
