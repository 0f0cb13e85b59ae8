import EntraformTestSupport
import Foundation
import PolicyLoading
import PolicyModel
import Testing

/// Loads marked YAML as `file` and returns the diagnostics with the marker positions.
func load(_ marked: String, file: String = "p.yaml") -> (result: LoadResult, marks: [(line: Int, column: Int)]) {
    let text = MarkedText(marked)
    return (ConfigurationLoader.load([PolicySource(path: file, text: text.text)]), text.positions)
}

/// Asserts exactly one diagnostic, with this message, at the first marker.
func expectSingle(_ marked: String, _ message: String, severity: Diagnostic.Severity = .error,
                  sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let (result, marks) = load(marked)
    #expect(result.diagnostics.count == 1, "\(result.diagnostics)", sourceLocation: sourceLocation)
    guard let diagnostic = result.diagnostics.first, let mark = marks.first else {
        Issue.record("no diagnostic or no marker", sourceLocation: sourceLocation)
        return
    }
    #expect(diagnostic.fullMessage == message, sourceLocation: sourceLocation)
    #expect(diagnostic.severity == severity, sourceLocation: sourceLocation)
    #expect(diagnostic.location == PolicyModel.SourceLocation(file: "p.yaml", line: mark.line, column: mark.column),
            sourceLocation: sourceLocation)
}

/// A valid policy with a hole to put one mistake in.
func policy(conditions: String = "", grant: String = "grantControls: {builtInControls: [mfa]}", extra: String = "") -> String {
    """
    kind: ConditionalAccessPolicy
    displayName: CA001 - Test
    state: enabled
    \(extra)conditions:
      users: {includeUsers: [All]}
      applications: {includeApplications: [All]}
    \(conditions)\(grant)

    """
}

@Suite("Loader diagnostics, one per kind")
struct LoaderDiagnosticsTests {
    @Test func validPolicyHasNoDiagnostics() {
        let (result, _) = load(policy())
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration.policies.first?.value.displayName == "CA001 - Test")
    }

    @Test func unknownKeySuggestsTheNearestKeyAtThatPosition() {
        expectSingle(policy(grant: "‸grantControl: {builtInControls: [mfa]}"),
                     "unknown key 'grantControl'; did you mean 'grantControls'?")
    }

    @Test func unknownKeyValidElsewhereSaysWhereItBelongs() {
        expectSingle(policy(conditions: "  ‸excludeGroups: [CA-BreakGlass]\n"),
                     "unknown key 'excludeGroups' in 'conditions'; 'excludeGroups' belongs under 'conditions.users'")
    }

    @Test func wrongTypeNamesExpectedAndFound() {
        expectSingle("""
            kind: ConditionalAccessPolicy
            displayName: X
            state: enabled
            conditions:
              users: {includeUsers: ‸All}
              applications: {includeApplications: [All]}
            grantControls: {builtInControls: [block]}
            """, "expected a list for 'includeUsers', found the string 'All'; write [All]")
    }

    @Test func badEnumValueSuggestsTheRightSpelling() {
        expectSingle(policy(grant: "grantControls: {builtInControls: [‸MFA]}"),
                     "'MFA' is not a valid value for 'builtInControls'; did you mean 'mfa'?")
    }

    @Test func badEnumValueWithoutNearMatchListsTheValidSet() {
        expectSingle(policy().replacingOccurrences(of: "state: enabled", with: "state: ‸on"),
                     "'on' is not a valid value for 'state'; valid values: enabled, disabled, enabledForReportingButNotEnforced")
    }

    @Test func reportOnlyAliasIsWrittenInGraphSpelling() {
        let (result, _) = load(policy().replacingOccurrences(of: "state: enabled", with: "state: reportOnly"))
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration.policies.first?.value.state == .enabledForReportingButNotEnforced)
    }

    @Test func duplicateListItem() {
        expectSingle(policy(grant: "grantControls: {operator: AND, builtInControls: [mfa, compliantDevice, ‸mfa]}"),
                     "duplicate 'mfa' in 'builtInControls'; first at line 7, column 50; lists are sets: remove the repeat")
    }

    @Test func duplicateDisplayNameAcrossFilesNamesBothLocations() {
        let first = PolicySource(path: "a.yaml", text: policy())
        let second = PolicySource(path: "b.yaml", text: "# another\n" + policy())
        let result = ConfigurationLoader.load([second, first])
        #expect(result.diagnostics.map(\.description) == [
            "b.yaml:3:14: error: duplicate displayName 'CA001 - Test'; also declared at a.yaml:2:14",
        ])
        #expect(result.configuration.policies.count == 1)
    }

    @Test func missingRequiredKey() {
        expectSingle("""
            ‸kind: ConditionalAccessPolicy
            displayName: X
            conditions:
              users: {includeUsers: [All]}
              applications: {includeApplications: [All]}
            grantControls: {builtInControls: [block]}
            """, "missing required key 'state'")
    }

    /// A policy needs a control. Only one pinned to a live policy may declare none the language
    /// models (its tenant object can hold only unmodelled ones, which plans keep): a warning then.
    @Test func aPolicyWithoutControlsIsAnErrorUnlessPinned() {
        expectSingle("‸" + policy(grant: ""), "a policy needs grantControls or sessionControls; add grantControls: {builtInControls: [mfa]} or a session control")
        expectSingle("‸" + policy(grant: "", extra: "id: 11111111-0000-4000-8000-000000000001\n"),
                     "no grantControls or sessionControls: only valid while the tenant's policy holds a control the language does not model",
                     severity: .warning)
    }

    /// Switched off, a time-based sign-in frequency needs no value (Graph returns it so); half a value
    /// is still an error.
    @Test func aSwitchedOffSignInFrequencyNeedsNoValue() {
        let off = load(policy(grant: "sessionControls: {signInFrequency: {isEnabled: false}}\n")).result
        #expect(off.diagnostics.isEmpty, "\(off.diagnostics)")
        let half = load(policy(grant: "sessionControls: {signInFrequency: {isEnabled: false, value: 4}}\n")).result
        #expect(half.diagnostics.map(\.message) == ["a time-based sign-in frequency needs value and type"])
    }

    /// Persistent browser's mode and App Control's type are required while the control is on, and may
    /// be left out when it is switched off (Graph returns them null then).
    @Test func aSwitchedOffSessionControlNeedsNoSetting() {
        for control in ["persistentBrowser", "cloudAppSecurity"] {
            let off = load(policy(grant: "sessionControls: {\(control): {isEnabled: false}}\n")).result
            #expect(off.diagnostics.isEmpty, "\(off.diagnostics)")
        }
        expectSingle(policy(grant: "sessionControls:\n  persistentBrowser: ‸{isEnabled: true}\n"),
                     "missing required key 'mode' (it may only be left out while isEnabled is false)")
        expectSingle(policy(grant: "sessionControls:\n  cloudAppSecurity: ‸{}\n"),
                     "missing required key 'cloudAppSecurityType' (it may only be left out while isEnabled is false)")
    }

    @Test func misspelledReservedWordWhereOnlyUsersFit() {
        expectSingle(policy().replacingOccurrences(of: "includeUsers: [All]", with: "includeUsers: [‸Alll]"),
                     "'Alll' is not a user principal name or object id; did you mean 'All'?")
    }

    @Test func reservedWordNotAcceptedInThatPlace() {
        expectSingle(policy().replacingOccurrences(of: "includeUsers: [All]", with: "includeUsers: [All], excludeUsers: [‸all]"),
                     "'all' is a reserved word that 'excludeUsers' does not accept; allowed here: GuestsOrExternalUsers")
    }

    @Test func reservedWordsAreCaseInsensitiveAndRespelled() throws {
        let (result, _) = load(policy(conditions: "  locations: {includeLocations: [all], excludeLocations: [alltrusted]}\n"))
        #expect(result.diagnostics.isEmpty)
        let locations = try #require(result.configuration.policies.first?.value.conditions?.locations)
        #expect(locations.includeLocations == [DirectoryReference(.reserved("All"))])
        #expect(locations.excludeLocations == [DirectoryReference(.reserved("AllTrusted"))])
    }

    @Test func nameCloseToReservedWordIsAWarning() {
        expectSingle(policy(conditions: "  locations: {includeLocations: [All], excludeLocations: [‸All Trusted]}\n"),
                     "'All Trusted' will be looked up as a named location name; did you mean the reserved word 'AllTrusted'?",
                     severity: .warning)
    }

    @Test func invalidCIDR() {
        expectSingle("kind: NamedLocation\ndisplayName: HQ\nipRanges: [‸203.0.113.300/24]\n",
                     "'203.0.113.300' is not an IPv4 or IPv6 address")
    }

    @Test func cidrWithHostBitsSuggestsTheNetwork() {
        expectSingle("kind: NamedLocation\ndisplayName: HQ\nipRanges: [203.0.113.0/24, ‸2001:db8::1/48]\n",
                     "'2001:db8::1/48' has host bits set; did you mean '2001:db8::/48'?")
    }

    @Test func invalidCountryCode() {
        expectSingle("kind: NamedLocation\ndisplayName: EU\ncountriesAndRegions: [NL, ‸UK]\n",
                     "'UK' is not an ISO 3166-1 alpha-2 country code; did you mean 'GB'?")
    }

    @Test func norwayIsACountryNotABoolean() {
        let (result, _) = load("kind: NamedLocation\ndisplayName: Nordics\ncountriesAndRegions: [NO, SE, DK]\n")
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration.namedLocations.first?.value.countriesAndRegions == ["NO", "SE", "DK"])
    }

    @Test func invalidDuration() {
        expectSingle("""
            kind: RiskResponseRule
            name: r
            when: {detectedWithin: ‸24 hours}
            action: dismiss
            """, "'24 hours' is not a duration; write a whole number and a unit: 30m, 24h or 7d")
    }

    @Test func undocumentedRiskEventTypesAreWarnedAboutNotRejected() {
        expectSingle("""
            kind: RiskResponseRule
            name: r
            when: {riskEventTypes: [‸leakedCredential]}
            action: dismiss
            """, "'leakedCredential' is not a risk event type Microsoft documents; did you mean 'leakedCredentials'?", severity: .warning)
        let (result, _) = load("""
            kind: RiskResponseRule
            name: r
            when: {riskEventTypes: [LEAKEDcredentials, attackerInTheMiddle]}
            action: dismiss
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.configuration.riskResponseRules.first?.value.when?.riskEventTypes == ["leakedCredentials", "attackerinTheMiddle"])
    }

    @Test func servicePrincipalRulesTakeNoUserScopeAndNoRevocation() {
        expectSingle("""
            kind: RiskResponseRule
            name: r
            subject: servicePrincipals
            ‸when: {riskEventTypes: [suspiciousAPITraffic], users: {includeGroups: [Staff]}}
            action: dismiss
            """, "when.users scopes users; this rule has subject: servicePrincipals, so it would be ignored")
        expectSingle("""
            kind: RiskResponseRule
            name: r
            subject: servicePrincipals
            when: {riskEventTypes: [suspiciousAPITraffic]}
            ‸action: revokeSignInSessions
            """, "revokeSignInSessions applies to users, not service principals")
    }

    @Test func deviceFilterSyntaxErrorPointsInsideTheRule() {
        expectSingle(policy(conditions: "  devices: {deviceFilter: {mode: exclude, rule: 'device.isCompliant ‸-equals True'}}\n"),
                     "unknown operator '-equals' in filter rule; did you mean '-eq'?")
    }

    @Test func deviceFilterUnknownProperty() {
        expectSingle(policy(conditions: "  devices: {deviceFilter: {mode: exclude, rule: \"device.‸isCompliance -eq True\"}}\n"),
                     "unknown device property 'isCompliance'; did you mean 'device.isCompliant'?")
    }

    /// Escapes make the source longer than the rule: a doubled quote or a backslash escape before the
    /// problem moves the caret by what it adds (found by the filter-rule fuzzer).
    @Test func deviceFilterErrorsAfterEscapesPointAtTheirSource() {
        expectSingle(policy(conditions: "  devices: {deviceFilter: {mode: exclude, rule: 'device.model -eq \"O''Neil\" ‸-equals True'}}\n"),
                     "unexpected '-equals' in filter rule; join conditions with -and or -or")
        expectSingle(policy(conditions: "  devices: {deviceFilter: {mode: exclude, rule: \"device.model -eq \\\"Surface\\u00e9\\\" -and device.‸isCompliance -eq True\"}}\n"),
                     "unknown device property 'isCompliance'; did you mean 'device.isCompliant'?")
    }

    @Test func deviceFilterAcceptsRealRules() {
        for rule in [
            #"device.trustType -eq "ServerAD" -or device.isCompliant -eq True"#,
            #"(device.operatingSystem -in ["Windows", "MacMDM"]) -and -not (device.model -startsWith "Surface")"#,
            #"CustomSecurityAttribute.Engineering_Project -eq "Baker""#,
        ] {
            let (result, _) = load(policy(conditions: "  devices: {deviceFilter: {mode: include, rule: '\(rule)'}}\n"))
            #expect(result.diagnostics.isEmpty, "\(rule): \(result.diagnostics)")
        }
    }

    @Test func unknownKindSuggestsAKind() {
        expectSingle("kind: ‸NamedLocations\ndisplayName: X\n",
                     "unknown kind 'NamedLocations'; did you mean 'NamedLocation'?")
    }

    @Test func crossFieldRuleBlockCannotBeCombined() {
        expectSingle(policy(grant: "grantControls: {‸builtInControls: [block, mfa]}"),
                     "block cannot be combined with 'mfa'")
    }

    @Test func crossFieldRuleEveryTimeTakesNoValue() {
        expectSingle(policy(grant: "sessionControls: {signInFrequency: {frequencyInterval: everyTime, ‸value: 4}}"),
                     "value is not allowed with frequencyInterval everyTime")
    }

    @Test func sessionOnlyPolicyIsValid() {
        let (result, _) = load(policy(grant: "sessionControls: {signInFrequency: {value: 4, type: hours}, persistentBrowser: {mode: never}}"))
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration.policies.first?.value.sessionControls?.signInFrequency?.value == 4)
    }

    @Test func fiveMistakesInOneFileGiveFiveDiagnosticsInOrder() {
        let (result, marks) = load("""
            kind: ConditionalAccessPolicy
            displayName: CA002 - Five mistakes
            state: ‸enable
            conditions:
              users:
                includeUsers: [All]
                ‸excludeGroup: [CA-BreakGlass]
              applications: {includeApplications: [All]}
              clientAppTypes: [‸browsers]
              locations: {includeLocations: [All], excludeLocations: [AllTrusted, ‸AllTrusted]}
            grantControls:
              builtInControls: [mfa]
            ‸sessionControl: {}
            """)
        #expect(result.diagnostics.count == 5, "\(result.diagnostics)")
        #expect(result.diagnostics.map { $0.location?.line } == marks.map(\.line))
        #expect(result.diagnostics.map { $0.location?.column } == marks.map(\.column))
    }

    @Test func multipleDocumentsAndKindsInOneFile() {
        let (result, _) = load("""
            kind: NamedLocation
            displayName: HQ
            ipRanges: [203.0.113.0/24]
            isTrusted: true
            ---
            kind: RiskResponseRule
            name: dismiss-low
            when: {userRiskLevels: [low], riskStates: [atRisk], detectedWithin: 7d}
            action: dismiss
            ---
            kind: Settings
            manage: {namePrefix: CA}
            ---
            """)
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration.namedLocations.count == 1)
        #expect(result.configuration.riskResponseRules.first?.value.when?.detectedWithin?.seconds == 7 * 86_400)
        #expect(result.configuration.settings?.value.manage?.namePrefix == "CA")
    }

    @Test func diagnosticsAreSortedByFileThenPosition() {
        let broken = "kind: NamedLocation\ndisplayName: X\nipRanges: [1.2.3.4/40]\nbogus: 1\n"
        let result = ConfigurationLoader.load([
            PolicySource(path: "z.yaml", text: broken), PolicySource(path: "a.yaml", text: broken),
        ])
        #expect(result.diagnostics.compactMap { $0.location.map { "\($0.file):\($0.line)" } }
                == ["a.yaml:3", "a.yaml:4", "z.yaml:3", "z.yaml:4"])
    }
}

/// Regressions for the defects issue's items 23 and 25: text is text, whole numbers may be written
/// with a fraction, and what-if scenarios are validated as the README says.
@Suite("Loader: scalar types and scenarios")
struct LoaderScalarAndScenarioTests {
    @Test func aNumberOrBooleanWhereTextIsExpectedMustBeQuoted() {
        expectSingle("""
            kind: NamedLocation
            displayName: ‸2024
            ipRanges: [203.0.113.0/24]
            """, "expected a string for 'displayName', found the number 2024; quote it: '2024'")
        let (quoted, _) = load("""
            kind: NamedLocation
            displayName: '2024'
            ipRanges: [203.0.113.0/24]
            """)
        #expect(quoted.diagnostics.isEmpty)
        expectSingle(policy().replacingOccurrences(of: "includeUsers: [All]", with: "includeUsers: [All], excludeGroups: [‸true]"),
                     "expected a string for 'excludeGroups', found the boolean true; quote it: 'true'")
    }

    @Test func aWholeNumberMayBeWrittenWithAFraction() {
        let (result, _) = load(policy(grant: "sessionControls: {signInFrequency: {value: 10.0, type: hours}}"))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.configuration.policies.first?.value.sessionControls?.signInFrequency?.value == 10)
        expectSingle(policy(grant: "sessionControls: {signInFrequency: {value: ‸10.5, type: hours}}"),
                     "expected a whole number for 'value', found the number 10.5")
    }

    @Test func scenariosAreValidated() {
        expectSingle("""
            kind: Settings
            scenarios:
              - {name: A, user: a@contoso.com, ipAddress: ‸300.1.2.3}
            """, "'300.1.2.3' is not an IPv4 or IPv6 address; write an address such as 203.0.113.7 or 2001:db8::7")
        expectSingle("""
            kind: Settings
            ‸scenarios:
              - {name: Finance user, user: a@contoso.com}
              - {name: finance USER, user: b@contoso.com}
            """, "scenario 'finance USER' is declared more than once; scenario names must be unique")
    }
}
