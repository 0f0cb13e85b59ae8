#!/usr/bin/env bash
# Benchmark (issue 6): `entraform risk plan` with five rules against an emulator holding 20,000 risky
# users and 100,000 detections, rate limit off. Prints whole-process wall time, peak memory (RSS),
# and the Identity Protection requests the filters needed versus reading everything.
# Usage: bash Tests/Benchmarks/risk-benchmark.sh   (ENTRAFORM_BINARY overrides the release build)
#        bash Tests/Benchmarks/risk-benchmark.sh --rate-limit 1
#   The second form runs the emulator at Graph's Identity Protection limit (1 request/s, 429 without
#   Retry-After) with the client's default pacing, and also reports the 429s it drew.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Benchmarks/lib.sh

python3 Tests/Benchmarks/generate_risk_benchmark.py "$work"

if [ "${1:-}" = "--rate-limit" ]; then
  start_emulator "$work/tenant.json" --rate-limit "${2:?--rate-limit needs a value}"
  pacing=()
else
  start_emulator "$work/tenant.json"
  pacing=(--requests-per-second 0)
fi

/usr/bin/time -f "risk plan: %e s wall, %M KiB peak RSS" "$binary" risk plan "$work/config" --graph-url "$url" "${pacing[@]}" > "$work/plan.txt" \
  || status=$?
grep -m 3 -i "error" "$work/plan.txt" || true; tail -n 1 "$work/plan.txt"
echo "risk plan exit code: ${status:-0} (2 = actions proposed)"
curl -s "$url/_emulator/requests" | python3 -c '
import json, sys
counts = json.load(sys.stdin)
ip = {p: n for p, n in counts["byPath"].items() if "identityProtection" in p}
used = sum(ip.values())
everything = -(-20000 // 500) + -(-100000 // 500)
for path, n in sorted(ip.items()): print(f"  {n:4d}  {path}")
print("throttled (429):", counts.get("throttled", {}) or "none")
print(f"Identity Protection requests: {used} with filters vs {everything} reading everything at $top=500 "
      f"(at Graph'"'"'s 1 request/s: {used} s vs {everything} s)")'
