#!/usr/bin/env bash
# Benchmark (issue 12): `entraform plan` with its impact analysis for 240 policies (12 of them changed)
# over 20,000 users in 2,000 groups, against the emulator with Graph's conditional access limit
# (--rate-limit 1) and a directory limit (--directory-rate-limit 100). Prints whole-process wall time,
# peak memory, the impact summary, and the requests the emulator counted per service class; then the
# same plan with --no-impact, so the cost of the analysis itself shows.
# Usage: bash Tests/Benchmarks/impact-benchmark.sh   (builds release into .build-release)
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/Benchmarks/lib.sh

python3 Tests/Benchmarks/generate_impact_benchmark.py "$work"
start_emulator "$work/tenant.json" --rate-limit 1 --directory-rate-limit "${DIRECTORY_RATE_LIMIT:-100}"

run_plan() {
  local label=$1
  shift
  curl -s -X POST "$url/_emulator/reset" > /dev/null
  local start end status=0
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$binary" plan "$work/config" --graph-url "$url" --debug "$@" > "$work/plan.txt" 2> "$work/plan.err" || status=$?
  end=$(date +%s.%N)
  echo "== $label: exit $status; wall time $(echo "$end - $start" | bc -l | cut -c1-5) s; peak RSS $(( $(tail -n 1 "$work/rss") / 1024 )) MiB"
  [ "$status" = 0 ] || { echo "plan failed:"; tail -n 20 "$work/plan.err"; }
  grep -E '^(Plan|Impact):' "$work/plan.txt" || true
  grep -E 'impact: ' "$work/plan.err" | sed 's/^.*impact: /impact: /' || true
  curl -s "$url/_emulator/requests" | python3 -c '
import json, sys
counts = json.load(sys.stdin)
print("requests by service class:", counts["byServiceClass"], " throttled:", counts.get("throttled", {}))'
}
run_plan "plan with impact"
run_plan "plan --no-impact" --no-impact
