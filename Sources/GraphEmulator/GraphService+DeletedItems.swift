import Foundation
import PolicyModel

extension GraphService {
    /// One soft-deleted collection (`…/deletedItems/policies`, `…/deletedItems/namedLocations`): list,
    /// get, restore (`POST …/{id}/restore`) and hard delete, the same for every entity that shares the
    /// shape; what differs is passed in.
    struct DeletedItems: Sendable {
        /// The collection's OData context (`identity/conditionalAccess/deletedItems/policies`).
        var context: String
        /// The context of a restored object's entity (`identity/conditionalAccess/policies`).
        var restoredContext: String?
        var active: any WritableKeyPath<TenantState, EntityCollection> & Sendable
        var deleted: any WritableKeyPath<TenantState, EntityCollection> & Sendable
        /// Restores and hard deletes record a directory audit for this kind of object.
        var audited: AuditedObject?
        /// How a stored object is served (`nil`: not served, e.g. a type the version does not know).
        var render: @Sendable (GraphService, JSONValue, TenantState, GraphRequest) -> JSONValue?
        /// Pages the list with the collection's query options (`nil`: one unpaged `value`).
        var query: (@Sendable (GraphRequest) throws -> CollectionQuery)?
        /// Checked before a restore (the policy limit).
        var beforeRestore: @Sendable (GraphService, TenantState) throws -> Void = { _, _ in }
    }

    func deletedItems(_ request: GraphRequest, rest: [String], principal: Principal, _ items: DeletedItems) async throws -> GraphResponse {
        if rest.isEmpty {
            try requireMethod(request, "GET")
            let query = try items.query?(request)
            let body = try await store.read { state -> JSONValue in
                let rendered = state[keyPath: items.deleted].all.compactMap { items.render(self, $0, state, request) }
                if let query { return query.page(rendered, request: request, context: items.context) }
                return .object(["@odata.context": .string("\(request.serviceRoot)/$metadata#\(items.context)"), "value": .array(rendered)])
            }
            return .json(200, body)
        }
        let id = rest[0]
        if rest.count == 2, rest[1].lowercased().hasSuffix("restore") {
            try requireMethod(request, "POST")
            let audit = auditContext(request, principal: principal)
            let body = try await store.write { state -> JSONValue in
                guard var stored = state[keyPath: items.deleted].remove(id) else { throw GraphFailure.policyNotFound(id) }
                try items.beforeRestore(self, state)
                stored["deletedDateTime"] = nil
                state[keyPath: items.active].upsert(stored)
                if let audited = items.audited {
                    state.recordAudit(.restore, audited, id: stored["id"]?.stringValue ?? id, displayName: stored["displayName"]?.stringValue,
                                      old: nil, new: stored, context: audit)
                }
                var rendered = items.render(self, stored, state, request) ?? stored
                if let context = items.restoredContext {
                    rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(context)/$entity")
                }
                return rendered
            }
            return .json(200, body)
        }
        guard rest.count == 1 else { throw GraphFailure.noRoute(request) }
        switch request.method {
        case "GET":
            let body = try await store.read { state -> JSONValue in
                guard let stored = state[keyPath: items.deleted].get(id), var rendered = items.render(self, stored, state, request) else {
                    throw GraphFailure.policyNotFound(id)
                }
                if items.restoredContext != nil { rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(items.context)/$entity") }
                return rendered
            }
            return .json(200, body)
        case "DELETE":
            let audit = auditContext(request, principal: principal)
            try await store.write { state in
                guard let removed = state[keyPath: items.deleted].remove(id) else { throw GraphFailure.policyNotFound(id) }
                if let audited = items.audited {
                    state.recordAudit(.hardDelete, audited, id: removed["id"]?.stringValue ?? id, displayName: removed["displayName"]?.stringValue,
                                      old: removed, new: nil, context: audit)
                }
            }
            return .noContent()
        default: throw GraphFailure.methodNotAllowed()
        }
    }
}
