#!/usr/bin/env bash
# `make build`: `sam build` of the three functions for provided.al2023/arm64 with
# cargo-lambda (it cross-compiles with zig: no Docker), then their sizes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_tools
export SAM_CLI_TELEMETRY=0
if command -v rustup >/dev/null; then
    rustup target add aarch64-unknown-linux-gnu >/dev/null
fi
sam build --config-file infra/samconfig.toml
bash infra/size.sh
