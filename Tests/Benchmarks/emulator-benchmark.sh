#!/usr/bin/env bash
# Benchmark (issue 3): emulator throughput for GET /v1.0/identity/conditionalAccess/policies with 195
# policies, on loopback, with wrk (Debian package `wrk`): 2 threads, 32 connections, 10 s.
# Usage: bash Tests/Benchmarks/emulator-benchmark.sh   (ENTRAFORM_BINARY overrides the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk"; exit 1; }
source Tests/Benchmarks/lib.sh

python3 Tests/Benchmarks/generate_plan_benchmark.py "$work" >/dev/null     # its tenant holds 240 policies
start_emulator "$work/tenant.json" 
token=$(curl -s -X POST "$url/$AZURE_TENANT_ID/oauth2/v2.0/token" --data-urlencode "client_id=$AZURE_CLIENT_ID" --data-urlencode "client_secret=$AZURE_CLIENT_SECRET" \
  --data-urlencode "grant_type=client_credentials" --data-urlencode "scope=https://graph.microsoft.com/.default" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
count=$(curl -s -H "Authorization: Bearer $token" "$url/v1.0/identity/conditionalAccess/policies" \
  | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["value"]))')
echo "policies in one GET: $count"
wrk -t2 -c32 -d10s -H "Authorization: Bearer $token" "$url/v1.0/identity/conditionalAccess/policies"
