# Shared by infra/dev.sh and infra/test.sh: a project-local Python venv with the
# tools, free ports, moto's DynamoDB and `cargo lambda watch`, all stopped on exit.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PIDS=()

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] || continue
        # Each service runs in its own process group: stop the whole group.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Installs the Python tools into .venv when missing (pinned in infra/requirements.txt).
ensure_tools() {
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating $VENV"
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(sha256sum "$ROOT/infra/requirements.txt" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing Python tools (moto, cargo-lambda, cfn-lint, aws-sam-cli, pytest) into .venv"
        "$VENV/bin/pip" install --disable-pip-version-check -q -r "$ROOT/infra/requirements.txt"
        echo "$want" > "$stamp"
    fi
    export PATH="$VENV/bin:$PATH"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port seconds
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2
    return 1
}

# Local AWS settings: moto serves DynamoDB and KMS on one port; no real
# credentials, no IMDS look-ups.
local_aws_env() { # moto_port
    export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1"
    export AWS_ENDPOINT_URL_KMS="http://127.0.0.1:$1"
    export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
    export AWS_EC2_METADATA_DISABLED=true
    # The local KMS key that encrypts signing keys (`oauthctl table create` makes it).
    export KMS_KEY_ID=${KMS_KEY_ID:-alias/oauth-local}
}

start_moto() { # port logfile
    log "starting moto's DynamoDB on 127.0.0.1:$1"
    # moto's server, each request applied atomically as on DynamoDB (see the script).
    setsid "$VENV/bin/python" "$ROOT/infra/moto_server.py" 127.0.0.1 "$1" >"$2" 2>&1 &
    PIDS+=("$!")
    wait_for_port "$1" 30
}

start_watch() { # port logfile
    log "starting cargo lambda watch on 127.0.0.1:$1"
    setsid cargo lambda watch --disable-cors --ignore-changes -A 127.0.0.1 -P "$1" >"$2" 2>&1 &
    PIDS+=("$!")
    wait_for_port "$1" 120
}

oauthctl() {
    "$ROOT/target/debug/oauthctl" "$@"
}

# A test CA and a certificate it signs for localhost and 127.0.0.1, for https
# on loopback (the tests' Client ID Metadata Documents): ca.pem, cert.pem, key.pem.
test_ca() { # dir
    mkdir -p "$1"
    [ -s "$1/cert.pem" ] && return 0
    log "making a test CA in $1"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=oauth-server test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
        -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$1/key.pem" -out "$1/cert.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$1/ext.cnf"
    openssl x509 -req -in "$1/cert.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 30 \
        -extfile "$1/ext.cnf" -out "$1/cert.pem" 2>/dev/null
}

# The example MCP server (infra/examples/mcp-server/local.mjs) at `url`,
# taking tokens of $ISSUER.
start_mcp() { # url logfile
    log "starting the example MCP server on $1"
    MCP_URL="$1" setsid node "$ROOT/infra/examples/mcp-server/local.mjs" >"$2" 2>&1 &
    PIDS+=("$!")
    local port=${1#http://127.0.0.1:}
    wait_for_port "${port%%/*}" 30
}
