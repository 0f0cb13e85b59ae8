import EntraformCLI

await Entraform.runFromCommandLine()
