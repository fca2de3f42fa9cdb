#!/usr/bin/env bash
# `make test`: the whole suite. Starts its own moto on a free port; the end-to-end
# part starts `cargo lambda watch` on another free port. Stops everything it starts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_tools
mkdir -p test-output
MOTO_PORT=$(free_port)
local_aws_env "$MOTO_PORT"
start_moto "$MOTO_PORT" test-output/moto.log

# E2E_ONLY=1 skips the template lint and the in-process tests (a developer's
# second run after fixing an end-to-end test; CI always runs everything).
if [ -z "${E2E_ONLY:-}" ]; then
    log "cfn-lint and sam validate --lint (offline)"
    cfn-lint infra/template.yaml infra/examples/protected-api.yaml infra/examples/mcp-server.yaml
    SAM_CLI_TELEMETRY=0 sam validate --lint --region us-east-1 --config-file infra/samconfig.toml
    SAM_CLI_TELEMETRY=0 sam validate --lint --region us-east-1 -t infra/examples/protected-api.yaml
    SAM_CLI_TELEMETRY=0 sam validate --lint --region us-east-1 -t infra/examples/mcp-server.yaml

    log "cargo test (unit tests and in-process handler tests against moto)"
    cargo test --workspace -- --test-threads 4
fi

log "end-to-end: the local stack through cargo lambda watch"
export TABLE_NAME="e2e-$(date +%s)"
PORT=$(free_port)
export ISSUER="http://127.0.0.1:$PORT"
export RUST_LOG=info
# The legacy APIs' documented requests carry credentials in query strings (docs/compatibility.md).
export TOKEN_QUERY_PARAMS=allow
# Open dynamic registration, as MCP clients need it (the MCP SDKs register
# themselves); openid-client brings an initial access token, which is checked.
export CLIENT_REGISTRATION=open
# Client ID Metadata Documents are served by the tests over https on loopback,
# with a certificate of a test CA the server is told to trust.
export MCP_TLS_DIR="$ROOT/test-output/mcp-tls"
test_ca "$MCP_TLS_DIR"
export OUTBOUND_CA_FILE="$MCP_TLS_DIR/ca.pem"
export SCOPE_DESCRIPTIONS='{"profile":"See your name and email address","read":"Read your data","write":"Change your data"}'
cargo build --quiet --workspace
start_watch "$PORT" test-output/watch.log
export OAUTH_BASE="$ISSUER" OAUTHCTL="$ROOT/target/debug/oauthctl" TEST_OUTPUT="$ROOT/test-output"

# The example MCP server (infra/examples/mcp-server), before any test runs:
# a registered resource with 10-second JWTs, so that a revoked client's last
# token runs out within the test.
(cd infra/examples/mcp-server && { [ -d node_modules/@modelcontextprotocol ] || npm ci --no-audit --no-fund --silent; })
"$ROOT/target/debug/oauthctl" table create >/dev/null
export MCP_URL="http://127.0.0.1:$(free_port)/mcp"
"$ROOT/target/debug/oauthctl" resource create --uri "$MCP_URL" --scope "tools:read tools:call" --access-ttl 10 >/dev/null
start_mcp "$MCP_URL" test-output/mcp.log

log "pytest: seed documents replayed, routes, template, requests-oauthlib, Authlib (OAuth, OIDC), PyJWT, Ruby oauth2"
python -m pytest -q tests/e2e

log "the Rust oauth2 and openidconnect crates as clients"
cargo test --quiet -p oauth-tests --test oauth2_crate --test openidconnect_crate -- --ignored

log "schemathesis against openapi.yaml (positive and negative data, bounded examples)"
st_secret=$(oauthctl client create --name schemathesis --id st-client --redirect-uri http://127.0.0.1:1/cb \
    --scope "read write" --grant client_credentials --grant authorization_code --grant refresh_token |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
bash infra/schemathesis.sh "$ISSUER" "st-client:$st_secret"

log "a real browser: Debian Chromium driven by playwright-core; openid-client as a relying party"
(cd tests/browser && { [ -d node_modules/openid-client ] || npm ci --no-audit --no-fund --silent; } && node --test)
