import Foundation
import PolicyModel

/// Objects every Entra tenant has: directory role templates and the built-in authentication strengths.
enum BuiltIns {
    /// A built-in directory role (template id = role definition id for built-ins).
    struct RoleTemplate: Sendable {
        var id: String
        var displayName: String
        var description: String
    }

    /// Built-in Entra roles with their real template ids (Microsoft Learn "permissions reference").
    static let roleTemplates: [RoleTemplate] = [
        .init(id: "62e90394-69f5-4237-9190-012177145e10", displayName: "Global Administrator", description: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
        .init(id: "f2ef992c-3afb-46b9-b7cf-a126ee74c451", displayName: "Global Reader", description: "Can read everything that a Global Administrator can, but not update anything."),
        .init(id: "194ae4cb-b126-40b2-bd5b-6091b380977d", displayName: "Security Administrator", description: "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365."),
        .init(id: "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", displayName: "Security Operator", description: "Creates and manages security events."),
        .init(id: "5d6b6bb7-de71-4623-b4af-96380a352509", displayName: "Security Reader", description: "Can read security information and reports in Microsoft Entra ID and Office 365."),
        .init(id: "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", displayName: "Conditional Access Administrator", description: "Can manage Conditional Access capabilities."),
        .init(id: "fe930be7-5e62-47db-91af-98c3a49a38b1", displayName: "User Administrator", description: "Can manage all aspects of users and groups, including resetting passwords for limited admins."),
        .init(id: "e8611ab8-c189-46e8-94e1-60213ab1f814", displayName: "Privileged Role Administrator", description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."),
        .init(id: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", displayName: "Privileged Authentication Administrator", description: "Can access to view, set and reset authentication method information for any user (admin or non-admin)."),
        .init(id: "c4e39bd9-1100-46d3-8c65-fb160da0071f", displayName: "Authentication Administrator", description: "Can access to view, set and reset authentication method information for any non-admin user."),
        .init(id: "0526716b-113d-4c15-b2c8-68e3c22b9f80", displayName: "Authentication Policy Administrator", description: "Can create and manage the authentication methods policy, tenant-wide MFA settings, password protection policy, and verifiable credentials."),
        .init(id: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", displayName: "Application Administrator", description: "Can create and manage all aspects of app registrations and enterprise apps."),
        .init(id: "158c047a-c907-4556-b7ef-446551a6b5f7", displayName: "Cloud Application Administrator", description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."),
        .init(id: "cf1c38e5-3621-4004-a7cb-879624dced7c", displayName: "Application Developer", description: "Can create application registrations independent of the 'Users can register applications' setting."),
        .init(id: "729827e3-9c14-49f7-bb1b-9608f156bbb8", displayName: "Helpdesk Administrator", description: "Can reset passwords for non-administrators and Helpdesk Administrators."),
        .init(id: "966707d0-3269-4727-9be2-8c3a10f19b9d", displayName: "Password Administrator", description: "Can reset passwords for non-administrators and Password Administrators."),
        .init(id: "b0f54661-2d74-4c50-afa3-1ec803f12efe", displayName: "Billing Administrator", description: "Can perform common billing related tasks like updating payment information."),
        .init(id: "29232cdf-9323-42fd-ade2-1d097af3e4de", displayName: "Exchange Administrator", description: "Can manage all aspects of the Exchange product."),
        .init(id: "31392ffb-586c-42d1-9346-e59415a2cc4e", displayName: "Exchange Recipient Administrator", description: "Can create or update Exchange Online recipients within the Exchange Online organization."),
        .init(id: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", displayName: "SharePoint Administrator", description: "Can manage all aspects of the SharePoint service."),
        .init(id: "69091246-20e8-4a56-aa4d-066075b2a7a8", displayName: "Teams Administrator", description: "Can manage the Microsoft Teams service."),
        .init(id: "3a2c62db-5318-420d-8d74-23affee5d9d5", displayName: "Intune Administrator", description: "Can manage all aspects of the Intune product."),
        .init(id: "11451d60-acb2-45eb-a7d6-43d0f0125c13", displayName: "Windows 365 Administrator", description: "Can provision and manage all aspects of Cloud PCs."),
        .init(id: "7698a772-787b-4ac8-901f-60d6b08affd2", displayName: "Cloud Device Administrator", description: "Limited access to manage devices in Microsoft Entra ID."),
        .init(id: "9f06204d-73c1-4d4c-880a-6edb90606fd8", displayName: "Microsoft Entra Joined Device Local Administrator", description: "Users assigned to this role are added to the local administrators group on Microsoft Entra joined devices."),
        .init(id: "17315797-102d-40b4-93e0-432062caca18", displayName: "Compliance Administrator", description: "Can read and manage compliance configuration and reports in Microsoft Entra ID and Microsoft 365."),
        .init(id: "e6d1a23a-da11-4be4-9570-befc86d067a7", displayName: "Compliance Data Administrator", description: "Creates and manages compliance content."),
        .init(id: "892c5842-a9a6-463a-8041-72aa08ca3cf6", displayName: "Cloud App Security Administrator", description: "Can manage all aspects of the Defender for Cloud Apps product."),
        .init(id: "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", displayName: "Directory Readers", description: "Can read basic directory information. Commonly used to grant directory read access to applications and guests."),
        .init(id: "9360feb5-f418-4baa-8175-e2a00bac4301", displayName: "Directory Writers", description: "Can read and write basic directory information. For granting access to applications, not intended for users."),
        .init(id: "d29b2b05-8046-44ba-8758-1e26182fcf32", displayName: "Directory Synchronization Accounts", description: "Only used by Microsoft Entra Connect service."),
        .init(id: "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", displayName: "Hybrid Identity Administrator", description: "Can manage Microsoft Entra Connect, Microsoft Entra Cloud Sync, pass-through authentication, password hash synchronization, seamless single sign-on and federation settings."),
        .init(id: "fdd7a751-b60b-444a-984c-02652fe8fa1c", displayName: "Groups Administrator", description: "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."),
        .init(id: "95e79109-95c0-4d8e-aee3-d01accf2d47b", displayName: "Guest Inviter", description: "Can invite guest users independent of the 'members can invite guests' setting."),
        .init(id: "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", displayName: "Identity Governance Administrator", description: "Manage access using Microsoft Entra ID for identity governance scenarios."),
        .init(id: "4d6ac14f-3453-41d0-bef9-a3e0c569773a", displayName: "License Administrator", description: "Can manage product licenses on users and groups."),
        .init(id: "4a5d8f65-41da-4de4-8968-e035b65339cf", displayName: "Reports Reader", description: "Can read sign-in and audit reports."),
        .init(id: "f023fd81-a637-4b56-95fd-791ac0226033", displayName: "Service Support Administrator", description: "Can read service health information and manage support tickets."),
        .init(id: "11648597-926c-4cf3-9c36-bcebb0ba8dcc", displayName: "Power Platform Administrator", description: "Can create and manage all aspects of Microsoft Dynamics 365, Power Apps and Power Automate."),
        .init(id: "44367163-eba1-44c3-98af-f5787879f96a", displayName: "Dynamics 365 Administrator", description: "Can manage all aspects of the Dynamics 365 product."),
        .init(id: "a9ea8996-122f-4c74-9520-8edcd192826c", displayName: "Fabric Administrator", description: "Can manage all aspects of the Fabric and Power BI products."),
        .init(id: "2b745bdf-0803-4d80-aa65-822c4493daac", displayName: "Office Apps Administrator", description: "Can manage Office apps cloud services, including policy and settings management."),
        .init(id: "e3973bdf-4987-49ae-837a-ba8e231c7286", displayName: "Azure DevOps Administrator", description: "Can manage Azure DevOps policies and settings."),
        .init(id: "7495fdc4-34c4-4d15-a289-98788ce399fd", displayName: "Azure Information Protection Administrator", description: "Can manage all aspects of the Azure Information Protection product."),
        .init(id: "8329153b-31d0-4727-b945-745eb3bc5f31", displayName: "Domain Name Administrator", description: "Can manage domain names in cloud and on-premises."),
        .init(id: "be2f45a1-457d-42af-a067-6ec1fa63bc45", displayName: "External Identity Provider Administrator", description: "Can configure identity providers for use in direct federation."),
        .init(id: "ac434307-12b9-4fa1-a708-88bf58caabc1", displayName: "Global Secure Access Administrator", description: "Create and manage all aspects of Microsoft Entra Internet Access and Microsoft Entra Private Access."),
        .init(id: "d2562ede-74db-457e-a7b6-544e236ebb61", displayName: "AI Administrator", description: "Manage all aspects of Microsoft 365 Copilot, AI-related enterprise services and copilot extensibility."),
        .init(id: "db506228-d27e-4b7d-95e5-295956d6615f", displayName: "Agent ID Administrator", description: "Manage all aspects of agents in a tenant including identity lifecycle operations for agent blueprints, agent service principals, agent identities, and agentic users."),
        .init(id: "6b942400-691f-4bf0-9d12-d8a254a2baf5", displayName: "Agent Registry Administrator", description: "Manage all aspects of the Agent Registry in a tenant."),
        .init(id: "e93e3737-fa85-474a-aee4-7d3fb86510f3", displayName: "Dragon Administrator", description: "Can manage all aspects of the Microsoft Dragon admin center."),
        .init(id: "b6a27b2b-f905-4b2e-81b5-0d90e0ef1fdb", displayName: "Entra Backup Administrator", description: "Manage all aspects of Microsoft Entra Backup, such as create recovery jobs and manage backup snapshots."),
        .init(id: "1707125e-0aa2-4d4d-8655-a7c786c76a25", displayName: "Microsoft 365 Backup Administrator", description: "Back up and restore content across supported services (SharePoint, OneDrive, and Exchange Online) in Microsoft 365 Backup."),
        .init(id: "3f1acade-1e04-4fbc-9b69-f0302cd84aef", displayName: "Edge Administrator", description: "Manage all aspects of Microsoft Edge."),
        .init(id: "c430b396-e693-46cc-96f3-db01bf8bb62a", displayName: "Attack Simulation Administrator", description: "Can create and manage all aspects of attack simulation campaigns."),
        .init(id: "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b", displayName: "Message Center Reader", description: "Can read messages and updates for their organization in Office 365 Message Center only."),
    ]

    /// Role templates by id (lowercased).
    static let roleTemplatesById: [String: RoleTemplate] = Dictionary(
        roleTemplates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

    /// The three built-in authentication strengths, as `/policies/authenticationStrengthPolicies` returns them.
    static let authenticationStrengths: [JSONValue] = [
        strength(id: "00000000-0000-0000-0000-000000000002", name: "Multifactor authentication",
                 description: "Combinations of methods that satisfy strong authentication, such as a password + SMS",
                 combinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
                                "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "password,microsoftAuthenticatorPush",
                                "password,softwareOath", "password,hardwareOath", "password,x509CertificateSingleFactor",
                                "password,x509CertificateMultiFactor", "password,sms", "password,voice", "federatedMultiFactor",
                                "microsoftAuthenticatorPush,federatedSingleFactor", "softwareOath,federatedSingleFactor",
                                "hardwareOath,federatedSingleFactor", "sms,federatedSingleFactor", "voice,federatedSingleFactor"]),
        strength(id: "00000000-0000-0000-0000-000000000003", name: "Passwordless MFA",
                 description: "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
                 combinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"]),
        strength(id: "00000000-0000-0000-0000-000000000004", name: "Phishing-resistant MFA",
                 description: "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
                 combinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]),
    ]

    static let builtInStrengthIds: Set<String> = Set(authenticationStrengths.compactMap { $0["id"]?.stringValue })

    private static func strength(id: String, name: String, description: String, combinations: [String]) -> JSONValue {
        [
            "id": .string(id), "createdDateTime": "2021-12-01T00:00:00Z", "modifiedDateTime": "2021-12-01T00:00:00Z",
            "displayName": .string(name), "description": .string(description), "policyType": "builtIn",
            "requirementsSatisfied": "mfa", "allowedCombinations": .array(combinations.map(JSONValue.string)),
            "combinationConfigurations": [],
        ]
    }

    /// Graph application permissions the emulator knows, with their app role ids (reference §3.5).
    static let permissionIds: [String: String] = [
        "Policy.Read.All": "246dd0d5-5bd0-4def-940b-0421030a5b68",
        "Policy.ReadWrite.ConditionalAccess": "01c0a623-fc9b-48e9-b794-0756f8e8f067",
        "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "IdentityRiskyUser.Read.All": "dc5007c0-2d7d-4c42-879c-2dab87571379",
        "IdentityRiskyUser.ReadWrite.All": "656f6061-f9fe-4807-9708-6a2e0934df76",
        "IdentityRiskEvent.Read.All": "6e472fd1-ad78-48da-a0f0-97ab2c6b769e",
        "IdentityRiskEvent.ReadWrite.All": "db06fb33-1953-4b7b-a2ac-f1e2c854f7ae",
        "IdentityRiskyServicePrincipal.ReadWrite.All": "607c7344-0eed-41e5-823a-9695ebe1b7b0",
        "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    ]

    /// Everything the default application is granted: all a reconciler and responder need.
    static let defaultPermissions: [String] = [
        "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Application.Read.All", "User.Read.All",
        "Group.Read.All", "RoleManagement.Read.Directory", "Agreement.Read.All", "AuthenticationContext.ReadWrite.All",
        "IdentityRiskyUser.ReadWrite.All", "IdentityRiskEvent.Read.All", "IdentityRiskyServicePrincipal.ReadWrite.All",
        "User.RevokeSessions.All",
    ]
}
