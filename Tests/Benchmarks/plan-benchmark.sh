#!/usr/bin/env bash
# Benchmark (issue 5): `entraform plan` of 240 policies referencing 500 distinct directory objects,
# against the emulator with --latency 50 --rate-limit 1 (Graph's real conditional access limit).
# Prints wall time and the requests the emulator counted, per service class and path.
# Usage: bash Tests/Benchmarks/plan-benchmark.sh   (builds release into .build-release)
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Benchmarks/lib.sh

python3 Tests/Benchmarks/generate_plan_benchmark.py "$work"

start_emulator "$work/tenant.json" --latency 50 --rate-limit 1

start=$(date +%s.%N)
"$binary" plan "$work/config" --graph-url "$url" --detailed-exitcode --debug --no-impact > "$work/plan.txt" 2> "$work/plan.err" || status=$?
end=$(date +%s.%N)
tail -n 1 "$work/plan.txt"
echo "plan exit code: ${status:-0}; wall time: $(echo "$end - $start" | bc -l | cut -c1-5) s"
grep "local phases" "$work/plan.err" || true
curl -s "$url/_emulator/requests" | python3 -c '
import json, sys
counts = json.load(sys.stdin)
print("requests by service class:", counts["byServiceClass"], " throttled:", counts.get("throttled", {}))
for path, n in sorted(counts["byPath"].items()): print(f"  {n:3d}  {path}")
print("total:", sum(counts["byServiceClass"].values()))'
