import Foundation
import GraphClient
import PolicyLoading
import PolicyModel
import Reconciliation

/// What an export converts: live objects (each with where it came from) and the names for their ids.
package struct ExportInputs {
    package struct Item {
        /// Where the object came from: a file path, or `tenant`.
        package var source: String
        package var json: JSONValue
    }

    package var policies: [Item] = []
    package var namedLocations: [Item] = []
    package var names = ExportNames()
    /// The tenant, when known (written into the Settings stub).
    package var tenant: String?
    /// `path:line:column: error: …` lines: inputs that could not be read. The rest still convert.
    package var errors: [String] = []
    /// Notes about inputs skipped or tables used.
    package var notes: [String] = []
}

/// What `export` wrote.
package struct ExportOutcome {
    package var files: [String] = []
    package var policyCount = 0
    package var locationCount = 0
    /// `source: warning: …` lines.
    package var warnings: [String] = []
    package var errors: [String] = []

    package var exitCode: Int32 { errors.isEmpty ? 0 : 1 }
}

package enum ExportSession {
    // MARK: From a tenant

    /// Reads every policy and named location and names every id they use, in a handful of batched
    /// requests: the snapshot reader's, plus one look-up per kind of the candidate names, so a name is
    /// only written when it identifies one object in the whole tenant.
    package static func read(client: GraphClient, tenant: String?) async throws -> ExportInputs {
        let read = try await TenantSnapshotReader(client: client).read(query: DirectoryQuery())
        var names = ExportNames(directory: read.directory)
        let users = try await client.resolveUsers(upns: read.directory.entries(.user).map(\.name).filter { $0.contains("@") })
        names.add(users.matches.values.flatMap { $0 }.map(TenantSnapshotReader.userEntry), as: .user)
        let groups = try await client.resolveGroups(names: read.directory.entries(.group).map(\.name))
        names.add(groups.matches.values.flatMap { $0 }.map(TenantSnapshotReader.namedEntry), as: .group)
        let applications = try await client.resolveServicePrincipals(names: read.directory.entries(.servicePrincipal).map(\.name))
        names.add(applications.matches.values.flatMap { $0 }.map(TenantSnapshotReader.servicePrincipalEntry), as: .servicePrincipal)
        var inputs = ExportInputs(names: names, tenant: tenant)
        inputs.policies = read.snapshot.policies.map { .init(source: "tenant", json: $0) }
        inputs.namedLocations = read.snapshot.namedLocations.map { .init(source: "tenant", json: $0) }
        return inputs
    }

    // MARK: From JSON files

    /// Reads every `*.json` below `directory`: policies, named locations, directory objects (which
    /// name their ids), `MigrationTable.json`-style tables, Graph collections (`{"value": […]}`);
    /// plus `namesFile` when given. Files that cannot be read are reported with their position.
    package static func read(jsonDirectory directory: String, namesFile: String?) -> ExportInputs {
        var inputs = ExportInputs()
        for (id, name) in builtInAuthenticationStrengths {
            inputs.names.add([DirectoryEntry(id: id, name: name)], as: .authenticationStrength)
        }
        let root = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            inputs.errors.append("\(directory): error: --from-json needs a directory")
            return inputs
        }
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: root.path) {
            for case let relative as String in enumerator where relative.lowercased().hasSuffix(".json") {
                if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                files.append(relative)
            }
        }
        let display = { (relative: String) in directory.hasSuffix("/") ? directory + relative : directory + "/" + relative }
        // Only files inside the directory: a link to a file elsewhere is refused (see ConfigurationFiles.collect).
        guard let boundary = try? ContainedPaths(root: directory) else {
            inputs.errors.append("\(directory): error: cannot resolve the directory's real path")
            return inputs
        }
        for relative in files.sorted() {
            if let real = boundary.escape(of: root.appendingPathComponent(relative).path) {
                inputs.errors.append("\(display(relative)): error: \(boundary.refusal(real, what: "the --from-json directory"))")
                continue
            }
            read(file: root.appendingPathComponent(relative), shownAs: display(relative), into: &inputs, explicitTable: false)
        }
        if let namesFile {
            read(file: URL(fileURLWithPath: namesFile), shownAs: namesFile, into: &inputs, explicitTable: true)
        }
        return inputs
    }

    /// The authentication strengths every tenant has.
    static let builtInAuthenticationStrengths: [(String, String)] = [
        ("00000000-0000-0000-0000-000000000002", "Multifactor authentication"),
        ("00000000-0000-0000-0000-000000000003", "Passwordless MFA"),
        ("00000000-0000-0000-0000-000000000004", "Phishing-resistant MFA"),
    ]

    private static func read(file: URL, shownAs path: String, into inputs: inout ExportInputs, explicitTable: Bool) {
        let json: JSONValue
        do {
            let data = try Data(contentsOf: file)
            do {
                json = try JSONValue.decode(exportedData: data)
            } catch {
                let position = error.line.map { ":\($0):\(error.column ?? 1)" } ?? ""
                inputs.errors.append("\(path)\(position): error: \(error.description)")
                return
            }
        } catch {
            inputs.errors.append("\(path): error: cannot read the file: \(error.localizedDescription)")
            return
        }
        if explicitTable {
            if !addNameTable(json, to: &inputs) {
                inputs.errors.append("\(path): error: not an id → name table (expected {\"Objects\": [{\"Id\", \"DisplayName\", \"Type\"}]}, [{\"id\", \"displayName\"}] or {\"<id>\": \"<name>\"})")
            }
            return
        }
        classify(json, path: path, into: &inputs)
    }

    private static func classify(_ json: JSONValue, path: String, into inputs: inout ExportInputs) {
        if case .array(let items) = json {
            for item in items { classify(item, path: path, into: &inputs) }
            return
        }
        guard let members = json.objectValue else {
            inputs.notes.append("\(path): skipped: not a JSON object")
            return
        }
        if let items = members["value"]?.arrayValue {
            for item in items { classify(item, path: path, into: &inputs) }
            return
        }
        let type = (members["@odata.type"]?.stringValue ?? "").lowercased()
        if type.hasSuffix("conditionalaccesspolicy") || (members["conditions"] != nil && members["displayName"] != nil) {
            inputs.policies.append(.init(source: path, json: json))
        } else if type.hasSuffix("namedlocation") || members["ipRanges"] != nil || members["countriesAndRegions"] != nil
                    || members["compliantNetworkType"] != nil {
            inputs.namedLocations.append(.init(source: path, json: json))
        } else if let (entry, target) = directoryEntry(members, type: type) {
            inputs.names.add([entry], as: target)
        } else if addNameTable(json, to: &inputs) {
            if let tenant = members["TenantId"]?.stringValue ?? members["tenantId"]?.stringValue, inputs.tenant == nil {
                inputs.tenant = tenant
            }
            inputs.notes.append("\(path): used as an id → name table")
        } else {
            inputs.notes.append("\(path): skipped: not a policy, named location, directory object or name table")
        }
    }

    /// A directory object export (group, user, service principal, role, strength, agreement, context).
    private static func directoryEntry(_ members: [String: JSONValue], type: String) -> (DirectoryEntry, ReferenceTarget)? {
        guard let id = members["id"]?.stringValue else { return nil }
        let displayName = members["displayName"]?.stringValue
        if type.hasSuffix(".user") || members["userPrincipalName"] != nil {
            guard let upn = members["userPrincipalName"]?.stringValue else { return nil }
            return (DirectoryEntry(id: id, name: upn), .user)
        }
        guard let displayName else { return nil }
        if type.hasSuffix(".group") || members["groupTypes"] != nil || members["mailNickname"] != nil {
            return (DirectoryEntry(id: id, name: displayName), .group)
        }
        if type.hasSuffix(".serviceprincipal") || (members["appId"] != nil && members["servicePrincipalType"] != nil) {
            return (DirectoryEntry(id: id, name: displayName, appId: members["appId"]?.stringValue), .servicePrincipal)
        }
        if type.contains("roletemplate") || type.contains("roledefinition") || members["rolePermissions"] != nil {
            return (DirectoryEntry(id: members["templateId"]?.stringValue ?? id, name: displayName), .role)
        }
        if type.contains("authenticationstrengthpolicy") || members["allowedCombinations"] != nil {
            return (DirectoryEntry(id: id, name: displayName), .authenticationStrength)
        }
        if type.hasSuffix(".agreement") || members["isViewingBeforeAcceptanceRequired"] != nil {
            return (DirectoryEntry(id: id, name: displayName), .termsOfUse)
        }
        if type.contains("authenticationcontextclassreference") || members["isAvailable"] != nil {
            return (DirectoryEntry(id: id, name: displayName), .authenticationContext)
        }
        return nil
    }

    /// Adds an id → name table: `{"Objects": [{"Id", "DisplayName", "Type"}]}` (the corpus's
    /// `MigrationTable.json`), a list of `{"id", "displayName"|"name", "type"}`, or `{"<id>": "<name>"}`.
    @discardableResult
    package static func addNameTable(_ json: JSONValue, to inputs: inout ExportInputs) -> Bool {
        func field(_ object: [String: JSONValue], _ names: String...) -> String? {
            for (key, value) in object where names.contains(where: { $0.caseInsensitiveCompare(key) == .orderedSame }) {
                if let text = value.stringValue { return text }
            }
            return nil
        }
        var rows: [JSONValue]?
        if let object = json.objectValue {
            rows = object.first { $0.key.caseInsensitiveCompare("Objects") == .orderedSame }?.value.arrayValue
            if rows == nil, !object.isEmpty, object.allSatisfy({ DirectoryReference.isObjectID($0.key) && $0.value.stringValue != nil }) {
                for (id, name) in object { inputs.names.addUntyped(id: id, name: name.stringValue ?? "") }
                return true
            }
        } else {
            rows = json.arrayValue
        }
        guard let rows, !rows.isEmpty else { return false }
        var added = false
        for row in rows {
            guard let object = row.objectValue, let id = field(object, "Id", "ObjectId"),
                  let name = field(object, "UserPrincipalName", "DisplayName", "Name") else { continue }
            added = true
            let type = (field(object, "Type", "ObjectType", "@odata.type") ?? "").lowercased()
                .replacingOccurrences(of: "#microsoft.graph.", with: "")
            let target: ReferenceTarget? = switch type {
            case "group": .group
            case "user": .user
            case "serviceprincipal", "application", "app": .servicePrincipal
            case "role", "directoryrole", "roletemplate", "directoryroletemplate", "roledefinition": .role
            case "namedlocation", "location", "ipnamedlocation", "countrynamedlocation": .namedLocation
            case "authenticationstrength", "authenticationstrengthpolicy": .authenticationStrength
            case "authenticationcontext", "authenticationcontextclassreference": .authenticationContext
            case "termsofuse", "agreement": .termsOfUse
            default: nil
            }
            if let target {
                inputs.names.add([DirectoryEntry(id: id, name: name, appId: target == .servicePrincipal ? field(object, "AppId") : nil)],
                                 as: target)
            } else {
                inputs.names.addUntyped(id: id, name: name)
            }
        }
        return added
    }

    // MARK: Converting and writing

    /// Converts `inputs` and writes one file per policy (`policies/`) and location (`locations/`) plus
    /// `entraform.yaml`, under `out`. Only policies whose name starts with `namePrefix` are exported.
    package static func write(_ inputs: ExportInputs, to out: URL, namePrefix: String?) throws -> ExportOutcome {
        var outcome = ExportOutcome(errors: inputs.errors)
        var names = inputs.names
        var documents: [(folder: String, object: ExportedObject, source: String)] = []

        for item in inputs.namedLocations {
            if let id = item.json["id"]?.stringValue, let name = item.json["displayName"]?.stringValue {
                names.add([DirectoryEntry(id: id, name: name)], as: .namedLocation)
            }
        }
        for item in inputs.namedLocations {
            switch LiveExport.namedLocation(item.json) {
            case .success(let object):
                documents.append(("locations", object, item.source))
            case .failure(let skipped):
                outcome.warnings.append("\(item.source): warning: \(skipped.reason)")
            }
        }
        for item in inputs.policies {
            let name = item.json["displayName"]?.stringValue ?? ""
            if let namePrefix, !namePrefix.isEmpty, !name.hasPrefix(namePrefix) { continue }
            documents.append(("policies", LiveExport.policy(item.json, names: names), item.source))
        }

        // What cannot be converted is an error and is not written; the rest still is.
        documents.removeAll { folder, object, source in
            guard !object.errors.isEmpty else { return false }
            let what = object.kind == .namedLocation ? "named location" : "policy"
            outcome.errors += object.errors.map { "\(source): error: \(what) '\(object.displayName)': \($0)" }
            return true
        }
        documents = Self.distinctNames(documents)

        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var taken: [String: Set<String>] = [:]
        for (folder, object, source) in documents.sorted(by: { ($0.folder, $0.object.displayName) < ($1.folder, $1.object.displayName) }) {
            let what = object.kind == .namedLocation ? "named location" : "policy"
            for warning in object.warnings {
                outcome.warnings.append("\(source): warning: \(what) '\(object.displayName)': \(warning)")
            }
            var header = ["\(object.displayName)", "Exported by entraform export from \(source == "tenant" ? "the tenant" : source)."]
            if object.id != nil { header.append("`id` pins this file to the live object; keep it to follow renames made in the portal.") }
            header += object.warnings.map { "Note: \($0)" }
            let text = try YAMLWriting.document(object.document, kind: object.kind == .namedLocation ? .namedLocation : .conditionalAccessPolicy,
                                                header: header)
            let fileName = YAMLWriting.fileName(for: object.displayName, taken: &taken[folder, default: []])
            let directory = out.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: directory.appendingPathComponent(fileName), options: .atomic)
            outcome.files.append("\(folder)/\(fileName)")
            if object.kind == .namedLocation { outcome.locationCount += 1 } else { outcome.policyCount += 1 }
        }

        var settings: [String: JSONValue] = ["kind": "Settings"]
        if let tenant = inputs.tenant { settings["tenant"] = .string(tenant) }
        if let namePrefix, !namePrefix.isEmpty { settings["manage"] = ["namePrefix": .string(namePrefix)] }
        settings["emergencyAccess"] = ["users": [], "groups": []]
        let text = try YAMLWriting.document(
            .object(settings), kind: .settings,
            header: ["entraform settings, written by entraform export.", "See the policy language: Settings."],
            comments: ["emergencyAccess": ["TODO: list your break-glass accounts (by UPN) and groups; the lockout guard protects them."]])
        try Data(text.utf8).write(to: out.appendingPathComponent("entraform.yaml"), options: .atomic)
        outcome.files.append("entraform.yaml")
        return outcome
    }

    /// Live objects sharing a display name (case-insensitively; Entra allows it, the language does
    /// not): the first (by id) keeps the name, the others get ` (2)`, ` (3)`… with a warning, so the
    /// export plans; with `id:` pinned, the first apply renames them in the tenant.
    package static func distinctNames(_ documents: [(folder: String, object: ExportedObject, source: String)])
        -> [(folder: String, object: ExportedObject, source: String)]
    {
        var result = documents
        let groups = Dictionary(grouping: documents.indices) { "\(documents[$0].folder)\u{0}\(documents[$0].object.displayName.lowercased())" }
        var used = Set(documents.map { "\($0.folder)\u{0}\($0.object.displayName.lowercased())" })
        for (_, indices) in groups.sorted(by: { $0.key < $1.key }) where indices.count > 1 {
            let ordered = indices.sorted { (documents[$0].object.id ?? "", $0) < (documents[$1].object.id ?? "", $1) }
            let original = documents[ordered[0]].object.displayName
            let what = documents[ordered[0]].object.kind == .namedLocation ? "named locations" : "policies"
            let ids = ordered.map { documents[$0].object.id ?? "no id" }.joined(separator: ", ")
            var suffix = 2
            for index in ordered.dropFirst() {
                var name = "\(original) (\(suffix))"
                while used.contains("\(documents[index].folder)\u{0}\(name.lowercased())") {
                    suffix += 1
                    name = "\(original) (\(suffix))"
                }
                used.insert("\(documents[index].folder)\u{0}\(name.lowercased())")
                suffix += 1
                result[index].object.displayName = name
                result[index].object.document["displayName"] = .string(name)
                let pinned = documents[index].object.id != nil
                result[index].object.warnings.append(
                    "\(ordered.count) live \(what) are named '\(original)' (\(ids)); names must be unique in a configuration, so this one is written as '\(name)'"
                        + (pinned ? " and the first apply renames it in the tenant (rename one in the portal first to choose the names yourself)"
                                  : "; it has no id, so plan would create it anew: add its id"))
            }
        }
        return result
    }

    /// True when `url` is a directory with anything in it (or a file).
    package static func isNonEmpty(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else { return true }
        return !((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).isEmpty
    }
}
