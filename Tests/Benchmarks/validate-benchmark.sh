#!/usr/bin/env bash
# Benchmark: whole-process `entraform validate` on 1,000 policies in 200 files (release build).
# Usage: bash Tests/Benchmarks/validate-benchmark.sh   (prints the mean wall time of 10 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Benchmarks/lib.sh

python3 - "$work" <<'PY'
import os, sys
root = sys.argv[1]
controls = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication"]
for f in range(200):
    docs = []
    for p in range(5):
        n = f * 5 + p
        docs.append(f"""kind: ConditionalAccessPolicy
displayName: CA{n:04d} - Generated policy {n}
state: {"enabled" if n % 3 else "enabledForReportingButNotEnforced"}
conditions:
  users:
    includeUsers: [All]
    excludeUsers: [breakglass1@contoso.onmicrosoft.com]
    excludeGroups: [CA-BreakGlass, Group {n % 40}]
    includeRoles: [Global Administrator]
  applications:
    includeApplications: [All]
    excludeApplications: [Microsoft Intune Enrollment]
  clientAppTypes: [browser, mobileAppsAndDesktopClients]
  platforms: {{includePlatforms: [all], excludePlatforms: [iOS, android]}}
  locations: {{includeLocations: [All], excludeLocations: [AllTrusted, Corporate HQ]}}
  signInRiskLevels: [high, medium]
  devices:
    deviceFilter: {{mode: exclude, rule: 'device.isCompliant -eq True -and device.trustType -eq "ServerAD"'}}
grantControls:
  operator: OR
  builtInControls: [{controls[n % 4]}]
sessionControls:
  signInFrequency: {{value: {n % 23 + 1}, type: hours}}
  persistentBrowser: {{mode: never}}
""")
    os.makedirs(os.path.join(root, f"dir{f % 10}"), exist_ok=True)
    with open(os.path.join(root, f"dir{f % 10}", f"policies{f:03d}.yaml"), "w") as out:
        out.write("---\n".join(docs))
PY

"$binary" validate "$work" | tail -n 1
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs 10 "$binary validate $work"
else
  start=$(date +%s.%N)
  for _ in 1 2 3 4 5 6 7 8 9 10; do "$binary" validate "$work" >/dev/null; done
  end=$(date +%s.%N)
  echo "mean wall time over 10 runs: $(echo "($end - $start) / 10" | bc -l | cut -c1-5) s"
fi
