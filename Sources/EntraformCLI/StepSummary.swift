import Foundation

/// GitHub Actions' job summary: when `GITHUB_ACTIONS=true` and `GITHUB_STEP_SUMMARY` names a file,
/// `plan`, `drift` and `risk plan` append their Markdown to it (whatever `--format` prints), so the run's
/// page shows the plan without opening the log. `--no-step-summary` opts out.
enum StepSummary {
    /// Appends `markdown` to the step summary file, when there is one (rendered only then). A summary
    /// that cannot be written is a warning on stderr, never a failed command.
    static func append(_ markdown: @autoclosure () -> String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["GITHUB_ACTIONS"] == "true", let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        let text = markdown()
        let data = Data((text.hasSuffix("\n") ? text : text + "\n").utf8)
        do {
            if !FileManager.default.fileExists(atPath: path) {
                try data.write(to: URL(fileURLWithPath: path))
                return
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            Console.err("warning: could not write the step summary to \(path): \(error.localizedDescription)\n")
        }
    }
}
