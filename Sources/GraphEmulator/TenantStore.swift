import Foundation
import PolicyModel

/// The single owner of the tenant's state. Every read and change runs on this actor, so a request
/// sees a consistent tenant, and every change is persisted (when `--state` is set) before it is
/// acknowledged.
actor TenantStore {
    private(set) var state: TenantState
    private var initialState: TenantState
    private let stateFile: URL?
    private let replicationLag: Duration
    private let clock: EmulatorClock
    /// When each object was created through the API, for replication lag.
    private var creationInstants: [String: ContinuousClock.Instant] = [:]
    /// Serialised list responses by cache key, valid for one revision.
    private var responseCache: [String: (revision: Int, body: Data)] = [:]

    init(initial: TenantState, stateFile: URL?, replicationLag: Duration, clock: EmulatorClock = .system) {
        self.state = initial
        self.initialState = initial
        self.stateFile = stateFile
        self.replicationLag = replicationLag
        self.clock = clock
    }

    /// Runs a read-only body against the current state.
    func read<T: Sendable>(_ body: @Sendable (TenantState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Runs a change; the revision advances and the state is persisted only when the body succeeds.
    func write<T: Sendable>(_ body: @Sendable (inout TenantState) throws -> T) rethrows -> T {
        var copy = state
        let result = try body(&copy)
        copy.revision = state.revision + 1
        state = copy
        persist()
        return result
    }

    /// Records that an object was just created (it will 404 by id for the replication lag).
    func markCreated(_ id: String) {
        guard replicationLag > .zero else { return }
        creationInstants[id.lowercased()] = clock.now()
    }

    /// Whether an object created moments ago has not yet "replicated".
    func isReplicating(_ id: String) -> Bool {
        guard replicationLag > .zero, let created = creationInstants[id.lowercased()] else { return false }
        if clock.now() - created < replicationLag { return true }
        creationInstants[id.lowercased()] = nil
        return false
    }

    /// Filtered collections by key (path and `$filter`), valid for one revision: paging through a
    /// large filtered collection then filters once, not once per page.
    private var filterCache: [String: (revision: Int, objects: [JSONValue])] = [:]

    /// The objects `filter` keeps, from the cache when the tenant has not changed since.
    func filtered(key: String, _ filter: @Sendable (TenantState) throws -> [JSONValue]) rethrows -> [JSONValue] {
        if let cached = filterCache[key], cached.revision == state.revision { return cached.objects }
        let objects = try filter(state)
        if filterCache.count > 64 { filterCache.removeAll() }
        filterCache[key] = (state.revision, objects)
        return objects
    }

    /// A cached response body for this key and the current revision, or one made now.
    func cachedBody(key: String, make: @Sendable (TenantState) throws -> Data) rethrows -> Data {
        if let cached = responseCache[key], cached.revision == state.revision { return cached.body }
        let body = try make(state)
        if responseCache.count > 256 { responseCache.removeAll() }
        responseCache[key] = (state.revision, body)
        return body
    }

    /// Back to the state the emulator started with.
    func reset() {
        let revision = state.revision + 1
        state = initialState
        state.revision = revision
        creationInstants.removeAll()
        responseCache.removeAll()
        persist()
    }

    private func persist() {
        guard let stateFile else { return }
        let data = state.seedDocument().serialized(pretty: true)
        // `.atomic` writes a temporary file and renames it over the target.
        try? data.write(to: stateFile, options: .atomic)
    }
}
