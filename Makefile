# The two commands of the README. Both set everything up first (Debian packages, .venv).
.PHONY: run test setup lint bench

# Scan the library (configured, else ~/Music, else the demo library) and print its mood map.
run:
	./scripts/setup.sh run
	.venv/bin/moodplay scan

# Lint, type check and run the tests.
test:
	./scripts/setup.sh test
	./scripts/check.sh

bench:
	./scripts/setup.sh test
	.venv/bin/python bench/scan.py
