# Shared by the benchmark scripts: a work folder, the binary, and an emulator started from a seed.
# Source it after `set -euo pipefail` and `cd` to the package root.

work=$(mktemp -d)
cleanup() {
  if [ -n "${emulator_pid:-}" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ENTRAFORM_BINARY overrides the binary (e.g. a debug build); by default a release build is made.
if [ -z "${ENTRAFORM_BINARY:-}" ]; then
  swift build -c release --product entraform --scratch-path .build-release >/dev/null
fi
binary=${ENTRAFORM_BINARY:-.build-release/release/entraform}

# start_emulator SEED [emulator options…]: serves in the background on a free port and sets `url`
# and the AZURE_* variables of its default application.
start_emulator() {
  local seed=$1
  shift
  "$binary" emulator --seed "$seed" --port 0 "$@" > "$work/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 600); do grep -q "listening on" "$work/emulator.log" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/emulator.log" | head -1)
  export AZURE_TENANT_ID=$(grep 'Tenant id:' "$work/emulator.log" | awk '{print $3}')
  export AZURE_CLIENT_ID=$(grep 'Client id:' "$work/emulator.log" | awk '{print $3}')
  export AZURE_CLIENT_SECRET=$(grep 'Client secret:' "$work/emulator.log" | awk '{print $3}')
}
