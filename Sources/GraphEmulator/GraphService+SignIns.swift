import Foundation
import PolicyEvaluation
import PolicyModel

/// The body of `POST /_emulator/signIns`: one sign-in to emulate (see the README, "Sign-ins and audit
/// logs"). Every key but `user` (or `servicePrincipal`), `app` and, for a user, `mfa` is optional; an
/// unknown key is a 400 that names it.
struct EmulatedSignInRequest: Sendable {
    static let keys = ["user", "servicePrincipal", "app", "ipAddress", "country", "platform", "clientAppType", "mfa", "compliantDevice",
                       "riskEventTypes", "signInRiskLevel", "userAgent", "time"]
    /// The address a sign-in without `ipAddress` is recorded from: TEST-NET-3 (RFC 5737), inside no
    /// realistic named location, so location conditions see "an address outside every named range".
    static let defaultIPAddress = "203.0.113.10"

    var user: String?
    var servicePrincipal: String?
    var app: String
    var ipAddress: String
    /// ISO 3166-1 alpha-2, uppercased; "" when not given (an unknown country).
    var country: String
    var platform: String?
    var clientAppType: ClientAppType
    var mfa: Bool
    var compliantDevice: Bool?
    var riskEventTypes: [String]
    var signInRiskLevel: RiskLevel?
    var userAgent: String?
    var time: String?

    init(_ body: [String: JSONValue]) throws(GraphFailure) {
        for key in body.keys.sorted() where !Self.keys.contains(key) {
            let hint = EditDistance.nearest(key, among: Self.keys) { _, candidate in max(2, candidate.count / 3) }
            throw GraphFailure.badRequest("Unknown property '\(key)' in the sign-in"
                                          + (hint.map { "; did you mean '\($0)'?" } ?? ".") + " Known properties: \(Self.keys.joined(separator: ", ")).")
        }
        func string(_ key: String) throws(GraphFailure) -> String? {
            guard let value = body[key], !value.isNull else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { throw GraphFailure.badRequest("'\(key)' must be a non-empty string.") }
            return text
        }
        func bool(_ key: String) throws(GraphFailure) -> Bool? {
            guard let value = body[key], !value.isNull else { return nil }
            guard let flag = value.boolValue else { throw GraphFailure.badRequest("'\(key)' must be true or false.") }
            return flag
        }
        user = try string("user")
        servicePrincipal = try string("servicePrincipal")
        guard (user == nil) != (servicePrincipal == nil) else {
            throw GraphFailure.badRequest("A sign-in names exactly one of 'user' (a user principal name or id) and 'servicePrincipal' (an id or display name).")
        }
        guard let app = try string("app") else {
            throw GraphFailure.badRequest("'app' (the appId or display name of a service principal of the tenant) is required.")
        }
        self.app = app
        let address = try string("ipAddress")
        if let address, IPAddress(address) == nil { throw GraphFailure.badRequest("'ipAddress' '\(address)' is not an IPv4 or IPv6 address.") }
        ipAddress = address ?? Self.defaultIPAddress
        let country = try string("country")?.uppercased()
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw GraphFailure.badRequest("'country' must be an ISO 3166-1 alpha-2 code such as 'US', not '\(country)'.")
        }
        self.country = country ?? ""
        userAgent = try string("userAgent")
        if let name = try string("platform") {
            let known = ["android", "iOS", "windows", "windowsPhone", "macOS", "linux"]
            guard let platform = known.first(where: { $0.lowercased() == name.lowercased() }) else {
                throw GraphFailure.badRequest("'platform' must be one of \(known.joined(separator: ", ")), not '\(name)'.")
            }
            self.platform = platform
        } else {
            platform = userAgent.flatMap(Self.platform(fromUserAgent:))
        }
        if let name = try string("clientAppType") {
            guard let type = ClientAppType(rawValue: name), type != .all else {
                throw GraphFailure.badRequest("'clientAppType' must be one of browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other; not '\(name)'.")
            }
            clientAppType = type
        } else {
            clientAppType = .browser
        }
        let mfa = try bool("mfa")
        if user != nil, mfa == nil { throw GraphFailure.badRequest("'mfa' (true when the user completed multifactor authentication) is required.") }
        self.mfa = mfa ?? false
        compliantDevice = try bool("compliantDevice")
        if let value = body["riskEventTypes"], !value.isNull {
            guard let types = value.stringArray else { throw GraphFailure.badRequest("'riskEventTypes' must be an array of risk event types.") }
            riskEventTypes = types
        } else {
            riskEventTypes = []
        }
        if let name = try string("signInRiskLevel") {
            guard let level = RiskLevel(rawValue: name), [.low, .medium, .high, .none].contains(level) else {
                throw GraphFailure.badRequest("'signInRiskLevel' must be low, medium, high or none, not '\(name)'.")
            }
            signInRiskLevel = level
        }
        if servicePrincipal != nil, !riskEventTypes.isEmpty || signInRiskLevel != nil {
            throw GraphFailure.badRequest("'riskEventTypes' and 'signInRiskLevel' apply to user sign-ins only.")
        }
        if let text = try string("time") {
            guard let date = GraphTimestamp.date(from: text) else { throw GraphFailure.badRequest("'time' '\(text)' is not an ISO 8601 date-time.") }
            time = GraphTimestamp.string(from: date)
        }
    }

    /// The platform a user agent names (iPhone and iPad before Mac, Android before Linux: their agents name both).
    static func platform(fromUserAgent agent: String) -> String? {
        let checks: [(String, String)] = [("Windows Phone", "windowsPhone"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Android", "android"),
                                          ("Windows", "windows"), ("Macintosh", "macOS"), ("Mac OS X", "macOS"), ("Linux", "linux")]
        return checks.first { agent.contains($0.0) }?.1
    }

    /// The browser and its version a user agent names, as sign-in logs write it (`Edge 120.0.0`).
    static func browser(fromUserAgent agent: String?) -> String {
        guard let agent else { return "" }
        for (token, name) in [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Version/", "Safari")] {
            if let range = agent.range(of: token) {
                let version = agent[range.upperBound...].prefix { $0.isNumber || $0 == "." }
                return version.isEmpty ? name : "\(name) \(version)"
            }
        }
        return ""
    }
}

/// Identity Protection's vocabulary for the risk of emulated sign-ins.
enum SignInRisk {
    /// The level a detection of each type gets when the sign-in does not say. Microsoft's current pages
    /// say levels are computed per detection, except that leaked credentials and verified threat actor
    /// IPs are "always delivered as high risk" (Microsoft Learn, "Risk detection types and levels"); the
    /// fixed levels of the other types are those of Microsoft's former reference ("Azure Active Directory
    /// risk events", 2018: leaked credentials High; sign-ins from anonymous IP addresses Medium;
    /// impossible travel to atypical locations Medium; sign-ins from unfamiliar locations Medium;
    /// sign-ins from IP addresses with suspicious activity Medium; sign-ins from infected devices Low),
    /// under today's `riskEventType` names (Microsoft Learn, "What are risk detections?"). Any other type: medium.
    static let levels: [String: RiskLevel] = [
        "leakedCredentials": .high, "nationStateIP": .high,
        "anonymizedIPAddress": .medium, "unlikelyTravel": .medium, "unfamiliarFeatures": .medium, "suspiciousIPAddress": .medium,
        "maliciousIPAddress": .medium,
        "malwareInfectedIPAddress": .low,
    ]

    /// Types Microsoft calculates in real time (or either), "What are risk detections?"; the rest are offline.
    static let realtime: Set<String> = ["anonymizedIPAddress", "unfamiliarFeatures", "nationStateIP", "anomalousToken", "passwordSpray",
                                        "investigationsThreatIntelligence", "generic"]

    /// Members of the deprecated `riskEventTypes` enum (v1.0 `riskEventType`); others are written as `unknownFutureValue`.
    static let legacyEnumMembers: Set<String> = ["unlikelyTravel", "anonymizedIPAddress", "maliciousIPAddress", "unfamiliarFeatures",
                                                 "malwareInfectedIPAddress", "suspiciousIPAddress", "leakedCredentials",
                                                 "investigationsThreatIntelligence", "generic"]

    static func level(of type: String) -> RiskLevel { levels[type] ?? .medium }

    static let order: [RiskLevel: Int] = [.none: 0, .hidden: 0, .low: 1, .medium: 2, .high: 3]
    static func highest(_ levels: [RiskLevel]) -> RiskLevel { levels.max { (order[$0] ?? 0) < (order[$1] ?? 0) } ?? .none }
}

/// How a grant control fares in an emulated sign-in.
enum GrantControlOutcome {
    /// Multifactor authentication (and authentication strengths, whose combinations are all multifactor)
    /// is met when the sign-in says `mfa: true`; a compliant device when it says `compliantDevice: true`.
    /// No other control can be met by an emulated sign-in.
    static func isMet(_ control: String, _ request: EmulatedSignInRequest) -> Bool {
        if control == "mfa" || control.hasPrefix("authenticationStrength:") { return request.mfa }
        if control == "compliantDevice" { return request.compliantDevice == true }
        return false
    }

    /// Controls the user can meet by acting during sign-in (Microsoft Learn, "Analyze Conditional Access
    /// policy impact": "user action would be required … users aren't prompted for multifactor
    /// authentication challenges or terms of use"); device and app controls are checked, not prompted for.
    static func isInteractive(_ control: String) -> Bool {
        ["mfa", "passwordChange", "riskRemediation"].contains(control) || control.hasPrefix("authenticationStrength:")
            || control.hasPrefix("termsOfUse:") || control.hasPrefix("customControl:")
    }

    /// `enforcedGrantControls` as sign-in logs write them ("Mfa" and "Block" as on the wire; the device,
    /// app and password names are the portal's "Require …" names without spaces, not verified against a live record).
    static func wireName(_ control: String) -> String {
        switch control {
        case "mfa": "Mfa"
        case "block": "Block"
        case "compliantDevice": "RequireCompliantDevice"
        case "domainJoinedDevice": "RequireDomainJoinedDevice"
        case "approvedApplication": "RequireApprovedApp"
        case "compliantApplication": "RequireCompliantApp"
        case "passwordChange": "PasswordChange"
        case "riskRemediation": "RiskRemediation"
        default:
            if control.hasPrefix("authenticationStrength:") { "RequireAuthenticationStrength" }
            else if control.hasPrefix("termsOfUse:") { "RequireTermsOfUse" }
            else if control.hasPrefix("customControl:") { String(control.dropFirst("customControl:".count)) }
            else { control }
        }
    }

    /// The sign-in error of an unmet control (Microsoft Learn, "Microsoft Entra authentication and
    /// authorization error codes": AADSTS50074 UserStrongAuthClientAuthNRequiredInterrupt, 53000
    /// DeviceNotCompliant, 53001 DeviceNotDomainJoined, 53002 ApplicationUsedIsNotAnApprovedApp, 50135
    /// PasswordChangeCompromisedPassword, 50131 ConditionalAccessFailed for the rest).
    static func failure(_ control: String) -> (code: Int, reason: String) {
        switch control {
        case "mfa": return (50074, "Strong Authentication is required.")
        case "compliantDevice":
            return (53000, "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider like Intune.")
        case "domainJoinedDevice":
            return (53001, "Device is not in required device state: domain joined. Conditional Access policy requires a domain joined device, and the device is not domain joined.")
        case "approvedApplication", "compliantApplication":
            return (53002, "Application used is not an approved application for Conditional Access. The user needs to use one of the approved applications.")
        case "passwordChange": return (50135, "Password change is required due to account risk.")
        default:
            if control.hasPrefix("authenticationStrength:") { return (50074, "Strong Authentication is required.") }
            return (50131, "Conditional Access failed: the sign-in did not meet a required grant control.")
        }
    }

    static let blocked = (code: 53003, reason: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.")

    /// `enforcedSessionControls` names (not verified against a live record).
    static func sessionName(_ key: String) -> String {
        switch key {
        case "signInFrequency": "SignInFrequency"
        case "persistentBrowser": "PersistentBrowserSessionMode"
        case "cloudAppSecurity": "CloudAppSecurity"
        case "applicationEnforcedRestrictions": "AppEnforcedRestrictions"
        case "continuousAccessEvaluation": "ContinuousAccessEvaluation"
        case "secureSignInSession": "SecureSignInSession"
        case "disableResilienceDefaults": "DisableResilienceDefaults"
        default: key.prefix(1).uppercased() + key.dropFirst()
        }
    }
}

extension TenantState {
    /// Evaluates an emulated sign-in against the tenant's policies with the engine, records it in the
    /// sign-in log in Graph's `signIn` shape (Microsoft Learn, "signIn resource type"; the beta-only
    /// properties are stored and left out of v1.0 answers), and, for a risky sign-in, records risk
    /// detections and updates the risky user as Identity Protection does (``inject(detection:now:)``);
    /// when a sign-in-risk policy requiring MFA was met with `mfa: true`, the risk is remediated
    /// (`riskState: remediated`, `riskDetail: userPassedMFADrivenByRiskBasedPolicy`), unless the
    /// sign-in failed anyway (blocked by another policy, or another control unmet).
    ///
    /// Each policy's `result` (Microsoft Learn, "appliedConditionalAccessPolicy resource type" and
    /// "Analyze Conditional Access policy impact"): `notEnabled` for disabled policies; `notApplied` /
    /// `reportOnlyNotApplied` when a condition does not match; for an applying policy `success` /
    /// `reportOnlySuccess` when its grant is met (or it has only session controls), else `failure`, or for a
    /// report-only policy `reportOnlyFailure` when a block or a control the sign-in cannot be prompted for
    /// (device, app) is unmet, and `reportOnlyInterrupted` ("user action required") when only controls
    /// the user could meet interactively (MFA, authentication strength, terms of use, password change)
    /// are unmet.
    mutating func recordSignIn(_ request: EmulatedSignInRequest, now: String) throws(GraphFailure) -> JSONValue {
        // Who, and which application.
        let lowered = request.app.lowercased()
        guard let application = servicePrincipals.all.first(where: {
            $0["appId"]?.stringValue?.lowercased() == lowered || $0["displayName"]?.stringValue?.lowercased() == lowered
        }), let appId = application["appId"]?.stringValue else {
            throw GraphFailure(status: 404, code: "Request_ResourceNotFound",
                               message: "No application with appId or display name '\(request.app)' in the tenant (seed it under servicePrincipals).")
        }
        let appName = application["displayName"]?.stringValue ?? appId
        var user: JSONValue?
        var subject: SignInSubject
        var principal: JSONValue?
        if let key = request.user {
            guard let found = self.user(idOrUserPrincipalName: key), let id = found["id"]?.stringValue else {
                throw GraphFailure(status: 404, code: "Request_ResourceNotFound", message: "No user '\(key)' in the tenant (by id or userPrincipalName).")
            }
            user = found
            let isGuest = found["userType"]?.stringValue?.lowercased() == "guest"
            subject = GraphService.userSubject(id: id, user: found, state: self, externalUserType: isGuest ? .b2bCollaborationGuest : nil,
                                               homeTenantId: nil)
        } else {
            let key = request.servicePrincipal!.lowercased()
            guard let found = servicePrincipals.all.first(where: {
                $0["id"]?.stringValue?.lowercased() == key || $0["displayName"]?.stringValue?.lowercased() == key
                    || $0["appId"]?.stringValue?.lowercased() == key
            }), let id = found["id"]?.stringValue else {
                throw GraphFailure(status: 404, code: "Request_ResourceNotFound",
                                   message: "No service principal '\(request.servicePrincipal!)' in the tenant (by id, appId or display name).")
            }
            principal = found
            subject = SignInSubject(servicePrincipal: id, label: found["displayName"]?.stringValue ?? id)
        }
        let userId = user?["id"]?.stringValue

        // Risk: the sign-in's level from its detections (or as given), the user's from Identity Protection before it.
        let signInRisk = request.signInRiskLevel ?? SignInRisk.highest(request.riskEventTypes.map(SignInRisk.level(of:)))
        var userRisk = RiskLevel.none
        if let userId, let risky = riskyUsers.get(userId), risky["riskState"]?.stringValue == "atRisk" {
            userRisk = risky["riskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)) ?? .none
        }

        var context = SignInContext(subject: subject, target: .application(appId: appId.lowercased()))
        context.clientAppType = request.clientAppType
        context.platform = request.platform ?? "unknown"
        context.ipAddress = IPAddress(request.ipAddress)
        context.country = request.country
        context.signInRisk = signInRisk
        context.userRisk = userRisk
        if let compliant = request.compliantDevice {
            context.device = ["isCompliant": .bool(compliant), "trustType": .string(compliant ? "AzureAD" : "Workplace")]
        }
        var names: [String: String] = [:]
        for strength in allAuthenticationStrengths {
            if let id = strength["id"]?.stringValue, let name = strength["displayName"]?.stringValue { names[id.lowercased()] = name }
        }
        for agreement in termsOfUse.all {
            if let id = agreement["id"]?.stringValue, let name = agreement["displayName"]?.stringValue { names[id.lowercased()] = name }
        }
        let directory = EvaluationDirectory(namedLocations: namedLocations.all, names: names)

        // Evaluate (a disabled account never reaches Conditional Access: AADSTS50057).
        let disabled = user?["accountEnabled"]?.boolValue == false
        let evaluation = disabled ? nil : SignInEvaluator.evaluate(policies.all, context: context, directory: directory)
        var applied: [JSONValue] = []
        var enforcedApplied = false
        var enforcedFailed = false
        var remediatesRisk = false
        for verdict in evaluation?.verdicts ?? [] {
            var result: String
            var grantNames: [String] = []
            var sessionNames: [String] = []
            if verdict.state == "disabled" {
                result = "notEnabled"
            } else if !verdict.applies {
                result = verdict.isReportOnly ? "reportOnlyNotApplied" : "notApplied"
            } else {
                let grant = verdict.grant
                grantNames = grant.map { ($0.block ? ["block"] : []) + $0.controls }?.map(GrantControlOutcome.wireName) ?? []
                sessionNames = verdict.sessionControls.filter { key, control in
                    control.objectValue == nil ? control.boolValue == true : control["isEnabled"]?.boolValue != false
                }.keys.sorted().map(GrantControlOutcome.sessionName)
                let met: Bool
                var interactive = false
                if let grant {
                    if grant.block {
                        met = false
                    } else {
                        let states = grant.controls.map { (met: GrantControlOutcome.isMet($0, request), interactive: GrantControlOutcome.isInteractive($0)) }
                        met = grant.operator == "AND" ? states.allSatisfy(\.met) : states.contains(where: \.met)
                        interactive = grant.operator == "AND"
                            ? states.filter { !$0.met }.allSatisfy(\.interactive)
                            : states.contains(where: \.interactive)
                    }
                } else {
                    met = true
                }
                if verdict.isReportOnly {
                    result = met ? "reportOnlySuccess" : interactive ? "reportOnlyInterrupted" : "reportOnlyFailure"
                } else {
                    result = met ? "success" : "failure"
                    enforcedApplied = true
                    if !met { enforcedFailed = true }
                    // A sign-in-risk policy whose MFA the user passed remediates the sign-in's risk.
                    if met, request.mfa, signInRisk != .none, let id = verdict.id, let stored = policies.get(id),
                       !(stored["conditions"]?["signInRiskLevels"]?.stringArray ?? []).isEmpty,
                       grant?.controls.contains(where: { $0 == "mfa" || $0.hasPrefix("authenticationStrength:") }) == true {
                        remediatesRisk = true
                    }
                }
            }
            applied.append(["id": verdict.id.map(JSONValue.string) ?? .null, "displayName": .string(verdict.displayName),
                            "enforcedGrantControls": .array(grantNames.map(JSONValue.string)),
                            "enforcedSessionControls": .array(sessionNames.map(JSONValue.string)),
                            "result": .string(result)])
        }

        // The sign-in's status: blocked, else the first unmet demand in Entra's prompt order.
        var status: (code: Int, reason: String?, details: String?) = (0, nil, nil)
        var multifactor = false
        if disabled {
            status = (50057, "User account is disabled. The account has been disabled by an administrator.", nil)
        } else if let outcome = evaluation?.outcome {
            if outcome.blocked {
                status = (GrantControlOutcome.blocked.code, GrantControlOutcome.blocked.reason, nil)
            } else {
                for clause in outcome.clauses {
                    let metBy = clause.filter { GrantControlOutcome.isMet($0, request) }
                    let needsMFA = clause.contains { $0 == "mfa" || $0.hasPrefix("authenticationStrength:") }
                    if needsMFA, metBy.allSatisfy({ $0 == "mfa" || $0.hasPrefix("authenticationStrength:") }) { multifactor = true }
                    if metBy.isEmpty, status.code == 0 {
                        let failure = GrantControlOutcome.failure(clause[0])
                        status = (failure.code, failure.reason, nil)
                    }
                }
                if status.code == 0, multifactor { status.details = "MFA completed in Azure AD" }
            }
        }

        // Risk detections, the risky user, and remediation.
        let signInId = StableIdentifier.random()
        let correlationId = StableIdentifier.random()
        let created = request.time ?? now
        var riskState = "none"
        var riskDetail = "none"
        if let userId, !request.riskEventTypes.isEmpty || signInRisk != .none {
            var detectionIds: [String] = []
            let types = request.riskEventTypes.isEmpty ? ["generic"] : request.riskEventTypes
            for type in types {
                let level = request.signInRiskLevel ?? SignInRisk.level(of: type)
                var additional: [JSONValue] = []
                if let agent = request.userAgent { additional.append(["Key": "userAgent", "Value": .string(agent)]) }
                let detection: JSONValue = [
                    "id": .string(StableIdentifier.hex64(kind: "riskDetection", name: "\(signInId)-\(type)")),
                    "userId": .string(userId), "riskEventType": .string(type), "riskLevel": .string(level.rawValue), "riskState": "atRisk",
                    "riskDetail": "none", "source": "IdentityProtection", "activity": "signin", "tokenIssuerType": "AzureAD",
                    "detectionTimingType": .string(SignInRisk.realtime.contains(type) ? "realtime" : "offline"),
                    "requestId": .string(signInId), "correlationId": .string(correlationId), "ipAddress": .string(request.ipAddress),
                    "location": ["city": .null, "state": .null, "countryOrRegion": request.country.isEmpty ? .null : .string(request.country),
                                 "geoCoordinates": .null],
                    "activityDateTime": .string(created), "detectedDateTime": .string(created), "lastUpdatedDateTime": .string(now),
                    "additionalInfo": .string(String(decoding: JSONWriter.data(.array(additional)), as: UTF8.self)),
                ]
                do {
                    let stored = try inject(detection: detection, now: now)
                    detectionIds.append(stored["id"]?.stringValue ?? "")
                } catch {
                    throw GraphFailure.badRequest("\(error)")
                }
            }
            riskState = "atRisk"
            // Only a sign-in that got through remediates: when another policy blocked it (or a control
            // stayed unmet), the user never completed the risk-based policy's prompt.
            if remediatesRisk, status.code == 0 {
                riskState = "remediated"
                riskDetail = "userPassedMFADrivenByRiskBasedPolicy"
                remediate(userId: userId, detections: detectionIds, now: now)
            }
        }

        let isUser = user != nil
        var signIn: [String: JSONValue] = [
            "id": .string(signInId),
            "createdDateTime": .string(created),
            "userDisplayName": user?["displayName"] ?? .null,
            "userPrincipalName": user?["userPrincipalName"] ?? .null,
            "userId": userId.map(JSONValue.string) ?? .null,
            "appId": .string(appId),
            "appDisplayName": .string(appName),
            "ipAddress": .string(request.ipAddress),
            "clientAppUsed": .string(Self.clientAppUsed(request.clientAppType)),
            "correlationId": .string(correlationId),
            "conditionalAccessStatus": .string(enforcedFailed ? "failure" : enforcedApplied ? "success" : "notApplied"),
            "isInteractive": .bool(isUser),
            "riskDetail": .string(riskDetail),
            "riskLevelAggregated": .string(signInRisk.rawValue),
            "riskLevelDuringSignIn": .string(signInRisk.rawValue),
            "riskState": .string(riskState),
            "riskEventTypes": .array(request.riskEventTypes.map { .string(SignInRisk.legacyEnumMembers.contains($0) ? $0 : "unknownFutureValue") }),
            "riskEventTypes_v2": .array(request.riskEventTypes.map(JSONValue.string)),
            "resourceDisplayName": .string(appName),
            "resourceId": .string(appId),
            "status": ["errorCode": .number(Double(status.code)), "failureReason": status.reason.map(JSONValue.string) ?? .null,
                       "additionalDetails": status.details.map(JSONValue.string) ?? .null],
            "deviceDetail": [
                "deviceId": "", "displayName": .null, "operatingSystem": .string(Self.operatingSystem(request.platform)),
                "browser": .string(EmulatedSignInRequest.browser(fromUserAgent: request.userAgent)),
                "isCompliant": request.compliantDevice.map(JSONValue.bool) ?? .null,
                "isManaged": request.compliantDevice.map(JSONValue.bool) ?? .null,
                "trustType": request.compliantDevice.map { .string($0 ? "Azure AD joined" : "Azure AD registered") } ?? .null,
            ],
            "location": ["city": .null, "state": .null, "countryOrRegion": request.country.isEmpty ? .null : .string(request.country),
                         "geoCoordinates": ["altitude": .null, "latitude": .null, "longitude": .null]],
            "appliedConditionalAccessPolicies": .array(applied),
            // Beta only (left out of v1.0 answers).
            "authenticationRequirement": .string(multifactor ? "multiFactorAuthentication" : "singleFactorAuthentication"),
            "signInEventTypes": .array([isUser ? "interactiveUser" : "servicePrincipal"]),
            "servicePrincipalId": principal?["id"] ?? .null,
            "servicePrincipalName": principal?["displayName"] ?? .null,
            "userType": isUser ? .string(user?["userType"]?.stringValue?.lowercased() == "guest" ? "guest" : "member") : .null,
        ]
        if let agent = request.userAgent { signIn["userAgent"] = .string(agent) }
        let record = JSONValue.object(signIn)
        signIns.upsert(record)
        return record
    }

    /// Closes this sign-in's detections as remediated by MFA, and the risky user too when none of its
    /// detections remains at risk (otherwise its level drops to the highest still at risk).
    private mutating func remediate(userId: String, detections: [String], now: String) {
        for id in detections {
            guard var detection = riskDetections.get(id) else { continue }
            detection["riskState"] = "remediated"
            detection["riskDetail"] = "userPassedMFADrivenByRiskBasedPolicy"
            detection["lastUpdatedDateTime"] = .string(now)
            riskDetections.upsert(detection)
        }
        guard var risky = riskyUsers.get(userId) else { return }
        let open = riskDetections.all.filter {
            $0["userId"]?.stringValue?.lowercased() == userId.lowercased() && $0["riskState"]?.stringValue == "atRisk"
        }
        if open.isEmpty {
            risky["riskState"] = "remediated"
            risky["riskDetail"] = "userPassedMFADrivenByRiskBasedPolicy"
            risky["riskLevel"] = "none"
        } else {
            let levels = open.compactMap { $0["riskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)) }
            risky["riskLevel"] = .string(SignInRisk.highest(levels).rawValue)
        }
        risky["riskLastUpdatedDateTime"] = .string(now)
        riskyUsers.upsert(risky)
        var item = risky
        item["userId"] = .string(userId)
        item["initiatedBy"] = .null
        item["activity"] = ["detail": "userPassedMFADrivenByRiskBasedPolicy", "riskEventTypes": []]
        riskyUserHistory[userId.lowercased(), default: []].append(item)
    }

    /// `clientAppUsed` as sign-in logs write it ("Browser", "Mobile Apps and Desktop clients", "Exchange
    /// ActiveSync", "Other clients": the signIn resource's description of the property).
    static func clientAppUsed(_ type: ClientAppType) -> String {
        switch type {
        case .browser: "Browser"
        case .mobileAppsAndDesktopClients: "Mobile Apps and Desktop clients"
        case .exchangeActiveSync, .easSupported: "Exchange ActiveSync"
        case .other, .all: "Other clients"
        }
    }

    /// `deviceDetail.operatingSystem` as sign-in logs write it.
    static func operatingSystem(_ platform: String?) -> String {
        switch platform {
        case "windows": "Windows"
        case "macOS": "MacOs"
        case "iOS": "Ios"
        case "android": "Android"
        case "linux": "Linux"
        case "windowsPhone": "WindowsPhone"
        default: ""
        }
    }
}

extension EmulatorCore {
    /// `POST /_emulator/signIns`: evaluates and records one sign-in, answering it as recorded (201).
    func emulateSignIn(_ incoming: Incoming) async -> GraphResponse {
        guard let body = incoming.body, let value = try? JSONValue.decode(exportedData: body), case .object(let members) = value else {
            return GraphFailure.malformedBody("A sign-in object is required.").response(for: nil)
        }
        do {
            let request = try EmulatedSignInRequest(members)
            let now = service.emulatorNow()
            let signIn = try await service.store.write { state in try state.recordSignIn(request, now: now) }
            return .json(201, signIn)
        } catch let failure as GraphFailure {
            return failure.response(for: nil)
        } catch {
            return GraphFailure.badRequest("\(error)").response(for: nil)
        }
    }
}
