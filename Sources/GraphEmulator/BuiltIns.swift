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
        .init(id: "adb2368d-a9be-41b5-8667-d96778e081b0", displayName: "Agent ID Developer", description: "Built-in Microsoft Entra role Agent ID Developer."),
        .init(id: "9c6df0f2-1e7c-4dc3-b195-66dfbd24aa8f", displayName: "Attack Payload Author", description: "Built-in Microsoft Entra role Attack Payload Author."),
        .init(id: "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d", displayName: "Attribute Assignment Administrator", description: "Built-in Microsoft Entra role Attribute Assignment Administrator."),
        .init(id: "ffd52fa5-98dc-465c-991d-fc073eb59f8f", displayName: "Attribute Assignment Reader", description: "Built-in Microsoft Entra role Attribute Assignment Reader."),
        .init(id: "8424c6f0-a189-499e-bbd0-26c1753c96d4", displayName: "Attribute Definition Administrator", description: "Built-in Microsoft Entra role Attribute Definition Administrator."),
        .init(id: "1d336d2c-4ae8-42ef-9711-b3604ce3fc2c", displayName: "Attribute Definition Reader", description: "Built-in Microsoft Entra role Attribute Definition Reader."),
        .init(id: "5b784334-f94b-471a-a387-e7219fc49ca2", displayName: "Attribute Log Administrator", description: "Built-in Microsoft Entra role Attribute Log Administrator."),
        .init(id: "9c99539d-8186-4804-835f-fd51ef9e2dcd", displayName: "Attribute Log Reader", description: "Built-in Microsoft Entra role Attribute Log Reader."),
        .init(id: "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe", displayName: "Attribute Provisioning Administrator", description: "Built-in Microsoft Entra role Attribute Provisioning Administrator."),
        .init(id: "422218e4-db15-4ef9-bbe0-8afb41546d79", displayName: "Attribute Provisioning Reader", description: "Built-in Microsoft Entra role Attribute Provisioning Reader."),
        .init(id: "25a516ed-2fa0-40ea-a2d0-12923a21473a", displayName: "Authentication Extensibility Administrator", description: "Built-in Microsoft Entra role Authentication Extensibility Administrator."),
        .init(id: "aaf43236-0c0d-4d5f-883a-6955382ac081", displayName: "B2C IEF Keyset Administrator", description: "Built-in Microsoft Entra role B2C IEF Keyset Administrator."),
        .init(id: "3edaf663-341e-4475-9f94-5c398ef6c070", displayName: "B2C IEF Policy Administrator", description: "Built-in Microsoft Entra role B2C IEF Policy Administrator."),
        .init(id: "5c4f9dcd-47dc-4cf7-8c9a-9e4207cbfc91", displayName: "Customer LockBox Access Approver", description: "Built-in Microsoft Entra role Customer LockBox Access Approver."),
        .init(id: "38a96431-2bdf-4b4c-8b6e-5d3d8abac1a4", displayName: "Desktop Analytics Administrator", description: "Built-in Microsoft Entra role Desktop Analytics Administrator."),
        .init(id: "963797fb-eb3b-4cde-8ce3-5878b3f32a3f", displayName: "Dynamics 365 Business Central Administrator", description: "Built-in Microsoft Entra role Dynamics 365 Business Central Administrator."),
        .init(id: "49eb8f75-97e9-4e37-9b2b-6c3ebfcffa31", displayName: "Exchange Backup Administrator", description: "Built-in Microsoft Entra role Exchange Backup Administrator."),
        .init(id: "dd13091a-6207-4fc0-82ba-3641e056ab95", displayName: "Extended Directory User Administrator", description: "Built-in Microsoft Entra role Extended Directory User Administrator."),
        .init(id: "6e591065-9bad-43ed-90f3-e9424366d2f0", displayName: "External ID User Flow Administrator", description: "Built-in Microsoft Entra role External ID User Flow Administrator."),
        .init(id: "0f971eea-41eb-4569-a71e-57bb8a3eff1e", displayName: "External ID User Flow Attribute Administrator", description: "Built-in Microsoft Entra role External ID User Flow Attribute Administrator."),
        .init(id: "843318fb-79a6-4168-9e6f-aa9a07481cc4", displayName: "Global Secure Access Log Reader", description: "Built-in Microsoft Entra role Global Secure Access Log Reader."),
        .init(id: "eb1f4a8d-243a-41f0-9fbd-c7cdf6c5ef7c", displayName: "Insights Administrator", description: "Built-in Microsoft Entra role Insights Administrator."),
        .init(id: "25df335f-86eb-4119-b717-0ff02de207e9", displayName: "Insights Analyst", description: "Built-in Microsoft Entra role Insights Analyst."),
        .init(id: "31e939ad-9672-4796-9c2e-873181342d2d", displayName: "Insights Business Leader", description: "Built-in Microsoft Entra role Insights Business Leader."),
        .init(id: "2ea5ce4c-b2d8-4668-bd81-3680bd2d227a", displayName: "IoT Device Administrator", description: "Built-in Microsoft Entra role IoT Device Administrator."),
        .init(id: "74ef975b-6605-40af-a5d2-b9539d836353", displayName: "Kaizala Administrator", description: "Built-in Microsoft Entra role Kaizala Administrator."),
        .init(id: "b5a8dcf3-09d5-43a9-a639-8e29ef291470", displayName: "Knowledge Administrator", description: "Built-in Microsoft Entra role Knowledge Administrator."),
        .init(id: "744ec460-397e-42ad-a462-8b3f9747a02c", displayName: "Knowledge Manager", description: "Built-in Microsoft Entra role Knowledge Manager."),
        .init(id: "59d46f88-662b-457b-bceb-5c3809e5908f", displayName: "Lifecycle Workflows Administrator", description: "Built-in Microsoft Entra role Lifecycle Workflows Administrator."),
        .init(id: "ac16e43d-7b2d-40e0-ac05-243ff356ab5b", displayName: "Message Center Privacy Reader", description: "Built-in Microsoft Entra role Message Center Privacy Reader."),
        .init(id: "8c8b803f-96e1-4129-9349-20738d9f9652", displayName: "Microsoft 365 Migration Administrator", description: "Built-in Microsoft Entra role Microsoft 365 Migration Administrator."),
        .init(id: "00cf5c54-4693-4f59-a0ac-ab79ef0a974d", displayName: "Microsoft 365 Support Engineer", description: "Built-in Microsoft Entra role Microsoft 365 Support Engineer."),
        .init(id: "ee67aa9c-e510-4759-b906-227085a7fd4d", displayName: "Microsoft Graph Data Connect Administrator", description: "Built-in Microsoft Entra role Microsoft Graph Data Connect Administrator."),
        .init(id: "1501b917-7653-4ff9-a4b5-203eaf33784f", displayName: "Microsoft Hardware Warranty Administrator", description: "Built-in Microsoft Entra role Microsoft Hardware Warranty Administrator."),
        .init(id: "281fe777-fb20-4fbb-b7a3-ccebce5b0d96", displayName: "Microsoft Hardware Warranty Specialist", description: "Built-in Microsoft Entra role Microsoft Hardware Warranty Specialist."),
        .init(id: "d37c8bed-0711-4417-ba38-b4abe66ce4c2", displayName: "Network Administrator", description: "Built-in Microsoft Entra role Network Administrator."),
        .init(id: "92ed04bf-c94a-4b82-9729-b799a7a4c178", displayName: "Organizational Branding Administrator", description: "Built-in Microsoft Entra role Organizational Branding Administrator."),
        .init(id: "9d70768a-0cbc-4b4c-aea3-2e124b2477f4", displayName: "Organizational Data Source Administrator", description: "Built-in Microsoft Entra role Organizational Data Source Administrator."),
        .init(id: "e48398e2-f4bb-4074-8f31-4586725e205b", displayName: "Organizational Messages Approver", description: "Built-in Microsoft Entra role Organizational Messages Approver."),
        .init(id: "507f53e4-4e52-4077-abd3-d2e1558b6ea2", displayName: "Organizational Messages Writer", description: "Built-in Microsoft Entra role Organizational Messages Writer."),
        .init(id: "4ba39ca4-527c-499a-b93d-d9b492c50246", displayName: "Partner Tier1 Support", description: "Built-in Microsoft Entra role Partner Tier1 Support."),
        .init(id: "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", displayName: "Partner Tier2 Support", description: "Built-in Microsoft Entra role Partner Tier2 Support."),
        .init(id: "024906de-61e5-49c8-8572-40335f1e0e10", displayName: "People Administrator", description: "Built-in Microsoft Entra role People Administrator."),
        .init(id: "af78dc32-cf4d-46f9-ba4e-4428526346b5", displayName: "Permissions Management Administrator", description: "Built-in Microsoft Entra role Permissions Management Administrator."),
        .init(id: "78b0ccd1-afc2-4f92-9116-b41aedd09592", displayName: "Places Administrator", description: "Built-in Microsoft Entra role Places Administrator."),
        .init(id: "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f", displayName: "Printer Administrator", description: "Built-in Microsoft Entra role Printer Administrator."),
        .init(id: "e8cef6f1-e4bd-4ea8-bc07-4b8d950f4477", displayName: "Printer Technician", description: "Built-in Microsoft Entra role Printer Technician."),
        .init(id: "0964bb5e-9bdb-4d7b-ac29-58e794862a40", displayName: "Search Administrator", description: "Built-in Microsoft Entra role Search Administrator."),
        .init(id: "8835291a-918c-4fd7-a9ce-faa49f0cf7d9", displayName: "Search Editor", description: "Built-in Microsoft Entra role Search Editor."),
        .init(id: "99009c4a-3b3f-4957-82a9-9d35e12db77e", displayName: "SharePoint Advanced Management Administrator", description: "Built-in Microsoft Entra role SharePoint Advanced Management Administrator."),
        .init(id: "9d3e04ba-3ee4-4d1b-a3a7-9aef423a09be", displayName: "SharePoint Backup Administrator", description: "Built-in Microsoft Entra role SharePoint Backup Administrator."),
        .init(id: "1a7d78b6-429f-476b-b8eb-35fb715fffd4", displayName: "SharePoint Embedded Administrator", description: "Built-in Microsoft Entra role SharePoint Embedded Administrator."),
        .init(id: "75941009-915a-4869-abe7-691bff18279e", displayName: "Skype for Business Administrator", description: "Built-in Microsoft Entra role Skype for Business Administrator."),
        .init(id: "baf37b3a-610e-45da-9e62-d9d1e5e8914b", displayName: "Teams Communications Administrator", description: "Built-in Microsoft Entra role Teams Communications Administrator."),
        .init(id: "f70938a0-fc10-4177-9e90-2178f8765737", displayName: "Teams Communications Support Engineer", description: "Built-in Microsoft Entra role Teams Communications Support Engineer."),
        .init(id: "fcf91098-03e3-41a9-b5ba-6f0ec8188a12", displayName: "Teams Communications Support Specialist", description: "Built-in Microsoft Entra role Teams Communications Support Specialist."),
        .init(id: "3d762c5a-1b6c-493f-843e-55a3b42923d4", displayName: "Teams Devices Administrator", description: "Built-in Microsoft Entra role Teams Devices Administrator."),
        .init(id: "1076ac91-f3d9-41a7-a339-dcdf5f480acc", displayName: "Teams Reader", description: "Built-in Microsoft Entra role Teams Reader."),
        .init(id: "aa38014f-0993-46e9-9b45-30501a20909d", displayName: "Teams Telephony Administrator", description: "Built-in Microsoft Entra role Teams Telephony Administrator."),
        .init(id: "112ca1a2-15ad-4102-995e-45b0bc479a6a", displayName: "Tenant Creator", description: "Built-in Microsoft Entra role Tenant Creator."),
        .init(id: "75934031-6c7e-415a-99d7-48dbd49e875e", displayName: "Usage Summary Reports Reader", description: "Built-in Microsoft Entra role Usage Summary Reports Reader."),
        .init(id: "27460883-1df1-4691-b032-3b79643e5e63", displayName: "User Experience Success Manager", description: "Built-in Microsoft Entra role User Experience Success Manager."),
        .init(id: "e300d9e7-4a2b-4295-9eff-f1c78b36cc98", displayName: "Virtual Visits Administrator", description: "Built-in Microsoft Entra role Virtual Visits Administrator."),
        .init(id: "0ec3f692-38d6-4d14-9e69-0377ca7797ad", displayName: "Viva Glint Tenant Administrator", description: "Built-in Microsoft Entra role Viva Glint Tenant Administrator."),
        .init(id: "92b086b3-e367-4ef2-b869-1de128fb986e", displayName: "Viva Goals Administrator", description: "Built-in Microsoft Entra role Viva Goals Administrator."),
        .init(id: "87761b17-1ed2-4af3-9acd-92a150038160", displayName: "Viva Pulse Administrator", description: "Built-in Microsoft Entra role Viva Pulse Administrator."),
        .init(id: "32696413-001a-46ae-978c-ce0f6b3620d2", displayName: "Windows Update Deployment Administrator", description: "Built-in Microsoft Entra role Windows Update Deployment Administrator."),
        .init(id: "810a2642-a034-447f-a5e8-41beaa378541", displayName: "Yammer Administrator", description: "Built-in Microsoft Entra role Yammer Administrator."),
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
        "User.RevokeSessions.All", "AuditLog.Read.All",
    ]
}
