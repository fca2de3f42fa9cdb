#!/usr/bin/env bash
# `make dev`: moto's DynamoDB and KMS on 127.0.0.1:8000, the table and the local
# KMS key, a demo client and user, the three functions at their deployed paths
# on http://127.0.0.1:9000, and a demo relying party on http://127.0.0.1:9001.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_tools
MOTO_PORT=${MOTO_PORT:-8000}
PORT=${PORT:-9000}
RP_PORT=${RP_PORT:-9001}
mkdir -p .local
local_aws_env "$MOTO_PORT"
export TABLE_NAME=${TABLE_NAME:-oauth}
export ISSUER=${ISSUER:-http://127.0.0.1:$PORT}
export RUST_LOG=${RUST_LOG:-info}
# The legacy APIs replayed by hand send credentials in query strings (docs/compatibility.md).
export TOKEN_QUERY_PARAMS=${TOKEN_QUERY_PARAMS:-allow}
start_moto "$MOTO_PORT" .local/moto.log
log "building"
cargo build --quiet --workspace
oauthctl table create >/dev/null
DEMO_REDIRECT="http://127.0.0.1:$RP_PORT/callback"
client=$(oauthctl client create --name "Demo App" --id demo --redirect-uri "$DEMO_REDIRECT" \
    --post-logout-redirect-uri "http://127.0.0.1:$RP_PORT/" \
    --scope "read write" --grant authorization_code --grant refresh_token --grant password)
oauthctl user create --email demo@example.com --password demo-password \
    --claims '{"name":"Demo User","given_name":"Demo","role":"AGENT","siteId":10115}' >/dev/null
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$client")
start_watch "$PORT" .local/watch.log
log "starting the demo relying party on 127.0.0.1:$RP_PORT"
setsid "$VENV/bin/python" infra/demo_rp.py "$ISSUER" demo "$secret" "$RP_PORT" >.local/demo-rp.log 2>&1 &
PIDS+=("$!")
wait_for_port "$RP_PORT" 30
cat <<MSG

  The stack is up (logs in .local/). Demo client:
    client_id     demo
    client_secret $secret
    redirect_uri  $DEMO_REDIRECT (the demo application)
  Demo user: demo@example.com / demo-password

  Open this OpenID Connect authorization URL in a browser, sign in and allow; the
  demo application then shows the ID token's claims and userinfo:
    $ISSUER/oauth/authorize?response_type=code&client_id=demo&redirect_uri=$DEMO_REDIRECT&scope=openid+profile+email+read&state=demo-state&nonce=demo-nonce

  (or http://127.0.0.1:$RP_PORT/ for a fresh one, with PKCE). Discovery:
    $ISSUER/.well-known/openid-configuration

  The password grant from a shell:
    curl -s $ISSUER/oauth/token -d grant_type=password -d client_id=demo \\
      -d client_secret=$secret -d username=demo@example.com -d password=demo-password

  Ctrl-C stops everything.
MSG
wait
