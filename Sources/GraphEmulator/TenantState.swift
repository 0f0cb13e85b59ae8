import Crypto
import Foundation
import PolicyModel

/// Objects of one kind in insertion order, looked up by id case-insensitively (Graph ids are GUIDs).
struct EntityCollection: Sendable {
    private(set) var order: [String] = []
    private var objects: [String: JSONValue] = [:]

    var count: Int { order.count }
    var all: [JSONValue] { order.compactMap { objects[$0] } }

    func get(_ id: String) -> JSONValue? { objects[id.lowercased()] }
    func contains(_ id: String) -> Bool { objects[id.lowercased()] != nil }

    /// Inserts or replaces the object with the object's `id`.
    mutating func upsert(_ object: JSONValue) {
        guard let id = object["id"]?.stringValue else { return }
        let key = id.lowercased()
        if objects[key] == nil { order.append(key) }
        objects[key] = object
    }

    @discardableResult
    mutating func remove(_ id: String) -> JSONValue? {
        let key = id.lowercased()
        guard let removed = objects.removeValue(forKey: key) else { return nil }
        order.removeAll { $0 == key }
        return removed
    }
}

/// A federated identity credential of an application (issuer, subject and audiences match exactly).
struct FederatedCredential: Sendable, Equatable {
    var name: String
    var issuer: String
    var subject: String
    var audiences: [String]
}

/// An application that can get tokens from the emulator.
struct RegisteredApplication: Sendable {
    var clientId: String
    var displayName: String
    var secret: String?
    var certificates: [RegisteredCertificate]
    var federatedCredentials: [FederatedCredential]
    var permissions: [String]
    /// The object id of its service principal (the token's `oid`).
    var servicePrincipalId: String
}

/// Everything in an emulated tenant. A value type: the `TenantStore` actor owns the only copy.
struct TenantState: Sendable {
    var tenantId: String
    var domains: [String]
    var users = EntityCollection()
    /// Soft-deleted users (`/directory/deletedItems/microsoft.graph.user`), with `deletedDateTime`.
    var deletedUsers = EntityCollection()
    var groups = EntityCollection()
    /// Direct members of each group (lowercased group id → member object ids).
    var groupMembers: [String: [String]] = [:]
    /// Directory role assignments (role template id → member object ids).
    var roleAssignments: [String: [String]] = [:]
    var servicePrincipals = EntityCollection()
    var policies = EntityCollection()
    var deletedPolicies = EntityCollection()
    var namedLocations = EntityCollection()
    var deletedNamedLocations = EntityCollection()
    /// Custom authentication strengths (the built-ins are always present, see `BuiltIns`).
    var customAuthenticationStrengths = EntityCollection()
    var authenticationContexts = EntityCollection()
    var termsOfUse = EntityCollection()
    var riskyUsers = EntityCollection()
    var riskyUserHistory: [String: [JSONValue]] = [:]
    var riskDetections = EntityCollection()
    var riskyServicePrincipals = EntityCollection()
    var riskyServicePrincipalHistory: [String: [JSONValue]] = [:]
    var servicePrincipalRiskDetections = EntityCollection()
    /// Sign-in log (`/auditLogs/signIns`), in the order recorded; served newest first.
    var signIns = EntityCollection()
    /// Directory audit log (`/auditLogs/directoryAudits`), in the order recorded; served newest first.
    var directoryAudits = EntityCollection()
    var applications: [RegisteredApplication] = []
    /// Incremented by every change; keys response caches.
    var revision = 0

    /// The directory object with this id (user, group or service principal) and its type name.
    func directoryObject(_ id: String) -> (type: String, object: JSONValue)? {
        if let user = users.get(id) { return ("user", user) }
        if let group = groups.get(id) { return ("group", group) }
        if let principal = servicePrincipals.get(id) { return ("servicePrincipal", principal) }
        return nil
    }

    /// Deletes a user as Entra does: it moves to the deleted items with `deletedDateTime` set and its
    /// user principal name prefixed with its id without dashes (so the name can be reused); it leaves
    /// every group and directory role; its risky user stays, with `isDeleted: true`.
    /// - Returns: the deleted user, or nil when there is no such user.
    mutating func deleteUser(idOrUserPrincipalName key: String, at now: String) -> JSONValue? {
        guard let found = user(idOrUserPrincipalName: key), let id = found["id"]?.stringValue, var deleted = users.remove(id) else { return nil }
        let lowered = id.lowercased()
        deleted["deletedDateTime"] = .string(now)
        if let name = deleted["userPrincipalName"]?.stringValue {
            deleted["userPrincipalName"] = .string(lowered.replacingOccurrences(of: "-", with: "") + name)
        }
        deletedUsers.upsert(deleted)
        for (group, members) in groupMembers where members.contains(where: { $0.lowercased() == lowered }) {
            groupMembers[group] = members.filter { $0.lowercased() != lowered }
        }
        for (role, members) in roleAssignments where members.contains(where: { $0.lowercased() == lowered }) {
            roleAssignments[role] = members.filter { $0.lowercased() != lowered }
        }
        if var risky = riskyUsers.get(id) {
            risky["isDeleted"] = true
            riskyUsers.upsert(risky)
        }
        return deleted
    }

    /// A user by object id or user principal name.
    func user(idOrUserPrincipalName key: String) -> JSONValue? {
        if let user = users.get(key) { return user }
        let lowered = key.lowercased()
        return users.all.first { $0["userPrincipalName"]?.stringValue?.lowercased() == lowered }
    }

    func authenticationStrength(_ id: String) -> JSONValue? {
        if let builtIn = BuiltIns.authenticationStrengths.first(where: { $0["id"]?.stringValue == id }) { return builtIn }
        return customAuthenticationStrengths.get(id)
    }

    var allAuthenticationStrengths: [JSONValue] { BuiltIns.authenticationStrengths + customAuthenticationStrengths.all }

    /// Groups (ids) that directly contain the object.
    func directGroups(of memberId: String) -> [String] {
        let lowered = memberId.lowercased()
        return groups.order.filter { groupMembers[$0]?.contains { $0.lowercased() == lowered } ?? false }
    }

    /// All groups containing the object, directly or through nested groups.
    func transitiveGroups(of memberId: String) -> [String] {
        var found = Set<String>()
        var queue = directGroups(of: memberId)
        while let next = queue.popLast() {
            guard found.insert(next.lowercased()).inserted else { continue }
            queue.append(contentsOf: directGroups(of: next))
        }
        return groups.order.filter { found.contains($0.lowercased()) }
    }

    /// All members of a group, following nested groups (nested groups are themselves included), in
    /// breadth-first order. Linear in the members visited (a 20,000-member group used to take minutes).
    func transitiveMembers(of groupId: String) -> [String] {
        var seen = Set<String>()
        var ordered: [String] = []
        var queue = groupMembers[groupId.lowercased()] ?? []
        var index = 0
        while index < queue.count {
            let member = queue[index]
            index += 1
            let key = member.lowercased()
            guard seen.insert(key).inserted else { continue }
            ordered.append(member)
            if groups.contains(member) { queue.append(contentsOf: groupMembers[key] ?? []) }
        }
        return ordered
    }

    /// Role template ids assigned to the object directly or through a role-assignable group.
    func roleTemplates(of memberId: String) -> [String] {
        let holders = Set([memberId.lowercased()] + transitiveGroups(of: memberId))
        return roleAssignments.keys.sorted().filter { role in
            roleAssignments[role]!.contains { holders.contains($0.lowercased()) }
        }
    }
}

/// Stable identifiers derived from names, so a seed without ids gives the same ids on every run.
enum StableIdentifier {
    static func guid(kind: String, name: String) -> String {
        let digest = Array(SHA256.hash(data: Data("entraform-emulator:\(kind):\(name.lowercased())".utf8)))
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 style
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    /// Risk detection ids are 64 hex characters, not GUIDs.
    static func hex64(kind: String, name: String) -> String {
        SHA256.hash(data: Data("entraform-emulator:\(kind):\(name)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func random() -> String { UUID().uuidString.lowercased() }
}
