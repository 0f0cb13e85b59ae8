import ArgumentParser
import Foundation
import GraphClient
import PolicyModel
import TenantAccess

/// `entraform export`: the live tenant (or Graph JSON exported by other tools) as YAML in the policy
/// language, one file per policy and named location, ids turned into names, defaults left out.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the tenant's policies and named locations as YAML in the policy language.",
        discussion: """
            One file per policy (policies/) and named location (locations/), plus an entraform.yaml \
            Settings stub. Ids are written as names where a name identifies exactly one object; the rest stay \
            ids with a warning. Planning the export against the same tenant shows no changes.

            --from-json DIR converts Graph JSON exported by other tools offline (any encoding, OData \
            annotations, beta fields), naming ids from directory objects and id → name tables found there \
            (such as MigrationTable.json) or from --names FILE.

            Exit 0 when everything converted (warnings allowed), 1 on any error.
            """
    )

    @Option(help: "The folder to write to (must be empty or absent unless --force).")
    var out: String = "export"

    @Option(name: .customLong("name-prefix"), help: "Export only policies whose displayName starts with this; written as manage.namePrefix.")
    var namePrefix: String?

    @Option(name: .customLong("from-json"), help: "Convert Graph JSON files below this folder instead of reading a tenant.")
    var fromJSON: String?

    @Option(help: "An id → name table (MigrationTable.json format, [{id, displayName, type}] or {\"<id>\": \"<name>\"}).")
    var names: String?

    @Flag(help: "Write into a non-empty --out folder, replacing files of the same name.")
    var force = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let outURL = URL(fileURLWithPath: out)
        if ExportSession.isNonEmpty(outURL) && !force {
            Console.err("error: \(out) is not empty; choose another --out or pass --force\n")
            throw ExitCode(1)
        }
        let code = await TenantCommandRunner.run {
            var inputs: ExportInputs
            if let fromJSON {
                inputs = ExportSession.read(jsonDirectory: fromJSON, namesFile: names)
                if let tenant = connection.tenant { inputs.tenant = tenant }
            } else {
                let session = try await connection.connect(settings: nil)
                do {
                    inputs = try await ExportSession.read(client: session.client,
                                                          tenant: connection.tenant ?? session.credential.tenantId)
                    await session.close()
                } catch {
                    await session.close()
                    throw error
                }
                if let names {
                    inputs.notes.append("--names \(names) is only used with --from-json; the tenant names its own ids")
                }
            }
            return try Self.finish(inputs, out: outURL, namePrefix: namePrefix)
        }
        if code != 0 { throw ExitCode(code) }
    }

    static func finish(_ inputs: ExportInputs, out: URL, namePrefix: String?) throws -> Int32 {
        let outcome = try ExportSession.write(inputs, to: out, namePrefix: namePrefix)
        for note in inputs.notes { Console.err("note: \(note)\n") }
        for warning in outcome.warnings { Console.err(warning + "\n") }
        for error in outcome.errors { Console.err(error + "\n") }
        Console.err("Exported \(outcome.policyCount) policies and \(outcome.locationCount) named locations to \(out.path)"
            + " (\(outcome.warnings.count) warnings, \(outcome.errors.count) errors).\n")
        return outcome.exitCode
    }
}
