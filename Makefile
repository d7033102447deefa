# The two commands of the README. Both set everything up first (Debian packages, .venv).
.PHONY: run test setup lint bench bench-mpd

# Scan the library (configured, else ~/Music, else the demo library), print its mood map, then
# play it at once: the daemon listens on the microphone and on the MPD port 127.0.0.1:6600
# (Ctrl-C stops).
run:
	./scripts/setup.sh run
	.venv/bin/moodplay scan
	.venv/bin/moodplay daemon --play

# Lint, type check and run the tests.
test:
	./scripts/setup.sh test
	./scripts/check.sh

bench:
	./scripts/setup.sh test
	.venv/bin/python bench/scan.py

# moodplay's MPD server and the real MPD 0.23 under the same 50-client load, in one run.
bench-mpd:
	./scripts/setup.sh test
	.venv/bin/python bench/mpd_side_by_side.py
