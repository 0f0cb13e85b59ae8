import ArgumentParser
import PolicyLoading

/// `entraform schema`: the JSON Schema of the policy language, for editors.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of the policy language for editors.",
        discussion: "Save it and point yaml-language-server at it: # yaml-language-server: $schema=entraform.schema.json"
    )

    func run() throws {
        Console.out(JSONSchemaGeneration.schema().serializedString(pretty: true) + "\n")
    }
}
