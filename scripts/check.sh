#!/usr/bin/env bash
# Lint, format check, type check, then the tests. Run by `make test` (after setup).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy"
"$bin/python" -m pytest "$@"
