#!/usr/bin/env bash
# Benchmark (issue 5): `entraform plan` of 195 policies referencing 500 distinct directory objects,
# against the emulator with --latency 50 --rate-limit 1 (Graph's real conditional access limit).
# Prints wall time and the requests the emulator counted, per service class and path.
# Usage: bash Tests/Benchmarks/plan-benchmark.sh   (builds release into .build-release)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
cleanup() {
  if [ -n "${emulator_pid:-}" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 Tests/Benchmarks/generate_plan_benchmark.py "$work"
# ENTRAFORM_BINARY overrides the binary (e.g. a debug build); by default a release build is made.
if [ -z "${ENTRAFORM_BINARY:-}" ]; then
  swift build -c release --product entraform --scratch-path .build-release >/dev/null
fi
binary=${ENTRAFORM_BINARY:-.build-release/release/entraform}

"$binary" emulator --seed "$work/tenant.json" --port 0 --latency 50 --rate-limit 1 > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/emulator.log" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/emulator.log" | head -1)
export AZURE_TENANT_ID=$(grep 'Tenant id:' "$work/emulator.log" | awk '{print $3}')
export AZURE_CLIENT_ID=$(grep 'Client id:' "$work/emulator.log" | awk '{print $3}')
export AZURE_CLIENT_SECRET=$(grep 'Client secret:' "$work/emulator.log" | awk '{print $3}')

start=$(date +%s.%N)
"$binary" plan "$work/config" --graph-url "$url" --detailed-exitcode > "$work/plan.txt" || status=$?
end=$(date +%s.%N)
tail -n 1 "$work/plan.txt"
echo "plan exit code: ${status:-0}; wall time: $(echo "$end - $start" | bc -l | cut -c1-5) s"
curl -s "$url/_emulator/requests" | python3 -c '
import json, sys
counts = json.load(sys.stdin)
print("requests by service class:", counts["byServiceClass"], " throttled:", counts.get("throttled", {}))
for path, n in sorted(counts["byPath"].items()): print(f"  {n:3d}  {path}")
print("total:", sum(counts["byServiceClass"].values()))'
