import GraphClient
import PolicyEvaluation
import PolicyModel
import Reconciliation

/// Reads what the lockout guard needs about the emergency access accounts: the Settings' users and
/// the nested members of its groups, each with its groups and directory roles (`transitiveMemberOf`).
package enum EmergencyAccessReader {
    /// The accounts, sorted by id; empty when the configuration names none.
    package static func accounts(of resolved: ResolvedConfiguration, client: GraphClient) async throws -> [EmergencyAccount] {
        var labels: [String: String] = [:]  // id → label
        for id in resolved.emergencyUserIds { labels[id.lowercased()] = resolved.names.name(for: id) ?? id }
        for group in resolved.emergencyGroupIds.map({ $0.lowercased() }) {
            for member in try await client.listTransitiveMembers(groupId: group) where member.odataType != "#microsoft.graph.group" {
                labels[member.id.lowercased()] = member.userPrincipalName ?? member.displayName ?? member.id
            }
        }
        var accounts: [EmergencyAccount] = []
        for (id, label) in labels.sorted(by: { $0.key < $1.key }) {
            let memberships = try await client.listTransitiveMemberships(userId: id)
            accounts.append(EmergencyAccount(id: id, label: label, groupIds: memberships.groupIds, roleTemplateIds: memberships.roleTemplateIds))
        }
        return accounts
    }
}
