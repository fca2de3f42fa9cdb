.PHONY: dev test build size bench fuzz fmt lint
# Start the local stack: moto's DynamoDB, a demo client and user, the functions on :9000.
dev:
	bash infra/dev.sh
# Run the whole test suite (starts and stops its own moto and cargo lambda watch).
test:
	bash infra/test.sh
# sam build: the three functions for provided.al2023/arm64 (cargo-lambda + zig, no Docker).
build:
	bash infra/build.sh
# Each function's bootstrap size from the last build.
size:
	bash infra/size.sh
# Benchmark: cold start, latency, round trips, CPU, size, RSS, cost, and node-oidc-provider beside us.
bench:
	bash infra/bench.sh
# Coverage-guided fuzzing of every request parser (FUZZ_SECONDS per target, default 60).
fuzz:
	bash infra/fuzz.sh
fmt:
	cargo fmt --all
lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
