#!/usr/bin/env bash
# `make bench`: release binaries, then one table (and test-output/bench-report.json)
# with cold start, warm latency, DynamoDB round trips, handler CPU, size, RSS and
# cost, and node-oidc-provider side by side (start-to-first-token, throughput and
# p99 of client_credentials with wrk at the same concurrency).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_tools
mkdir -p test-output
# wrk: the load generator for the side-by-side; valgrind: callgrind instruction counts.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v valgrind >/dev/null || missing+=(valgrind)
if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
MOTO_PORT=$(free_port)
local_aws_env "$MOTO_PORT"
start_moto "$MOTO_PORT" test-output/bench-moto.log

log "release build (the functions, oauthctl and the harness)"
cargo build --release --quiet -p authorize -p token -p userinfo -p oauthctl -p bench

log "harness: warm latency, round trips, CPU, cold starts, RSS, size, cost"
target/release/bench --requests "${BENCH_REQUESTS:-1000}" --spawns "${BENCH_SPAWNS:-20}" \
    --json test-output/bench.json >/dev/null

log "side by side with node-oidc-provider: client_credentials over loopback"
CONNS=${BENCH_CONNECTIONS:-8}
DURATION=${BENCH_DURATION:-10s}
(cd bench/peer && { [ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund --silent; })

# Ours: the local stack (cargo lambda watch running the release token function).
export TABLE_NAME="bench-peer-$(date +%s)" RUST_LOG=warn
OURS_PORT=$(free_port)
export ISSUER="http://127.0.0.1:$OURS_PORT"
target/release/oauthctl table create >/dev/null
secret=$(target/release/oauthctl client create --name peer --id peer --grant client_credentials --scope read |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
setsid cargo lambda watch --release --concurrency "$CONNS" --disable-cors --ignore-changes -A 127.0.0.1 -P "$OURS_PORT" \
    >test-output/bench-watch.log 2>&1 &
PIDS+=("$!")
wait_for_port "$OURS_PORT" 120
ours_auth=$(printf 'peer:%s' "$secret" | base64 -w0)
curl -sf -o /dev/null -X POST -H "Authorization: Basic $ours_auth" -d grant_type=client_credentials \
    "http://127.0.0.1:$OURS_PORT/oauth/token" --max-time 300

# Theirs: node-oidc-provider, from process start to the first token response.
PEER_PORT=$(free_port)
peer_auth=$(printf 'bench:bench-secret' | base64 -w0)
start_ns=$(date +%s%N)
PORT=$PEER_PORT setsid node bench/peer/provider.mjs >test-output/bench-peer.log 2>&1 &
PIDS+=("$!")
until curl -sf -o /dev/null -X POST -H "Authorization: Basic $peer_auth" -d grant_type=client_credentials \
    "http://127.0.0.1:$PEER_PORT/token" 2>/dev/null; do sleep 0.005; done
peer_first_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

run_wrk() { # url auth-base64 path-to-output
    cat >test-output/wrk.lua <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $2"
LUA
    wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s test-output/wrk.lua "$1" >"$3"
}
run_wrk "http://127.0.0.1:$OURS_PORT/oauth/token" "$ours_auth" test-output/wrk-ours.txt
run_wrk "http://127.0.0.1:$PEER_PORT/token" "$peer_auth" test-output/wrk-peer.txt

python3 infra/bench_report.py test-output/bench.json test-output/wrk-ours.txt test-output/wrk-peer.txt \
    "$peer_first_ms" "$CONNS" "$DURATION" test-output/bench-report.json
