/// One Microsoft first-party application: an appId Conditional Access accepts in
/// `includeApplications`/`excludeApplications` whether or not the tenant holds a service principal for it.
public struct FirstPartyApplication: Sendable, Hashable {
    public var appId: String
    public var displayName: String

    public init(appId: String, displayName: String) {
        self.appId = appId
        self.displayName = displayName
    }
}

/// Microsoft's published first-party applications, so that policies can name them and exports can
/// show their names even where the tenant has no service principal for them (many first-party apps
/// never get one). The tenant's own service principals always win: this catalogue is only consulted
/// for an appId or a name the tenant does not know.
///
/// Source: Microsoft Learn, "Verify first-party Microsoft applications in sign-in reports"
/// (learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in, dated
/// 2024-03-08): both tables, "Application IDs of commonly used Microsoft applications" and "Application IDs
/// of Microsoft tenant-owned applications", names as published. Where one name has two appIds, the name
/// is ambiguous and must be written as an appId.
public enum FirstPartyApplications {
    /// The catalogue, in the page's order.
    public static let all: [FirstPartyApplication] = [
        .init(appId: "23523755-3a2b-41ca-9315-f81f3f566a95", displayName: "ACOM Azure Website"),
        .init(appId: "74658136-14ec-4630-ad9b-26e160ff0fc6", displayName: "ADIbizaUX"),
        .init(appId: "69893ee3-dd10-4b1c-832d-4870354be3d8", displayName: "AEM-DualAuth"),
        .init(appId: "7ab7862c-4c57-491e-8a45-d52a7e023983", displayName: "App Service"),
        .init(appId: "0cb7b9ec-5336-483b-bc31-b15b5788de71", displayName: "ASM Campaign Servicing"),
        .init(appId: "7b7531ad-5926-4f2d-8a1d-38495ad33e17", displayName: "Azure Advanced Threat Protection"),
        .init(appId: "e9f49c6b-5ce5-44c8-925d-015017e9f7ad", displayName: "Azure Data Lake"),
        .init(appId: "835b2a73-6e10-4aa5-a979-21dfda45231c", displayName: "Azure Lab Services Portal"),
        .init(appId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", displayName: "Azure Portal"),
        .init(appId: "022907d3-0f1b-48f7-badc-1ba6abab6d66", displayName: "Azure SQL Database"),
        .init(appId: "37182072-3c9c-4f6a-a4b3-b3f91cacffce", displayName: "AzureSupportCenter"),
        .init(appId: "9ea1ad79-fdb6-4f9a-8bc3-2b70f96e34c7", displayName: "Bing"),
        .init(appId: "20a11fe0-faa8-4df5-baf2-f965f8f9972e", displayName: "ContactsInferencingEmailProcessor"),
        .init(appId: "bb2a2e3a-c5e7-4f0a-88e0-8e01fd3fc1f4", displayName: "CPIM Service"),
        .init(appId: "e64aa8bc-8eb4-40e2-898b-cf261a25954f", displayName: "CRM Power BI Integration"),
        .init(appId: "00000007-0000-0000-c000-000000000000", displayName: "Dataverse"),
        .init(appId: "60c8bde5-3167-4f92-8fdb-059f6176dc0f", displayName: "Enterprise Roaming and Backup"),
        .init(appId: "497effe9-df71-4043-a8bb-14cf78c4b63b", displayName: "Exchange Admin Center"),
        .init(appId: "f5eaa862-7f08-448c-9c4e-f4047d4d4521", displayName: "FindTime"),
        .init(appId: "b669c6ea-1adf-453f-b8bc-6d526592b419", displayName: "Focused Inbox"),
        .init(appId: "c35cb2ba-f88b-4d15-aa9d-37bd443522e1", displayName: "GroupsRemoteApiRestClient"),
        .init(appId: "d9b8ec3a-1e4e-4e08-b3c2-5baf00c0fcb0", displayName: "HxService"),
        .init(appId: "a57aca87-cbc0-4f3c-8b9e-dc095fdc8978", displayName: "IAM Supportability"),
        .init(appId: "16aeb910-ce68-41d1-9ac3-9e1673ac9575", displayName: "IrisSelectionFrontDoor"),
        .init(appId: "d73f4b35-55c9-48c7-8b10-651f6f2acb2e", displayName: "MCAPI Authorization Prod"),
        .init(appId: "944f0bd1-117b-4b1c-af26-804ed95e767e", displayName: "Media Analysis and Transformation Service"),
        .init(appId: "0cd196ee-71bf-4fd6-a57c-b491ffd4fb1e", displayName: "Media Analysis and Transformation Service"),
        .init(appId: "80ccca67-54bd-44ab-8625-4b79c4dc7775", displayName: "Microsoft 365 Security and Compliance Center"),
        .init(appId: "ee272b19-4411-433f-8f28-5c13cb6fd407", displayName: "Microsoft 365 Support Service"),
        .init(appId: "0000000c-0000-0000-c000-000000000000", displayName: "Microsoft App Access Panel"),
        .init(appId: "65d91a3d-ab74-42e6-8a2f-0add61688c74", displayName: "Microsoft Approval Management"),
        .init(appId: "38049638-cc2c-4cde-abe4-4479d721ed44", displayName: "Microsoft Approval Management"),
        .init(appId: "29d9ed98-a469-4536-ade2-f981bc1d605e", displayName: "Microsoft Authentication Broker"),
        .init(appId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", displayName: "Microsoft Azure CLI"),
        .init(appId: "1950a258-227b-4e31-a9cf-717495945fc2", displayName: "Microsoft Azure PowerShell"),
        .init(appId: "0000001a-0000-0000-c000-000000000000", displayName: "MicrosoftAzureActiveAuthn"),
        .init(appId: "cf36b471-5b44-428c-9ce7-313bf84528de", displayName: "Microsoft Bing Search"),
        .init(appId: "2d7f3606-b07d-41d1-b9d2-0d0c9296a6e8", displayName: "Microsoft Bing Search for Microsoft Edge"),
        .init(appId: "1786c5ed-9644-47b2-8aa0-7201292175b6", displayName: "Microsoft Bing Default Search Engine"),
        .init(appId: "3090ab82-f1c1-4cdf-af2c-5d7a6f3e2cc7", displayName: "Microsoft Defender for Cloud Apps"),
        .init(appId: "60ca1954-583c-4d1f-86de-39d835f3e452", displayName: "Microsoft Defender for Identity (formerly Radius Aad Syncer)"),
        .init(appId: "18fbca16-2224-45f6-85b0-f7bf2b39b3f3", displayName: "Microsoft Docs"),
        .init(appId: "00000015-0000-0000-c000-000000000000", displayName: "Microsoft Dynamics ERP"),
        .init(appId: "6253bca8-faf2-4587-8f2f-b056d80998a7", displayName: "Microsoft Edge Insider Addons Prod"),
        .init(appId: "99b904fd-a1fe-455c-b86c-2f9fb1da7687", displayName: "Microsoft Exchange ForwardSync"),
        .init(appId: "00000007-0000-0ff1-ce00-000000000000", displayName: "Microsoft Exchange Online Protection"),
        .init(appId: "51be292c-a17e-4f17-9a7e-4b661fb16dd2", displayName: "Microsoft Exchange ProtectedServiceHost"),
        .init(appId: "fb78d390-0c51-40cd-8e17-fdbfab77341b", displayName: "Microsoft Exchange REST API Based Powershell"),
        .init(appId: "47629505-c2b6-4a80-adb1-9b3a3d233b7b", displayName: "Microsoft Exchange Web Services"),
        .init(appId: "6326e366-9d6d-4c70-b22a-34c7ea72d73d", displayName: "Microsoft Exchange Message Tracking Service"),
        .init(appId: "c9a559d2-7aab-4f13-a6ed-e7e9c52aec87", displayName: "Microsoft Forms"),
        .init(appId: "00000003-0000-0000-c000-000000000000", displayName: "Microsoft Graph"),
        .init(appId: "74bcdadc-2fdc-4bb3-8459-76d06952a0e9", displayName: "Microsoft Intune Web Company Portal"),
        .init(appId: "fc0f3af4-6835-4174-b806-f7db311fd2f3", displayName: "Microsoft Intune Windows Agent"),
        .init(appId: "d3590ed6-52b3-4102-aeff-aad2292ab01c", displayName: "Microsoft Office"),
        .init(appId: "00000006-0000-0ff1-ce00-000000000000", displayName: "Microsoft Office 365 Portal"),
        .init(appId: "67e3df25-268a-4324-a550-0de1c7f97287", displayName: "Microsoft Office Web Apps Service"),
        .init(appId: "d176f6e7-38e5-40c9-8a78-3998aab820e7", displayName: "Microsoft Online Syndication Partner Portal"),
        .init(appId: "5d661950-3475-41cd-a2c3-d671a3162bc1", displayName: "Microsoft Outlook"),
        .init(appId: "93625bc8-bfe2-437a-97e0-3d0060024faa", displayName: "Microsoft password reset service"),
        .init(appId: "871c010f-5e61-4fb1-83ac-98610a7e9110", displayName: "Microsoft Power BI"),
        .init(appId: "28b567f6-162c-4f54-99a0-6887f387bbcc", displayName: "Microsoft Storefronts"),
        .init(appId: "cf53fce8-def6-4aeb-8d30-b158e7b1cf83", displayName: "Microsoft Stream Portal"),
        .init(appId: "98db8bd6-0cc0-4e67-9de5-f187f1cd1b41", displayName: "Microsoft Substrate Management"),
        .init(appId: "fdf9885b-dd37-42bf-82e5-c3129ef5a302", displayName: "Microsoft Support"),
        .init(appId: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", displayName: "Microsoft Teams"),
        .init(appId: "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", displayName: "Microsoft Teams Services"),
        .init(appId: "5e3ce6c0-2b1f-4285-8d4b-75ee78787346", displayName: "Microsoft Teams Web Client"),
        .init(appId: "95de633a-083e-42f5-b444-a4295d8e9314", displayName: "Microsoft Whiteboard Services"),
        .init(appId: "dfe74da8-9279-44ec-8fb2-2aed9e1c73d0", displayName: "O365 SkypeSpaces Ingestion Service"),
        .init(appId: "4345a7b9-9a63-4910-a426-35363201d503", displayName: "O365 Suite UX"),
        .init(appId: "00000002-0000-0ff1-ce00-000000000000", displayName: "Office 365 Exchange Online"),
        .init(appId: "00b41c95-dab0-4487-9791-b9d2c32c80f2", displayName: "Office 365 Management"),
        .init(appId: "66a88757-258c-4c72-893c-3e8bed4d6899", displayName: "Office 365 Search Service"),
        .init(appId: "00000003-0000-0ff1-ce00-000000000000", displayName: "Office 365 SharePoint Online"),
        .init(appId: "94c63fef-13a3-47bc-8074-75af8c65887a", displayName: "Office Delve"),
        .init(appId: "93d53678-613d-4013-afc1-62e9e444a0a5", displayName: "Office Online Add-in SSO"),
        .init(appId: "2abdc806-e091-4495-9b10-b04d93c3f040", displayName: "Office Online Client Microsoft Entra ID- Augmentation Loop"),
        .init(appId: "b23dd4db-9142-4734-867f-3577f640ad0c", displayName: "Office Online Client Microsoft Entra ID- Loki"),
        .init(appId: "17d5e35f-655b-4fb0-8ae6-86356e9a49f5", displayName: "Office Online Client Microsoft Entra ID- Maker"),
        .init(appId: "b6e69c34-5f1f-4c34-8cdf-7fea120b8670", displayName: "Office Online Client MSA- Loki"),
        .init(appId: "243c63a3-247d-41c5-9d83-7788c43f1c43", displayName: "Office Online Core SSO"),
        .init(appId: "a9b49b65-0a12-430b-9540-c80b3332c127", displayName: "Office Online Search"),
        .init(appId: "4b233688-031c-404b-9a80-a4f3f2351f90", displayName: "Office.com"),
        .init(appId: "89bee1f7-5e6e-4d8a-9f3d-ecd601259da7", displayName: "Office365 Shell WCSS-Client"),
        .init(appId: "0f698dd4-f011-4d23-a33e-b36416dcb1e6", displayName: "OfficeClientService"),
        .init(appId: "4765445b-32c6-49b0-83e6-1d93765276ca", displayName: "OfficeHome"),
        .init(appId: "4d5c2d63-cf83-4365-853c-925fd1a64357", displayName: "OfficeShredderWacClient"),
        .init(appId: "62256cef-54c0-4cb4-bcac-4c67989bdc40", displayName: "OMSOctopiPROD"),
        .init(appId: "ab9b8c07-8f02-4f72-87fa-80105867a763", displayName: "OneDrive SyncEngine"),
        .init(appId: "2d4d3d8e-2be3-4bef-9f87-7875a61c29de", displayName: "OneNote"),
        .init(appId: "27922004-5251-4030-b22d-91ecd9a37ea4", displayName: "Outlook Mobile"),
        .init(appId: "a3475900-ccec-4a69-98f5-a65cd5dc5306", displayName: "Partner Customer Delegated Admin Offline Processor"),
        .init(appId: "bdd48c81-3a58-4ea9-849c-ebea7f6b6360", displayName: "Password Breach Authenticator"),
        .init(appId: "35d54a08-36c9-4847-9018-93934c62740c", displayName: "PeoplePredictions"),
        .init(appId: "00000009-0000-0000-c000-000000000000", displayName: "Power BI Service"),
        .init(appId: "ae8e128e-080f-4086-b0e3-4c19301ada69", displayName: "Scheduling"),
        .init(appId: "ffcb16e8-f789-467c-8ce9-f826a080d987", displayName: "SharedWithMe"),
        .init(appId: "08e18876-6177-487e-b8b5-cf950c1e598c", displayName: "SharePoint Online Web Client Extensibility"),
        .init(appId: "b4bddae8-ab25-483e-8670-df09b9f1d0ea", displayName: "Signup"),
        .init(appId: "00000004-0000-0ff1-ce00-000000000000", displayName: "Skype for Business Online"),
        .init(appId: "61109738-7d2b-4a0b-9fe3-660b1ff83505", displayName: "SpoolsProvisioning"),
        .init(appId: "91ca2ca5-3b3e-41dd-ab65-809fa3dffffa", displayName: "Sticky Notes API"),
        .init(appId: "13937bba-652e-4c46-b222-3003f4d1ff97", displayName: "Substrate Context Service"),
        .init(appId: "26abc9a8-24f0-4b11-8234-e86ede698878", displayName: "SubstrateDirectoryEventProcessor"),
        .init(appId: "a970bac6-63fe-4ec5-8884-8536862c42d4", displayName: "Substrate Search Settings Management Service"),
        .init(appId: "905fcf26-4eb7-48a0-9ff0-8dcc7194b5ba", displayName: "Sway"),
        .init(appId: "97cb1f73-50df-47d1-8fb0-0271f2728514", displayName: "Transcript Ingestion"),
        .init(appId: "268761a2-03f3-40df-8a8b-c3db24145b6b", displayName: "Universal Store Native Client"),
        .init(appId: "00000005-0000-0ff1-ce00-000000000000", displayName: "Viva Engage (formerly Yammer)"),
        .init(appId: "fe93bfe1-7947-460a-a5e0-7a5906b51360", displayName: "Viva Insights"),
        .init(appId: "3c896ded-22c5-450f-91f6-3d1ef0848f6e", displayName: "WeveEngine"),
        .init(appId: "00000002-0000-0000-c000-000000000000", displayName: "Windows Azure Active Directory"),
        .init(appId: "8edd93e1-2103-40b4-bd70-6e34e586362d", displayName: "Windows Azure Security Resource Provider"),
        .init(appId: "797f4846-ba00-4fd7-ba43-dac1f8f63013", displayName: "Windows Azure Service Management API"),
        .init(appId: "a3b79187-70b2-4139-83f9-6016c58cd27b", displayName: "WindowsDefenderATP Portal"),
        .init(appId: "26a7ee05-5602-4d76-a7ba-eae8b7b67941", displayName: "Windows Search"),
        .init(appId: "1b3c667f-cde3-4090-b60b-3d2abd0117f0", displayName: "Windows Spotlight"),
        .init(appId: "45a330b1-b1ec-4cc1-9161-9f03992aa49f", displayName: "Windows Store for Business"),
        .init(appId: "c1c74fed-04c9-4704-80dc-9f79a2e515cb", displayName: "Yammer Web"),
        .init(appId: "e1ef36fd-b883-4dbf-97f0-9ece4b576fc6", displayName: "Yammer Web Embed"),
        .init(appId: "de8bc8b5-d9f9-48b1-a8ad-b748da725064", displayName: "Graph Explorer"),
        .init(appId: "14d82eec-204b-4c2f-b7e8-296a70dab67e", displayName: "Microsoft Graph Command Line Tools"),
        .init(appId: "7ae974c5-1af7-4923-af3a-fb1fd14dcb7e", displayName: "OutlookUserSettingsConsumer"),
        .init(appId: "5572c4c0-d078-44ce-b81c-6cbf8d3ed39e", displayName: "Vortex [wsfed enabled]"),
    ]

    private static let byAppId: [String: FirstPartyApplication] =
        Dictionary(all.map { ($0.appId.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    private static let byName: [String: [FirstPartyApplication]] = Dictionary(grouping: all) { $0.displayName.lowercased() }

    /// The catalogued application with this appId (case-insensitive).
    public static func application(appId: String) -> FirstPartyApplication? { byAppId[appId.lowercased()] }

    /// The catalogued applications with this display name (case-insensitive); two where Microsoft lists two appIds.
    public static func applications(named name: String) -> [FirstPartyApplication] { byName[name.lowercased()] ?? [] }
}
