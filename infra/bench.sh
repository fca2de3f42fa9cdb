#!/usr/bin/env bash
# `make bench`: release binaries, then one report (printed as tables, and
# test-output/bench-report.json): warm latency, DynamoDB round trips and
# capacity units, handler CPU, cold starts beside a hello-world lambda_http
# function, size, memory, cost per million and at scale, and node-oidc-provider
# side by side (CPU per request, memory, start to first token).
#
# BENCH_REQUESTS (default 1000) warm requests per endpoint, BENCH_SPAWNS (20)
# spawns per cold-start case, BENCH_PEER_REQUESTS (2000) measured requests per
# side-by-side workload.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_tools
mkdir -p test-output
# valgrind: callgrind instruction counts of the handler.
command -v valgrind >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
}
(cd bench/peer && { [ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund --silent; })

MOTO_PORT=$(free_port)
local_aws_env "$MOTO_PORT"
start_moto "$MOTO_PORT" test-output/bench-moto.log

log "release build (the functions, oauthctl, the harness and its hello-world function)"
cargo build --release --quiet -p authorize -p token -p userinfo -p oauthctl -p bench

log "harness: warm, handler CPU, cold starts, side by side (a few minutes)"
target/release/bench --requests "${BENCH_REQUESTS:-1000}" --spawns "${BENCH_SPAWNS:-20}" \
    --peer bench/peer/provider.mjs --peer-requests "${BENCH_PEER_REQUESTS:-2000}" \
    --json test-output/bench.json >/dev/null
"$VENV/bin/python" infra/bench_report.py test-output/bench.json test-output/bench-report.json
