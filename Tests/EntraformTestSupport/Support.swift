import Foundation

/// Paths shared by tests.
public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The real exported policies nobody on the project wrote (`Tests/Corpus`, a copy of the shared
    /// reference corpus), or `$ENTRAFORM_CORPUS_DIR`: the folder holding `j0eyv-baseline`.
    public static let corpus: URL = {
        if let override = ProcessInfo.processInfo.environment["ENTRAFORM_CORPUS_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.appendingPathComponent("Tests/Corpus")
    }()

    /// The j0eyv baseline's `Config` folder (ConditionalAccess, NamedLocations, Groups, MigrationTable.json).
    public static let baselineConfig: URL = corpus.appendingPathComponent("j0eyv-baseline/Config")
}
