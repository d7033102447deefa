# The two commands of the README. Both set everything up first (Debian packages, .venv).
.PHONY: run test setup lint bench

# Scan the library (configured, else ~/Music, else the demo library), print its mood map, then
# play it: the daemon listens on the microphone and on the MPD port 127.0.0.1:6600 (Ctrl-C stops).
run:
	./scripts/setup.sh run
	.venv/bin/moodplay scan
	.venv/bin/moodplay daemon

# Lint, type check and run the tests.
test:
	./scripts/setup.sh test
	./scripts/check.sh

bench:
	./scripts/setup.sh test
	.venv/bin/python bench/scan.py
