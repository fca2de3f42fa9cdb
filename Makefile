.PHONY: dev test fmt lint
# Start the local stack: moto's DynamoDB, a demo client and user, the functions on :9000.
dev:
	bash infra/dev.sh
# Run the whole test suite (starts and stops its own moto and cargo lambda watch).
test:
	bash infra/test.sh
fmt:
	cargo fmt --all
lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
