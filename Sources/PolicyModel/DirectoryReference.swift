import Foundation

/// A reference to a directory object where Graph wants an id: a reserved word (`All`), an object id,
/// or a name (display name, UPN for users) that the resolver turns into an id.
public struct DirectoryReference: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Form: Sendable, Hashable {
        /// A Graph special value, in Graph's spelling (`All`, `AllTrusted`, …).
        case reserved(String)
        /// An object id (a GUID, or an authentication context id such as `c1`).
        case id(String)
        /// A display name, or a user principal name for users.
        case name(String)
    }

    public var form: Form

    public init(_ form: Form) { self.form = form }

    /// Classifies text as written in YAML: a reserved word (matched case-insensitively and
    /// re-spelled as Graph spells it), a GUID, or otherwise a name.
    public init(parsing text: String) {
        if let word = ReservedWord.canonical(text) {
            form = .reserved(word)
        } else if DirectoryReference.isObjectID(text) {
            form = .id(text.lowercased())
        } else {
            form = .name(text)
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The text as the user would write it.
    public var description: String {
        switch form {
        case .reserved(let word): word
        case .id(let id): id
        case .name(let name): name
        }
    }

    /// True for a GUID such as `62e90394-69f5-4237-9190-012177145e10`.
    public static func isObjectID(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 36 else { return false }
        for (index, scalar) in scalars.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard scalar == "-" else { return false }
            } else {
                guard scalar.properties.isASCIIHexDigit else { return false }
            }
        }
        return true
    }
}

/// Graph's special string values (reference §1.9): PascalCase, matched case-insensitively on input.
public enum ReservedWord {
    public static let all = "All"
    public static let none = "None"
    public static let guestsOrExternalUsers = "GuestsOrExternalUsers"
    public static let office365 = "Office365"
    public static let microsoftAdminPortals = "MicrosoftAdminPortals"
    public static let allTrusted = "AllTrusted"
    public static let servicePrincipalsInMyTenant = "ServicePrincipalsInMyTenant"
    public static let allAgentIdResources = "AllAgentIdResources"

    /// Every reserved word, in Graph's spelling.
    public static let allWords = [
        all, none, guestsOrExternalUsers, office365, microsoftAdminPortals, allTrusted, servicePrincipalsInMyTenant,
        allAgentIdResources,
    ]

    private static let byLowercase: [String: String] = Dictionary(uniqueKeysWithValues: allWords.map { ($0.lowercased(), $0) })

    /// Graph's spelling of `text` when it is a reserved word in any letter case.
    public static func canonical(_ text: String) -> String? {
        // Reserved words are ASCII and short: anything longer cannot be one (a cheap exit for names).
        guard text.utf8.count <= 27 else { return nil }
        return byLowercase[text.lowercased()]
    }

    /// The legacy "MFA trusted IPs" location id.
    public static let legacyTrustedIPsLocationID = "00000000-0000-0000-0000-000000000000"
}
