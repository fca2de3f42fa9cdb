#!/usr/bin/env bash
# `make fuzz`: coverage-guided fuzzing (cargo fuzz, libFuzzer) of every parser
# of untrusted input, each target for FUZZ_SECONDS (default 60) or FUZZ_RUNS
# executions. Prints each target's executions and writes
# test-output/fuzz-report.txt. A crash stops it with the reproducer in
# fuzz/artifacts/. On the stable toolchain: RUSTC_BOOTSTRAP lets cargo fuzz pass
# its -Z flags, and no sanitizer is used (Rust code is memory safe; the finds
# are panics and failed assertions).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.13.2
export RUSTC_BOOTSTRAP=1
TARGETS=${FUZZ_TARGETS:-"params request scope redirect_uri pkce credential jwt authorize_params registration"}
mkdir -p test-output
report=test-output/fuzz-report.txt
: >"$report"
for t in $TARGETS; do
    if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); else limit=(-max_total_time="${FUZZ_SECONDS:-60}"); fi
    # A scratch copy of the committed seeds: the corpus libFuzzer grows stays out of git.
    work="target/fuzz-corpus/$t"
    mkdir -p "$work" && cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
    log="test-output/fuzz-$t.log"
    cargo fuzz run --fuzz-dir fuzz -s none "$t" "$work" -- "${limit[@]}" -max_len=4096 -print_final_stats=1 >"$log" 2>&1 || {
        tail -40 "$log"; echo "fuzz target $t failed: see $log and fuzz/artifacts/$t/" >&2; exit 1; }
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    printf '%-18s %12s executions in %4s s, coverage %s edges, no crash\n' "$t" "$runs" "$secs" "$cov" | tee -a "$report"
done
