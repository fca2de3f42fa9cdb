#!/usr/bin/env bash
# `make size`: each function's bootstrap size, from `sam build` (.aws-sam/build).
set -euo pipefail
cd "$(dirname "$0")/.."
printf '%-10s %12s %8s\n' function bytes MiB
for f in Authorize Token Userinfo; do
    b=".aws-sam/build/${f}Function/bootstrap"
    if [ ! -f "$b" ]; then echo "no $b: run make build first" >&2; exit 1; fi
    n=$(stat -c %s "$b")
    awk -v f="$f" -v n="$n" 'BEGIN { printf "%-10s %12d %8.2f\n", tolower(f), n, n / 1048576 }'
done
