#!/usr/bin/env bash
# Benchmark (issue 6): `entraform risk plan` with five rules against an emulator holding 20,000 risky
# users and 100,000 detections, rate limit off. Prints whole-process wall time, peak memory (RSS),
# and the Identity Protection requests the filters needed versus reading everything.
# Usage: bash Tests/Benchmarks/risk-benchmark.sh   (ENTRAFORM_BINARY overrides the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
cleanup() {
  if [ -n "${emulator_pid:-}" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 Tests/Benchmarks/generate_risk_benchmark.py "$work"
if [ -z "${ENTRAFORM_BINARY:-}" ]; then
  swift build -c release --product entraform --scratch-path .build-release >/dev/null
fi
binary=${ENTRAFORM_BINARY:-.build-release/release/entraform}

"$binary" emulator --seed "$work/tenant.json" --port 0 > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 600); do grep -q "listening on" "$work/emulator.log" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/emulator.log" | head -1)
export AZURE_TENANT_ID=$(grep 'Tenant id:' "$work/emulator.log" | awk '{print $3}')
export AZURE_CLIENT_ID=$(grep 'Client id:' "$work/emulator.log" | awk '{print $3}')
export AZURE_CLIENT_SECRET=$(grep 'Client secret:' "$work/emulator.log" | awk '{print $3}')

/usr/bin/time -f "risk plan: %e s wall, %M KiB peak RSS" "$binary" risk plan "$work/config" --graph-url "$url" > "$work/plan.txt" \
  || status=$?
tail -n 1 "$work/plan.txt"
echo "risk plan exit code: ${status:-0} (2 = actions proposed)"
curl -s "$url/_emulator/requests" | python3 -c '
import json, sys
counts = json.load(sys.stdin)
ip = {p: n for p, n in counts["byPath"].items() if "identityProtection" in p}
used = sum(ip.values())
everything = -(-20000 // 500) + -(-100000 // 500)
for path, n in sorted(ip.items()): print(f"  {n:4d}  {path}")
print(f"Identity Protection requests: {used} with filters vs {everything} reading everything at $top=500 "
      f"(at Graph'"'"'s 1 request/s: {used} s vs {everything} s)")'
