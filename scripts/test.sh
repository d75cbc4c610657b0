#!/usr/bin/env bash
# Sets up everything the test suite needs (a venv with awsenv and its test
# dependencies, the real AWS clients) and runs the whole suite.
# The shells (zsh, fish, dash) and shellcheck come from the OS: .ci/run
# installs them on Debian; elsewhere a missing one is skipped, except in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# The demo may have made .venv without a pip of its own.
.venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -U pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
bash tests/clients-setup.sh

.venv/bin/ruff check awsenv tests
.venv/bin/ruff format --check awsenv tests
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest -n 2 "$@"
