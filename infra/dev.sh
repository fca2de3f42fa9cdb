#!/usr/bin/env bash
# `make dev`: moto's DynamoDB on 127.0.0.1:8000, the table, a demo client and
# user, and the three functions at their deployed paths on http://127.0.0.1:9000.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_tools
MOTO_PORT=${MOTO_PORT:-8000}
PORT=${PORT:-9000}
mkdir -p .local
local_aws_env "$MOTO_PORT"
export TABLE_NAME=${TABLE_NAME:-oauth}
export ISSUER=${ISSUER:-http://127.0.0.1:$PORT}
export RUST_LOG=${RUST_LOG:-info}
start_moto "$MOTO_PORT" .local/moto.log
log "building"
cargo build --quiet --workspace
oauthctl table create >/dev/null
DEMO_REDIRECT="http://127.0.0.1:$PORT/callback-demo"
client=$(oauthctl client create --name "Demo App" --id demo --redirect-uri "$DEMO_REDIRECT" \
    --scope "profile read write" --grant authorization_code --grant refresh_token --grant password)
oauthctl user create --email demo@example.com --password demo-password \
    --claims '{"role":"AGENT","siteId":10115}' >/dev/null
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$client")
start_watch "$PORT" .local/watch.log
cat <<MSG

  The stack is up (logs in .local/). Demo client:
    client_id     demo
    client_secret $secret
    redirect_uri  $DEMO_REDIRECT
  Demo user: demo@example.com / demo-password

  Open this in a browser to run the authorization-code flow:
    $ISSUER/oauth/authorize?response_type=code&client_id=demo&redirect_uri=$DEMO_REDIRECT&scope=profile+read&state=demo-state

  Then exchange the code from the address bar:
    curl -s $ISSUER/oauth/token -d grant_type=authorization_code -d client_id=demo \\
      -d client_secret=$secret -d redirect_uri=$DEMO_REDIRECT -d code=CODE

  Ctrl-C stops everything.
MSG
wait
