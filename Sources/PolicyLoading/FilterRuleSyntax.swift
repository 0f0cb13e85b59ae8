import PolicyModel

/// Syntax check for Conditional Access filter rules (`device.isCompliant -eq True -and device.trustType -eq "ServerAD"`),
/// the dynamic-group-like language of `deviceFilter`, `applicationFilter` and `servicePrincipalFilter`:
/// ``FilterRule/parse(_:)``'s first problem, with its offset in the rule so the diagnostic points at the
/// exact column.
enum FilterRuleSyntax {
    static func check(_ rule: String) -> ValueProblem? {
        do {
            _ = try FilterRule.parse(rule)
            return nil
        } catch {
            return ValueProblem(message: error.message, suggestion: error.suggestion, offset: error.offset)
        }
    }
}
